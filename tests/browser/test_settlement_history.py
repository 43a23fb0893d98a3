"""A settlement that went back and forth, in the browser: the treasurer opens Groningen's
2026-H1 settlement, rejected once and submitted again after a credit note, and finds the
rejection and what changed at the top; the page fits a 390 px phone without scrolling
sideways (the figures stack) and a 1280 px screen; the concept statement downloads; NVSI's
figures fit both widths too."""

import datetime

import pytest

from accounts.roles import Role

from .flows import screenshot, sign_in, submit_code, totp_code

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
REASON = "De uren van mei zijn dubbel gefactureerd."
WIDTHS = (390, 1280)


@pytest.fixture
def resubmitted(make_user, municipalities):
    """Submitted, rejected with REASON, the 10 hours at 20.00 credited on 1 June 2026,
    recomputed (G 398.00 -> 198.00) and submitted again."""
    from settlements.models import Period
    from settlements.services import settlement_compute, settlement_reject, settlement_submit
    from tests.placements.factories import general_framework
    from tests.settlements.conftest import make_credit_note, make_invoice

    back_office = make_user("backoffice@example.nl", role=Role.BACK_OFFICE, is_staff=True)
    treasurer = make_user("treasurer@example.nl", role=Role.TREASURER, totp_secret=SECRET)
    general_framework()
    town, period = municipalities["GM0014"], Period(2026, 1)
    make_invoice(municipality=town, actor=back_office, hours=("8.00", "4.00"), rate="16.50")
    second = make_invoice(municipality=town, actor=back_office, hours=("10.00",), rate="20.00")
    settlement, _ = settlement_compute(municipality=town, period=period, actor=None)
    settlement_submit(settlement=settlement, actor=back_office)
    settlement_reject(settlement=settlement, actor=treasurer, reason=REASON)
    make_credit_note(second, actor=back_office, credit_date=datetime.date(2026, 6, 1))
    settlement, _ = settlement_compute(municipality=town, period=period, actor=None)
    return settlement_submit(settlement=settlement, actor=back_office)


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_history_reads_on_a_phone_and_a_screen(page, resubmitted):
    sign_in(page, "treasurer@example.nl")
    submit_code(page, totp_code(SECRET))
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/afrekeningen/{resubmitted.pk}/")
        history = page.locator("section.settlement-history")
        assert REASON in history.inner_text()
        assert "Indiening 2" in history.inner_text()
        assert "200,00" in history.inner_text()  # G went down by the credit note
        assert _fits(page), f"the settlement page scrolls sideways at {width} px"
        screenshot(page, f"settlement-history-{width}")

        page.goto("/toezicht/cijfers/")
        assert page.locator("figure.chart svg[role=img]").count() == 3
        assert _fits(page), f"NVSI's figures scroll sideways at {width} px"
        screenshot(page, f"nvsi-figures-{width}")

    page.goto(f"/afrekeningen/{resubmitted.pk}/")
    with page.expect_download() as download_info:
        page.click(f'a[href="/afrekeningen/{resubmitted.pk}/concept.pdf"]')
    download = download_info.value
    assert download.suggested_filename == "concept-afrekening-GM0014-2026-H1.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
