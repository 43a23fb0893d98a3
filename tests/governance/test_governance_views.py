"""The governance pages per role: who reads the register, who drafts, advises, opens, votes
and closes; a representative never reaches another municipality's vote (404)."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts.roles import Role
from governance.models import Ballot, Decision, Proposal
from governance.services import proposal_close
from tests.clock import clock_at
from tests.factories import UserFactory

from .conftest import AFTER_VOTE, client_for

pytestmark = pytest.mark.django_db

ON_TODAY = "2026-12-01T10:00Z"
ON_AFTER_VOTE = "2026-12-16T10:00Z"


def _pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


class _SignInOnUse(dict):
    """A signed-in client per role, signed in when taken (so inside a frozen clock, whose
    session must not look expired)."""

    def __getitem__(self, name):
        return client_for(super().__getitem__(name))

    def items(self):
        return [(name, self[name]) for name in self]


@pytest.fixture
def reader_clients(board, coordinator, treasurer_with_mfa, back_office_with_mfa, representatives):
    return _SignInOnUse(
        board=board,
        coordinator=coordinator,
        treasurer=treasurer_with_mfa,
        back_office=back_office_with_mfa,
        representative=representatives["GM0014"],
    )


def test_every_member_role_reads_the_register_and_others_get_404(reader_clients, db):
    for name, client in reader_clients.items():
        assert client.get("/besluiten/").status_code == 200, name
        assert client.get("/besluiten/kaders/").status_code == 200, name
    nobody = client_for(UserFactory(email="geen.rol@example.nl"))
    assert nobody.get("/besluiten/").status_code == 404


def test_anonymous_is_sent_to_sign_in(anonymous_client):
    response = anonymous_client.get("/besluiten/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_menu_links_the_register(reader_clients):
    for name, client in reader_clients.items():
        assert 'href="/besluiten/"' in client.get("/besluiten/kaders/").content.decode(), name


def test_a_draft_is_the_boards_until_advice_is_requested(make_proposal, reader_clients):
    proposal = make_proposal()
    url = f"/besluiten/voorstellen/{proposal.pk}/"
    assert reader_clients["board"].get(url).status_code == 200
    for name in ("coordinator", "treasurer", "back_office", "representative"):
        assert reader_clients[name].get(url).status_code == 404, name


def test_only_the_board_drafts_a_proposal(reader_clients, general):
    for name in ("coordinator", "treasurer", "back_office", "representative"):
        assert reader_clients[name].get("/besluiten/voorstellen/nieuw/").status_code == 404, name
    with clock_at(ON_TODAY):
        response = reader_clients["board"].post(
            "/besluiten/voorstellen/nieuw/",
            {
                "title": "Minimumtarief 2027",
                "reasoning": "Indexatie.",
                "effective_date": "2027-01-01",
                "client_hourly_rate_min": "15,02",
            },
        )
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert proposal.client_hourly_rate_min == Decimal("15.02")
    assert proposal.premium_per_hour is None


def test_the_board_form_shows_the_services_errors(reader_clients, general):
    with clock_at(ON_TODAY):
        response = reader_clients["board"].post(
            "/besluiten/voorstellen/nieuw/",
            {
                "title": "Vergoeding",
                "reasoning": "-",
                "effective_date": "2027-02-01",
                "operator_fee_percentage": "28",
            },
        )
    assert response.status_code == 200
    assert not Proposal.objects.exists()
    assert response.context["form"].errors["effective_date"]


def test_the_back_office_advises_with_a_conflict_notice_on_its_own_fee(
    advised, make_proposal, board, reader_clients
):
    from governance.services import proposal_request_advice

    fee = make_proposal(
        effective_date=datetime.date(2027, 7, 1),
        operator_fee_percentage=Decimal("28.00"),
    )
    proposal_request_advice(proposal=fee, actor=board)
    url = f"/besluiten/voorstellen/{fee.pk}/advies/"
    for name in ("board", "coordinator", "treasurer", "representative"):
        assert reader_clients[name].get(url).status_code == 404, name
    response = reader_clients["back_office"].post(url, {"position": "against", "text": "Te laag."})
    assert response.status_code == 302
    page = reader_clients["coordinator"].get(f"/besluiten/voorstellen/{fee.pk}/").content.decode()
    assert "conflict-notice" in page and "Te laag." in page

    premium = advised(premium_per_hour=Decimal("2.10"))
    page = reader_clients["coordinator"].get(f"/besluiten/voorstellen/{premium.pk}/").content
    assert b"conflict-notice" not in page


def test_before_the_vote_opens_the_page_counts_no_votes(advised, reader_clients):
    """An advised proposal has no electors yet: no "0 of 0 have voted" until the vote opens."""
    proposal = advised()
    page = reader_clients["coordinator"].get(f"/besluiten/voorstellen/{proposal.pk}/")
    assert 'id="tally-title"' not in page.content.decode()


def test_the_board_opens_the_vote_and_representatives_vote_for_their_own(
    advised, other_board, members, representatives, reader_clients
):
    proposal = advised()
    opener = client_for(other_board)
    with clock_at(ON_TODAY):
        response = opener.post(
            f"/besluiten/voorstellen/{proposal.pk}/stemming-openen/", {"ends_on": "2026-12-15"}
        )
        assert response.status_code == 302
        proposal.refresh_from_db()
        assert proposal.status == Proposal.Status.VOTING

        groningen = reader_clients["representative"]
        page = groningen.get(f"/besluiten/voorstellen/{proposal.pk}/").content.decode()
        assert f"/besluiten/voorstellen/{proposal.pk}/stemmen/GM0014/" in page
        response = groningen.post(
            f"/besluiten/voorstellen/{proposal.pk}/stemmen/GM0014/", {"choice": "for"}
        )
        assert response.status_code == 302
        assert Ballot.objects.get(proposal=proposal).choice == "for"

        # Groningen's representative cannot vote for Assen, nor the board, nor a coordinator.
        assert (
            groningen.get(f"/besluiten/voorstellen/{proposal.pk}/stemmen/GM0106/").status_code
            == 404
        )
        assert (
            groningen.post(
                f"/besluiten/voorstellen/{proposal.pk}/stemmen/GM0106/", {"choice": "against"}
            ).status_code
            == 404
        )
        for name in ("board", "coordinator", "treasurer", "back_office"):
            url = f"/besluiten/voorstellen/{proposal.pk}/stemmen/GM0014/"
            assert reader_clients[name].post(url, {"choice": "against"}).status_code == 404, name
        # Heerenveen's membership ended: its representative has nothing to vote for.
        heerenveen = client_for(representatives["GM0074"])
        assert (
            heerenveen.get(f"/besluiten/voorstellen/{proposal.pk}/stemmen/GM0074/").status_code
            == 404
        )
    assert Ballot.objects.count() == 1


def test_board_steps_are_refused_to_other_roles(voting, reader_clients):
    proposal = voting()
    with clock_at(ON_AFTER_VOTE):
        for name in ("coordinator", "treasurer", "back_office", "representative"):
            for step in ("sluiten", "intrekken", "advies-vragen"):
                url = f"/besluiten/voorstellen/{proposal.pk}/{step}/"
                assert reader_clients[name].post(url).status_code == 404, (name, step)
        assert not Decision.objects.exists()
        response = reader_clients["board"].post(f"/besluiten/voorstellen/{proposal.pk}/sluiten/")
    assert response.status_code == 302
    assert Decision.objects.get().proposal == proposal


def test_the_register_shows_votes_outcome_version_and_the_pdf(voting, vote, board, reader_clients):
    proposal = voting(client_hourly_rate_min=Decimal("15.02"))
    vote(proposal, "GM0014", "for")
    vote(proposal, "GM0106", "against")
    vote(proposal, "GM0114", "for")
    decision = proposal_close(proposal=proposal, actor=board, today=AFTER_VOTE)
    with clock_at(ON_AFTER_VOTE):
        client = reader_clients["coordinator"]
        register = client.get("/besluiten/").content.decode()
        detail = client.get(f"/besluiten/voorstellen/{proposal.pk}/").content.decode()
        history = client.get("/besluiten/kaders/").content.decode()
    assert decision.reference in register
    assert "2 / 1 / 0 / 1" in register
    assert "15,02" in register  # the upcoming change
    assert "Emmen" in detail and decision.reference in history

    response = client.get(f"/besluiten/voorstellen/{proposal.pk}/besluit.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert decision.reference in text and "Midden-Groningen" in text and "15,02" in text


def test_members_ask_for_a_change_and_the_board_declines_with_reasons(reader_clients, members, db):
    groningen = reader_clients["representative"]
    response = groningen.post(
        "/besluiten/verzoeken/",
        {"municipality": "GM0014", "subject": "Premie omhoog", "motivation": "Motiverend."},
    )
    assert response.status_code == 302
    from governance.models import MemberRequest

    request = MemberRequest.objects.get()
    url = f"/besluiten/verzoeken/{request.pk}/"
    assert reader_clients["coordinator"].get(url).status_code == 200  # Groningen's coordinator
    other = client_for(
        UserFactory(
            email="x@assen.example.nl", role=Role.COORDINATOR, municipalities=[members["GM0106"]]
        )
    )
    assert other.get(url).status_code == 404
    assert groningen.post(url, {"reason": "Nee."}).status_code == 404
    response = reader_clients["board"].post(url, {"reason": "Past niet in de begroting."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == MemberRequest.Status.DECLINED


def test_the_admin_shows_the_record_read_only(voting, superuser_client):
    proposal = voting()
    assert (
        superuser_client.get(f"/admin/governance/proposal/{proposal.pk}/change/").status_code == 200
    )
    assert superuser_client.get("/admin/governance/proposal/add/").status_code == 403
    response = superuser_client.post(
        f"/admin/governance/proposal/{proposal.pk}/change/", {"title": "Anders"}
    )
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.title == "Minimumtarief"


def test_a_fee_proposal_warns_when_the_execution_contract_sets_its_own_fee(
    make_proposal, reader_clients
):
    from tests.factories import ContractFactory

    fee = make_proposal(
        effective_date=datetime.date(2027, 7, 1), operator_fee_percentage=Decimal("28.00")
    )
    url = f"/besluiten/voorstellen/{fee.pk}/"
    assert b"fee-contract" not in reader_clients["board"].get(url).content
    ContractFactory(execution=True, reference="UC-2025", start_date=datetime.date(2025, 1, 1))
    assert b"fee-contract" in reader_clients["board"].get(url).content
