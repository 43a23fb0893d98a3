"""Notification e-mails followed in the browser: the back office submits Groningen's 2026-H1
settlement; the treasurer's e-mail links to it, and following the link (signed out) leads
through the sign-in and the second factor to that settlement; the treasurer approves it there;
the coordinator of Groningen receives the approval with the statement attached, follows the
link and lands on the settlement page. The coordinator of Assen receives nothing."""

import re

import pytest
from django.core import mail

from accounts.roles import Role

from .flows import path_of, screenshot, sign_in, submit_code, totp_code

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _mail_to_the_live_server(settings, live_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    mail.outbox.clear()


@pytest.fixture
def people(make_user, municipalities):
    back_office = make_user("backoffice@example.nl", role=Role.BACK_OFFICE, is_staff=True)
    treasurer = make_user("treasurer@example.nl", role=Role.TREASURER, totp_secret=SECRET)
    coordinator = make_user("coordinator@example.nl", role=Role.COORDINATOR)
    municipalities["GM0014"].coordinators.add(coordinator)
    neighbour = make_user("coordinator@assen.example.nl", role=Role.COORDINATOR)
    municipalities["GM0106"].coordinators.add(neighbour)
    return {"back_office": back_office, "treasurer": treasurer, "coordinator": coordinator}


@pytest.fixture
def draft(municipalities, people):
    from settlements.models import Period
    from settlements.services import settlement_compute
    from tests.placements.factories import general_framework
    from tests.settlements.conftest import make_invoice

    general_framework()
    town = municipalities["GM0014"]
    make_invoice(municipality=town, actor=people["back_office"], hours=("8.00",), rate="16.50")
    settlement, _ = settlement_compute(municipality=town, period=Period(2026, 1), actor=None)
    return settlement


def _the_mail_to(address: str):
    messages = [m for m in mail.outbox if m.to == [address]]
    assert len(messages) == 1, [(m.to, m.subject) for m in mail.outbox]
    return messages[0]


def _link(message, live_server) -> str:
    (link,) = [url for url in re.findall(r"https?://\S+", message.body) if "/meldingen/" not in url]
    assert link.startswith(live_server.url)
    return link


def test_a_notification_mail_leads_its_recipient_to_the_work(page, live_server, people, draft):
    from settlements.services import settlement_submit

    settlement_submit(settlement=draft, actor=people["back_office"])  # commits: the mail goes

    message = _the_mail_to("treasurer@example.nl")
    assert message.subject == "[NVSI-portaal] Afrekening Groningen 2026-H1 wacht op uw goedkeuring"
    page.goto(_link(message, live_server))
    assert path_of(page).startswith("/accounts/login/")
    page.fill("input[name=login]", "treasurer@example.nl")
    page.fill("input[name=password]", "Browser-test-password-2026")
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    submit_code(page, totp_code(SECRET))
    assert path_of(page) == f"/afrekeningen/{draft.pk}/"
    screenshot(page, "notification-treasurer-landed")

    mail.outbox.clear()
    page.check("input[name=approve-confirm]")
    page.click('form[action$="/goedkeuren/"] button[type=submit]')
    page.wait_for_load_state()
    draft.refresh_from_db()
    assert draft.status == "approved"

    message = _the_mail_to("coordinator@example.nl")
    assert [m.to for m in mail.outbox] == [["coordinator@example.nl"]]  # not Assen's
    assert message.subject == "[NVSI-portaal] Afrekening Groningen 2026-H1 goedgekeurd"
    ((name, content, _mimetype),) = message.attachments
    assert name == "afrekening-GM0014-2026-H1.pdf" and content.startswith(b"%PDF")

    page.context.clear_cookies()
    page.goto(_link(message, live_server))
    assert path_of(page).startswith("/accounts/login/")
    page.fill("input[name=login]", "coordinator@example.nl")
    page.fill("input[name=password]", "Browser-test-password-2026")
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    assert path_of(page) == f"/afrekeningen/{draft.pk}/"
    assert "Groningen" in page.inner_text("main")
    assert page.locator(f'a[href="/afrekeningen/{draft.pk}/afrekening.pdf"]').count() >= 1
    screenshot(page, "notification-coordinator-landed")


def test_the_preferences_page_works_without_javascript(browser, live_server, people):
    context = browser.new_context(
        base_url=live_server.url, locale="nl-NL", java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, "coordinator@example.nl")
        page.click('a[href="/meldingen/"]')
        page.wait_for_load_state()
        page.check("input[name=delivery][value=digest]")
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
        assert path_of(page) == "/meldingen/"
        assert page.locator("input[name=delivery][value=digest]").is_checked()
        screenshot(page, "notification-preferences")
    finally:
        context.close()
