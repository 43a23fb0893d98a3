"""NVSI supervises its account in the browser: the treasurer signs in with the second factor,
opens Supervision from the menu, finds a client's payment among the bank lines by searching,
opens the line and sees the invoice it paid, then finds the import in the audit trail."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role

from .flows import path_of, screenshot, sign_in, submit_code, totp_code

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def treasurer(make_user):
    return make_user("treasurer@example.nl", role=Role.TREASURER, totp_secret=SECRET)


@pytest.fixture
def statement(municipalities):
    """An invoice to Bakkerij Korenschoof for a candidate of Groningen, paid from a camt.053
    statement by its payment reference; the statement also has a payment naming nothing."""
    from billing.services.payments import bank_statement_import
    from tests.billing.camt_builder import Credit, camt053
    from tests.placements.factories import general_framework
    from tests.supervision.conftest import invoice_for

    general_framework()
    invoice = invoice_for(town=municipalities["GM0014"], client_name="Bakkerij Korenschoof")
    bank_statement_import(
        data=camt053(
            Credit(
                invoice.total, "BANK-1", structured=invoice.payment_reference, name="Korenschoof"
            ),
            Credit("75.00", "BANK-2", description="Onbekend", name="Iemand Anders"),
        ),
        actor=None,
    )
    return invoice


def test_the_treasurer_finds_a_bank_line_and_an_audit_event(page, treasurer, statement):
    sign_in(page, "treasurer@example.nl")
    submit_code(page, totp_code(SECRET))
    page.click('.site-nav a[href="/toezicht/"]')
    page.wait_for_load_state()
    assert path_of(page) == "/toezicht/"
    screenshot(page, "supervision-overview")

    page.click('.sub-nav a[href="/toezicht/bankregels/"]')
    page.wait_for_load_state()
    expect(page.locator("#bank-line-results tbody tr")).to_have_count(2)
    page.fill("#id_q", "Korenschoof")
    page.click("form.filters button[type=submit]")
    rows = page.locator("#bank-line-results tbody tr")
    expect(rows).to_have_count(1)
    assert statement.number in rows.first.inner_text()
    screenshot(page, "supervision-bank-lines")

    rows.first.locator("th a").click()
    page.wait_for_load_state()
    assert path_of(page).startswith("/toezicht/bankregels/")
    main = page.inner_text("main")
    assert statement.number in main
    assert "Groningen" in main

    page.click('.sub-nav a[href="/toezicht/audittrail/"]')
    page.wait_for_load_state()
    page.select_option("#id_action", "bank_statement.import")
    page.click("form.filters button[type=submit]")
    events = page.locator("#audit-results tbody tr")
    expect(events).to_have_count(1)
    assert "bank_statement.import" in events.first.inner_text()
    screenshot(page, "supervision-audit-trail")
