"""The decision on the general framework in the browser: a board member (not the proposer)
opens the vote on the operator-advised proposal for a new minimum rate; the representatives
of Groningen and Assen vote; after the vote's last day the board closes it, and the register
shows the decision with the new framework version, in force from its date."""

import datetime
from decimal import Decimal

import pytest

from accounts.roles import Role
from tests.clock import clock_at

from .flows import path_of, screenshot, sign_in, sign_out, submit_code, totp_code

pytestmark = pytest.mark.browser

PROPOSER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
OPENER_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
DURING_VOTE = "2026-12-01T10:00Z"
AFTER_VOTE = "2026-12-16T10:00Z"


@pytest.fixture
def proposal(make_user, municipalities):
    from governance.models import Proposal
    from governance.services import advice_save, proposal_create, proposal_request_advice
    from members.models import Membership
    from tests.factories import FrameworkFactory

    FrameworkFactory(valid_from=datetime.date(2026, 1, 1))
    for code in ("GM0014", "GM0106"):
        Membership.objects.create(
            municipality=municipalities[code],
            status=Membership.Status.ACTIVE,
            start_date=datetime.date(2025, 1, 1),
        )
        rep = make_user(f"wethouder.{code.lower()}@example.nl", role=Role.REPRESENTATIVE)
        municipalities[code].representatives.add(rep)
    proposer = make_user("bestuur@example.nl", role=Role.NVSI_BOARD, totp_secret=PROPOSER_SECRET)
    make_user("secretaris@example.nl", role=Role.NVSI_BOARD, totp_secret=OPENER_SECRET)
    operator = make_user("backoffice@example.nl", role=Role.BACK_OFFICE, is_staff=True)
    proposal = proposal_create(
        proposal=Proposal(
            title="Minimumtarief 2027",
            reasoning="Het wettelijk minimumuurloon stijgt.",
            effective_date=datetime.date(2027, 1, 1),
            client_hourly_rate_min=Decimal("15.02"),
        ),
        actor=proposer,
        today=datetime.date(2026, 11, 20),
    )
    proposal_request_advice(proposal=proposal, actor=proposer)
    advice_save(proposal=proposal, actor=operator, position="for", text="Uitvoerbaar.")
    return proposal


def _board_opens_the_proposal(page, proposal, email: str, secret: str) -> None:
    sign_in(page, email)
    assert path_of(page).startswith("/accounts/2fa/authenticate/")
    submit_code(page, totp_code(secret))
    page.click('.site-nav a[href="/besluiten/"]')
    page.wait_for_load_state()
    page.click(f'a[href="/besluiten/voorstellen/{proposal.pk}/"]')
    page.wait_for_load_state()


def _representative_votes(page, proposal, code: str, choice: str) -> None:
    sign_in(page, f"wethouder.{code.lower()}@example.nl")
    page.click('.site-nav a[href="/besluiten/"]')
    page.wait_for_load_state()
    page.click(f'a[href="/besluiten/voorstellen/{proposal.pk}/"]')
    page.wait_for_load_state()
    page.click(f'a[href="/besluiten/voorstellen/{proposal.pk}/stemmen/{code}/"]')
    page.wait_for_load_state()
    page.check(f"input[name=choice][value={choice}]")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert path_of(page) == f"/besluiten/voorstellen/{proposal.pk}/"
    sign_out(page)


def test_board_opens_representatives_vote_board_closes(page, proposal):
    from governance.models import Ballot, Decision

    with clock_at(DURING_VOTE):
        # The secretary opens the vote: the proposer may not (four eyes).
        _board_opens_the_proposal(page, proposal, "secretaris@example.nl", OPENER_SECRET)
        page.fill("input[name=ends_on]", "2026-12-15")
        page.click('form[action$="/stemming-openen/"] button[type=submit]')
        page.wait_for_load_state()
        proposal.refresh_from_db()
        assert proposal.status == "voting"
        screenshot(page, "governance-vote-open")
        sign_out(page)

        _representative_votes(page, proposal, "GM0014", "for")
        _representative_votes(page, proposal, "GM0106", "for")
        assert Ballot.objects.filter(proposal=proposal, choice="for").count() == 2

    with clock_at(AFTER_VOTE):
        _board_opens_the_proposal(page, proposal, "bestuur@example.nl", PROPOSER_SECRET)
        page.click('form[action$="/sluiten/"] button[type=submit]')
        page.wait_for_load_state()
        decision = Decision.objects.get(proposal=proposal)
        assert decision.outcome == "adopted"
        assert decision.reference in page.inner_text("main")
        screenshot(page, "governance-decided")

        page.click('.site-nav a[href="/besluiten/"]')
        page.wait_for_load_state()
        register = page.inner_text("main")
        assert decision.reference in register
        assert "15,02" in register  # the upcoming change of 1 January 2027
        assert "01-01-2027" in register  # the framework version, in force from its date
        page.click('a[href="/besluiten/kaders/"]')
        page.wait_for_load_state()
        assert page.locator(f'a[href="/besluiten/voorstellen/{proposal.pk}/"]').count() == 1
        screenshot(page, "governance-framework-history")
    assert decision.framework.valid_from == datetime.date(2027, 1, 1)
