"""Each role signs in and its first screen shows exactly the work waiting for it: the
coordinator, the representative and the treasurer land on "Te doen", the back office on the
admin index with its to-do first. A coordinator approves the payout run starting from the
to-do page, and the count drops."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role

from .flows import path_of, screenshot, sign_in, sign_out, submit_code, totp_code

pytestmark = pytest.mark.browser

TREASURER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BACK_OFFICE_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def _settlement(municipality, *, status, submitter, decider=None):
    from settlements.models import Settlement

    now = timezone.now()
    return Settlement.objects.create(
        municipality=municipality,
        year=2026,
        half=1,
        status=status,
        terms_date=datetime.date(2026, 1, 1),
        fee_percentage=Decimal("30.00"),
        contribution_municipality_percentage=Decimal("1.00"),
        contribution_operator_percentage=Decimal("1.00"),
        computed_at=now,
        submitted_by=submitter,
        submitted_at=now,
        decided_by=decider,
        decided_at=now if decider else None,
        rejection_reason="Uren van juni ontbreken" if decider else "",
    )


@pytest.fixture
def world(make_user, municipalities):
    """Groningen: two assignment requests, a payout run to approve, a settlement submitted
    and an open vote; Assen: one request and a rejected settlement."""
    from governance.models import Elector, Proposal
    from members.models import PremiumCap
    from placements.services import time_entries_approve
    from premiums.services import payout_run_prepare
    from settlements.models import Settlement
    from tests.placements.factories import (
        AssignmentFactory,
        CandidateFactory,
        TimeEntryFactory,
        general_framework,
    )

    groningen, assen = municipalities["GM0014"], municipalities["GM0106"]
    general_framework()
    PremiumCap.objects.get_or_create(
        valid_from=datetime.date(2025, 7, 1), defaults={"amount": Decimal("3326")}
    )
    coordinator = make_user("coordinator@example.nl", role=Role.COORDINATOR)
    groningen.coordinators.add(coordinator)
    representative = make_user("wethouder@example.nl", role=Role.REPRESENTATIVE)
    groningen.representatives.add(representative)
    treasurer = make_user("treasurer@example.nl", role=Role.TREASURER, totp_secret=TREASURER_SECRET)
    back_office = make_user(
        "backoffice@example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        totp_secret=BACK_OFFICE_SECRET,
    )
    board = make_user("bestuur@example.nl", role=Role.NVSI_BOARD)

    for town, start in [(groningen, 7), (groningen, 14), (assen, 7)]:
        AssignmentFactory(
            candidate=CandidateFactory(municipality=town),
            start_date=datetime.date(2027, 1, start),
            end_date=datetime.date(2027, 3, 31),
        )
    worker = AssignmentFactory(
        candidate=CandidateFactory(municipality=groningen, first_name="Anna"),
        active=True,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    entries = [
        TimeEntryFactory(assignment=worker, work_date=datetime.date(2026, 3, day))
        for day in (2, 3, 4)
    ]
    time_entries_approve(entries=entries, actor=back_office)
    run = payout_run_prepare(
        municipality=groningen, payout_date=datetime.date(2026, 6, 30), actor=back_office
    )
    _settlement(groningen, status=Settlement.Status.SUBMITTED, submitter=back_office)
    _settlement(assen, status=Settlement.Status.REJECTED, submitter=back_office, decider=treasurer)
    proposal = Proposal.objects.create(
        title="Minimumtarief 2027",
        reasoning="Indexatie",
        effective_date=datetime.date(2027, 1, 1),
        status=Proposal.Status.VOTING,
        proposer=board,
        client_hourly_rate_min=Decimal("15.00"),
        vote_opened_by=board,
        vote_opened_on=timezone.localdate(),
        vote_ends_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    Elector.objects.create(proposal=proposal, municipality=groningen)
    return {"run": run}


def _count(page, key: str) -> str:
    return page.locator(f"[data-todo={key}] .todo-count").inner_text().strip()


def test_each_role_signs_in_and_sees_its_work(page, world):
    sign_in(page, "coordinator@example.nl")
    assert path_of(page) == "/te-doen/"
    assert _count(page, "assignment_requests") == "2"
    assert _count(page, "payout_runs") == "1"
    assert _count(page, "settlement_news") == "1"
    assert _count(page, "open_votes") == "1"
    assert page.locator(".nav-count").first.inner_text().startswith("5")
    assert "Assen" not in page.inner_text("main")
    screenshot(page, "todo-coordinator")
    sign_out(page)

    sign_in(page, "wethouder@example.nl")
    assert path_of(page) == "/te-doen/"
    assert _count(page, "votes_to_cast") == "1"
    sign_out(page)

    sign_in(page, "treasurer@example.nl")
    submit_code(page, totp_code(TREASURER_SECRET))
    assert path_of(page) == "/te-doen/"
    assert _count(page, "settlements_to_review") == "1"
    assert page.locator("[data-todo=transfers_to_make]").count() == 0
    screenshot(page, "todo-treasurer")
    sign_out(page)

    sign_in(page, "backoffice@example.nl")
    submit_code(page, totp_code(BACK_OFFICE_SECRET))
    assert path_of(page) == "/admin/"
    assert _count(page, "settlements_rejected") == "1"
    page.click("[data-todo=settlements_rejected] a")
    page.wait_for_load_state()
    assert "status__exact=rejected" in page.url
    assert "Assen" in page.inner_text("#result_list")
    screenshot(page, "todo-back-office")


def test_the_coordinator_approves_the_payout_run_from_the_to_do_page(page, world):
    run = world["run"]
    sign_in(page, "coordinator@example.nl")
    assert page.locator(".nav-count").first.inner_text().startswith("5")

    page.click("[data-todo=payout_runs] .todo-rows a")
    page.wait_for_load_state()
    assert path_of(page) == f"/premies/betaalmomenten/{run.pk}/"
    page.check("input[name=confirm]")
    page.click("form[action$='/goedkeuren/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".messages .success").count() == 1

    page.click(".site-nav a[href='/te-doen/']")
    page.wait_for_load_state()
    assert page.locator("[data-todo=payout_runs]").count() == 0
    assert page.locator(".nav-count").first.inner_text().startswith("4")
    run.refresh_from_db()
    assert run.status == "approved"
