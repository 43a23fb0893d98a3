"""The half-yearly settlement in the browser: the back office submits Groningen's 2026-H1
draft with the admin action; the treasurer signs in with the second factor, opens the
queue, finds the figures with their meanings, approves (after ticking the confirmation) and
sees the settlement approved with its statement; the coordinator of Groningen downloads the
statement and looks at the dashboard. A rejection needs a reason."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role

from .flows import path_of, screenshot, sign_in, sign_out, submit_code, totp_code

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BACK_OFFICE_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
APPROVED = re.compile(r"Goedgekeurd|Approved")
REJECTED = re.compile(r"Afgewezen|Rejected")


@pytest.fixture
def back_office(make_user):
    return make_user(
        "backoffice@example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        totp_secret=BACK_OFFICE_SECRET,
    )


@pytest.fixture
def treasurer(make_user):
    return make_user("treasurer@example.nl", role=Role.TREASURER, totp_secret=SECRET)


@pytest.fixture
def coordinator(make_user, municipalities):
    user = make_user("coordinator@example.nl", role=Role.COORDINATOR)
    municipalities["GM0014"].coordinators.add(user)
    return user


@pytest.fixture
def draft(municipalities, back_office):
    """Groningen's 2026-H1 draft: 8 + 4 hours at 16.50 and 10 hours at 20.00, invoiced on
    2 April 2026 (G 398.00, P 44.00)."""
    from settlements.models import Period
    from settlements.services import settlement_compute
    from tests.placements.factories import general_framework
    from tests.settlements.conftest import make_invoice

    general_framework()
    town = municipalities["GM0014"]
    make_invoice(municipality=town, actor=back_office, hours=("8.00", "4.00"), rate="16.50")
    make_invoice(municipality=town, actor=back_office, hours=("10.00",), rate="20.00")
    settlement, _ = settlement_compute(municipality=town, period=Period(2026, 1), actor=None)
    assert settlement.gross == Decimal("398.00")
    return settlement


@pytest.fixture
def submitted(draft, back_office):
    from settlements.services import settlement_submit

    return settlement_submit(settlement=draft, actor=back_office)


def _back_office_submits_in_the_admin(page, settlement) -> None:
    sign_in(page, "backoffice@example.nl")
    submit_code(page, totp_code(BACK_OFFICE_SECRET))
    page.goto("/admin/settlements/settlement/")
    page.check(f"input[name=_selected_action][value='{settlement.pk}']")
    page.select_option("select[name=action]", "submit_to_treasurer")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert page.locator(".messagelist .success").count() == 1
    screenshot(page, "settlement-admin-submitted")
    sign_out(page)


def _treasurer_opens_the_settlement(page, settlement) -> None:
    sign_in(page, "treasurer@example.nl")
    assert path_of(page).startswith("/accounts/2fa/authenticate/")
    submit_code(page, totp_code(SECRET))
    page.click('.site-nav a[href="/afrekeningen/"]')
    page.wait_for_load_state()
    assert path_of(page) == "/afrekeningen/"
    # The queue: the submitted settlement first, waiting for the treasurer.
    first_row = page.locator("#settlement-results tbody tr").first
    assert "Groningen" in first_row.inner_text()
    screenshot(page, "settlement-queue")
    first_row.locator(f'a[href="/afrekeningen/{settlement.pk}/"]').click()
    page.wait_for_load_state()
    assert path_of(page) == f"/afrekeningen/{settlement.pk}/"


def test_the_treasurer_approves_in_the_browser(page, back_office, treasurer, coordinator, draft):
    _back_office_submits_in_the_admin(page, draft)
    submitted = draft
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert submitted.submitted_by == back_office

    _treasurer_opens_the_settlement(page, submitted)
    main = page.inner_text("main")
    for amount in ("398,00", "44,00", "119,40", "3,98", "230,62", "115,42", "7,96"):
        assert amount in main
    assert page.locator("#invariant").count() == 1
    screenshot(page, "settlement-submitted")

    # Approving needs the confirmation.
    page.click('form[action$="/goedkeuren/"] button[type=submit]')
    page.wait_for_load_state()
    assert page.locator(".form-errors[role=alert]").count() == 1
    submitted.refresh_from_db()
    assert submitted.status == "submitted"

    page.check("input[name=approve-confirm]")
    page.click('form[action$="/goedkeuren/"] button[type=submit]')
    page.wait_for_load_state()

    assert path_of(page) == f"/afrekeningen/{submitted.pk}/"
    assert APPROVED.search(page.inner_text("#settlement-status"))
    assert page.locator('form[action$="/goedkeuren/"]').count() == 0
    screenshot(page, "settlement-approved")
    submitted.refresh_from_db()
    assert submitted.status == "approved"
    assert submitted.decided_by == treasurer

    # The contribution overview now shows it, totals included.
    page.click('.site-nav a[href="/contributie/"]')
    page.wait_for_load_state()
    page.select_option("#id_period", "2026-H1")
    page.click("form:has(#id_period) button[type=submit]")
    page.wait_for_load_state()
    assert "7,96" in page.inner_text("#contribution-totals")
    screenshot(page, "settlement-contribution")
    sign_out(page)

    # The coordinator of Groningen downloads the statement (rendered on approval).
    sign_in(page, "coordinator@example.nl")
    page.goto("/afrekeningen/")
    link = page.locator(f'a[href="/afrekeningen/{submitted.pk}/afrekening.pdf"]')
    assert link.count() == 1
    screenshot(page, "settlement-coordinator-list")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "afrekening-GM0014-2026-H1.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.goto("/dashboard/?year=2026")
    assert page.locator("figure.chart svg[role=img]").count() == 2
    assert "398,00" in page.inner_text("main")
    screenshot(page, "settlement-dashboard")


def test_a_rejection_needs_a_reason(page, treasurer, submitted):
    _treasurer_opens_the_settlement(page, submitted)

    page.click('form[action$="/afwijzen/"] button[type=submit]')
    page.wait_for_load_state()
    assert page.locator(".form-errors[role=alert]").count() == 1
    assert page.locator("#id_reject-reason[aria-invalid=true]").count() == 1
    submitted.refresh_from_db()
    assert submitted.status == "submitted"

    page.fill("textarea[name=reject-reason]", "De creditnota van mei ontbreekt.")
    page.click('form[action$="/afwijzen/"] button[type=submit]')
    page.wait_for_load_state()

    assert REJECTED.search(page.inner_text("#settlement-status"))
    assert "De creditnota van mei ontbreekt." in page.inner_text("main")
    screenshot(page, "settlement-rejected")
    submitted.refresh_from_db()
    assert submitted.status == "rejected"
    assert timezone.localdate(submitted.decided_at) <= timezone.localdate()

    # The drill-down to the invoice lines, with their invoice numbers.
    page.click(f'a[href="/afrekeningen/{submitted.pk}/factuurregels/"]')
    page.wait_for_load_state()
    numbers = page.locator("#line-results tbody th").all_inner_texts()
    assert len(numbers) == 2 and all(numbers)
    screenshot(page, "settlement-invoice-lines")
