"""A coordinator approves a requested assignment in the browser after the displacement check,
signs off a large-or-long one, and rejects one (a rejection needs a reason)."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role

from .flows import path_of, screenshot, sign_in

pytestmark = pytest.mark.browser

APPROVED = re.compile(r"Goedgekeurd|Approved")
REJECTED = re.compile(r"Afgewezen|Rejected")


@pytest.fixture
def coordinator(make_user, municipalities):
    user = make_user("coordinator@example.nl", role=Role.COORDINATOR)
    municipalities["GM0014"].coordinators.add(user)
    return user


@pytest.fixture
def requested(municipalities):
    """Factory: a requested assignment of a Groningen candidate, March to May 2026."""
    from tests.placements.factories import (
        AssignmentFactory,
        CandidateFactory,
        general_framework,
    )

    general_framework()

    def make(**fields):
        candidate = CandidateFactory(
            municipality=municipalities["GM0014"], first_name="Anna", last_name="Smit"
        )
        return AssignmentFactory(candidate=candidate, **fields)

    return make


def _open_from_the_list(page, assignment) -> None:
    page.goto("/opdrachten/?status=requested")
    # The link keeps the list's filter, for the way back and the next request.
    page.click(f'a[href="/opdrachten/{assignment.pk}/?status=requested"]')
    page.wait_for_load_state()
    assert path_of(page) == f"/opdrachten/{assignment.pk}/?status=requested"


def _fill_check(page) -> None:
    for name in (
        "temporary_or_peak_work",
        "no_open_vacancy",
        "no_recent_layoffs",
        "works_council_informed",
    ):
        page.check(f"input[name=check-{name}]")
    page.fill("input[name=check-client_signatory_name]", "J. Bakker, directeur")
    page.fill("input[name=check-client_signed_on]", "2026-02-20")
    page.click('form[action*="/toets/"] button[type=submit]')
    page.wait_for_load_state()


def _status(page) -> str:
    return page.inner_text("#assignment-status")


def test_coordinator_approves_after_the_displacement_check(page, coordinator, requested):
    assignment = requested()
    sign_in(page, "coordinator@example.nl")
    _open_from_the_list(page, assignment)
    # No approval before the check is complete.
    assert page.locator('form[action*="/goedkeuren/"]').count() == 0

    _fill_check(page)
    screenshot(page, "displacement-check-saved")
    assert page.locator(".messages .success").count() == 1

    page.click('form[action*="/goedkeuren/"] button[type=submit]')
    page.wait_for_load_state()

    assert APPROVED.search(_status(page))
    assert page.locator('form[action*="/toets/"]').count() == 0
    screenshot(page, "displacement-check-approved")
    assignment.refresh_from_db()
    assert assignment.status == "approved"
    assert assignment.decided_by == coordinator


def test_large_or_long_approval_needs_the_sign_off(page, coordinator, requested):
    assignment = requested(
        hours_per_week=Decimal("36.00"), is_large_hours=True, is_large_or_long=True
    )
    sign_in(page, "coordinator@example.nl")
    _open_from_the_list(page, assignment)
    _fill_check(page)

    page.click('form[action*="/goedkeuren/"] button[type=submit]')
    page.wait_for_load_state()
    assert page.locator(".form-errors[role=alert]").count() == 1
    assert page.locator("#id_approve-sign_off_reason[aria-invalid=true]").count() == 1
    screenshot(page, "displacement-check-sign-off-missing")

    page.check("input[name=approve-confirm_sign_off]")
    page.fill("textarea[name=approve-sign_off_reason]", "Seizoenspiek in de oogst")
    page.click('form[action*="/goedkeuren/"] button[type=submit]')
    page.wait_for_load_state()

    assert APPROVED.search(_status(page))
    assert "Seizoenspiek in de oogst" in page.inner_text("main")
    assignment.refresh_from_db()
    assert assignment.sign_off_reason == "Seizoenspiek in de oogst"
    assert timezone.localdate(assignment.sign_off_at) == timezone.localdate()


def test_rejection_needs_a_reason(page, coordinator, requested):
    assignment = requested()
    sign_in(page, "coordinator@example.nl")
    _open_from_the_list(page, assignment)

    page.click('form[action*="/afwijzen/"] button[type=submit]')
    page.wait_for_load_state()
    assert page.locator(".form-errors[role=alert]").count() == 1
    assert page.locator("#id_reject-rejection_reason[aria-invalid=true]").count() == 1
    screenshot(page, "displacement-check-reject-without-reason")
    assignment.refresh_from_db()
    assert assignment.status == "requested"

    page.fill("textarea[name=reject-rejection_reason]", "De werkgever heeft een open vacature.")
    page.click('form[action*="/afwijzen/"] button[type=submit]')
    page.wait_for_load_state()

    assert REJECTED.search(_status(page))
    assert "De werkgever heeft een open vacature." in page.inner_text("main")
    assignment.refresh_from_db()
    assert assignment.status == "rejected"
