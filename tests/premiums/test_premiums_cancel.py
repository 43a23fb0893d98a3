"""Cancelling a prepared payout run: its premium is unpaid again and goes into the next run,
the run, lines and exclusions are gone, the audit trail keeps what it held; only the back
office, only while prepared; cancelling twice has one effect."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEvent
from premiums.models import PayoutExclusion, PayoutLine, PayoutRun, PremiumAccrual
from premiums.services import payout_run_approve, payout_run_cancel, payout_run_prepare
from tests.placements.factories import CandidateFactory
from tests.premiums.test_premiums_payouts import work

D = Decimal
JUNE = datetime.date(2026, 6, 30)


@pytest.fixture
def prepared(town, framework, back_office_user):
    """Anna 2 days (32.00) paid, Cees without an IBAN (16.00) left out."""
    anna = CandidateFactory(municipality=town, first_name="Anna", last_name="Aalders")
    cees = CandidateFactory(municipality=town, first_name="Cees", last_name="Claassen", iban="")
    work(anna, [2, 3], actor=back_office_user)
    work(cees, [2], actor=back_office_user)
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    assert (run.line_count, run.total, run.exclusions.count()) == (1, D("32.00"), 1)
    return run, anna, cees


def test_cancel_unlinks_the_premium_and_deletes_the_run(prepared, town, back_office_user):
    run, anna, _cees = prepared
    assert payout_run_cancel(run=run, actor=back_office_user) is True

    assert not PayoutRun.objects.exists()
    assert not PayoutLine.objects.exists()
    assert not PayoutExclusion.objects.exists()
    assert not PremiumAccrual.objects.filter(payout_line__isnull=False).exists()
    assert PremiumAccrual.objects.filter(candidate=anna).count() == 2

    event = AuditEvent.objects.get(action="payout_run.cancel")
    assert (event.actor, event.object_id) == (back_office_user, str(run.pk))
    assert "1 candidates, 32.00 in total, 1 left out; 2 accrual rows" in event.summary
    assert event.changes["total"] == ["32.00", None]
    assert event.changes["payout_date"] == ["2026-06-30", None]

    # The premium goes into the next run prepared (the same moment, anew), as the first payout.
    again = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    assert again.pk != run.pk
    assert (again.line_count, again.total) == (1, D("32.00"))
    assert again.lines.get().sequence == 1
    assert set(PremiumAccrual.objects.filter(payout_line__run=again)) == set(
        PremiumAccrual.objects.filter(candidate=anna)
    )


def test_cancelling_twice_has_one_effect(prepared, back_office_user):
    run, _anna, _cees = prepared
    assert payout_run_cancel(run=run, actor=back_office_user) is True
    assert payout_run_cancel(run=run, actor=back_office_user) is False
    assert AuditEvent.objects.filter(action="payout_run.cancel").count() == 1


def test_an_approved_run_is_not_cancelled(prepared, back_office_user, town_coordinator):
    run, _anna, _cees = prepared
    payout_run_approve(run=run, actor=town_coordinator)
    with pytest.raises(ValidationError) as error:
        payout_run_cancel(run=run, actor=back_office_user)
    assert "Only a prepared payout run can be cancelled" in str(error.value)
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.APPROVED
    assert PremiumAccrual.objects.filter(payout_line__run=run).count() == 2
    assert not AuditEvent.objects.filter(action="payout_run.cancel").exists()


def test_only_the_back_office_cancels(prepared, town_coordinator):
    run, _anna, _cees = prepared
    with pytest.raises(PermissionDenied):
        payout_run_cancel(run=run, actor=town_coordinator)
    assert PayoutRun.objects.filter(pk=run.pk).exists()
    assert PremiumAccrual.objects.filter(payout_line__run=run).count() == 2


def test_approving_a_run_cancelled_meanwhile_is_a_clear_error(
    prepared, back_office_user, town_coordinator
):
    run, _anna, _cees = prepared
    stale = PayoutRun.objects.get(pk=run.pk)  # the coordinator's page, loaded before
    payout_run_cancel(run=run, actor=back_office_user)
    with pytest.raises(ValidationError, match="cancelled"):
        payout_run_approve(run=stale, actor=town_coordinator)
