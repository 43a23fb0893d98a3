"""Fixtures for the to-do tests: the general framework (minimum rate 14.71 from 2026), a day
in the running half-year, and helpers writing the rows a to-do item counts straight to the
database (the services that make them are tested in their own apps)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from governance.models import Ballot, Elector, Proposal
from premiums.models import PayoutRun
from settlements.models import Settlement
from tests.placements.factories import general_framework

TODAY = datetime.date(2026, 4, 15)


@pytest.fixture(autouse=True)
def _english():
    """The selectors' texts asserted in English (the views' tests switch to Dutch)."""
    with translation.override("en"):
        yield


@pytest.fixture
def framework(db):
    return general_framework()


@pytest.fixture
def make_settlement(back_office_with_mfa, treasurer_with_mfa):
    def make(municipality, *, status, year=2026, half=1, when=None, reason="Uren ontbreken"):
        when = when or timezone.now()
        submitted = status != Settlement.Status.DRAFT
        decided = status in (Settlement.Status.APPROVED, Settlement.Status.REJECTED)
        return Settlement.objects.create(
            municipality=municipality,
            year=year,
            half=half,
            status=status,
            terms_date=datetime.date(year, 1 if half == 1 else 7, 1),
            fee_percentage=Decimal("30.00"),
            contribution_municipality_percentage=Decimal("1.00"),
            contribution_operator_percentage=Decimal("1.00"),
            computed_at=when,
            submitted_by=back_office_with_mfa if submitted else None,
            submitted_at=when if submitted else None,
            decided_by=treasurer_with_mfa if decided else None,
            decided_at=when if decided else None,
            rejection_reason=reason if status == Settlement.Status.REJECTED else "",
            fingerprint="f" * 64 if status == Settlement.Status.APPROVED else "",
        )

    return make


@pytest.fixture
def make_run(back_office_with_mfa, treasurer_with_mfa):
    def make(municipality, *, status=PayoutRun.Status.PREPARED, payout_date=None):
        approved = status != PayoutRun.Status.PREPARED
        approver = treasurer_with_mfa  # any other person than the one who prepared it
        return PayoutRun.objects.create(
            municipality=municipality,
            payout_date=payout_date or datetime.date(2026, 6, 30),
            status=status,
            total=Decimal("16.00"),
            line_count=1,
            prepared_by=back_office_with_mfa,
            prepared_at=timezone.now(),
            approved_by=approver if approved else None,
            approved_at=timezone.now() if approved else None,
            sepa_message_id="PREMIE-1" if approved else "",
            sepa_xml="<Document/>" if approved else "",
            paid_on=payout_date if status == PayoutRun.Status.PAID else None,
        )

    return make


@pytest.fixture
def make_proposal(framework, board_member_with_mfa):
    def make(*, status=Proposal.Status.VOTING, electors=(), voted=(), proposer=None, ends=None):
        voting = status not in (Proposal.Status.DRAFT, Proposal.Status.ADVICE_REQUESTED)
        proposal = Proposal.objects.create(
            title=f"Minimumtarief {Proposal.objects.count() + 1}",
            reasoning="Indexatie",
            effective_date=datetime.date(2026, 7, 1),
            status=status,
            proposer=proposer or board_member_with_mfa,
            client_hourly_rate_min=Decimal("15.00"),
            vote_opened_by=board_member_with_mfa if voting else None,
            vote_opened_on=TODAY - datetime.timedelta(days=7) if voting else None,
            vote_ends_on=(ends or TODAY + datetime.timedelta(days=7)) if voting else None,
        )
        for municipality in electors:
            Elector.objects.create(proposal=proposal, municipality=municipality)
        for municipality in voted:
            Ballot.objects.create(
                proposal=proposal,
                municipality=municipality,
                choice="for",
                cast_by=board_member_with_mfa,
            )
        return proposal

    return make
