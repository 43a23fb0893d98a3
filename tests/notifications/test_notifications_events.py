"""Each event mails the people who must act on it, in Dutch, with a full link to the page;
never the actor themselves, never someone of another municipality, never a BSN or an IBAN."""

import datetime
import re

import pytest
from django.core import mail

from accounts.roles import Role
from notifications.models import Notification
from placements.models import Candidate
from placements.services import assignment_request
from premiums.services import payout_run_prepare
from settlements.services import settlement_approve, settlement_reject, settlement_submit
from tests.factories import UserFactory
from tests.notifications.conftest import BSN, IBAN

SITE = "https://portaal.example.nl"
JUNE = datetime.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _to(message) -> str:
    (address,) = message.to
    return address


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def test_an_assignment_request_mails_the_coordinators_of_the_candidates_municipality(
    coordinator, other_coordinator, request_values, events, back_office_user
):
    second = UserFactory(
        role=Role.COORDINATOR, municipalities=[coordinator.coordinated_municipalities.get()]
    )
    with events():
        assignment = assignment_request(actor=back_office_user, **request_values)

    assert sorted(_to(m) for m in mail.outbox) == sorted([coordinator.email, second.email])
    message = next(m for m in mail.outbox if _to(m) == coordinator.email)
    assert message.subject == "[NVSI-portaal] Opdracht aangevraagd voor Anna Aalders (Groningen)"
    assert (
        "Er is een opdracht bij Bakkerij De Korenschoof aangevraagd voor Anna Aalders"
        in message.body
    )
    assert "Van 02-03-2026 tot 29-05-2026, 20,00 uur per week." in message.body
    assert f"{SITE}/opdrachten/{assignment.pk}/" in _links(message.body)
    assert f"{SITE}/meldingen/" in _links(message.body)


def test_the_coordinator_who_requests_is_not_told_about_their_own_request(
    coordinator, request_values, events
):
    colleague = UserFactory(
        role=Role.COORDINATOR, municipalities=[request_values["candidate"].municipality]
    )
    with events():
        assignment_request(actor=coordinator, **request_values)

    assert [_to(m) for m in mail.outbox] == [colleague.email]


def test_a_prepared_payout_run_mails_the_coordinators_of_its_municipality_only(
    coordinator, other_coordinator, town, town_documents, back_office_user, events
):
    with events():
        run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)

    assert [_to(m) for m in mail.outbox] == [coordinator.email]
    (message,) = mail.outbox
    assert message.subject == (
        "[NVSI-portaal] Betaalmoment van 30-06-2026 voor Groningen wacht op uw goedkeuring"
    )
    assert "€ 44,00" in message.body  # 12 + 10 hours at 2.00, in Dutch format
    assert f"{SITE}/premies/betaalmomenten/{run.pk}/" in _links(message.body)


def test_a_submitted_settlement_mails_every_treasurer_but_not_the_back_office(
    draft, back_office_user, treasurer_user, other_treasurer_user, coordinator, events
):
    with events():
        settlement_submit(settlement=draft, actor=back_office_user)

    assert sorted(_to(m) for m in mail.outbox) == sorted(
        [treasurer_user.email, other_treasurer_user.email]
    )
    message = mail.outbox[0]
    assert message.subject == "[NVSI-portaal] Afrekening Groningen 2026-H1 wacht op uw goedkeuring"
    assert f"{SITE}/afrekeningen/{draft.pk}/" in _links(message.body)


def test_a_rejected_settlement_mails_the_back_office_with_the_reason(
    draft, back_office_user, other_back_office_user, treasurer_user, coordinator, events
):
    submitted = settlement_submit(settlement=draft, actor=back_office_user)
    with events():
        settlement_reject(
            settlement=submitted, actor=treasurer_user, reason="De creditnota van maart ontbreekt."
        )

    assert sorted(_to(m) for m in mail.outbox) == sorted(
        [back_office_user.email, other_back_office_user.email]
    )
    message = mail.outbox[0]
    assert message.subject == "[NVSI-portaal] Afrekening Groningen 2026-H1 afgewezen"
    assert "De creditnota van maart ontbreekt." in message.body
    assert f"{SITE}/admin/settlements/settlement/{draft.pk}/change/" in _links(message.body)


def test_an_approved_settlement_mails_its_municipalitys_coordinators_with_the_statement(
    draft, back_office_user, treasurer_user, coordinator, other_coordinator, events
):
    submitted = settlement_submit(settlement=draft, actor=back_office_user)
    with events():
        settlement_approve(settlement=submitted, actor=treasurer_user)

    assert [_to(m) for m in mail.outbox] == [coordinator.email]
    (message,) = mail.outbox
    assert message.subject == "[NVSI-portaal] Afrekening Groningen 2026-H1 goedgekeurd"
    assert f"{SITE}/afrekeningen/{draft.pk}/" in _links(message.body)
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("afrekening-GM0014-2026-H1.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert "Het afrekeningsoverzicht (pdf) zit in de bijlage" in message.body


def test_a_settlement_submitted_again_after_a_rejection_is_a_new_request(
    draft, back_office_user, treasurer_user, other_treasurer_user, events
):
    from settlements.models import Period
    from settlements.services import settlement_compute

    with events():
        settlement_submit(settlement=draft, actor=back_office_user)
    settlement_reject(settlement=draft, actor=treasurer_user, reason="Onvolledig.")
    settlement, _computed = settlement_compute(
        municipality=draft.municipality, period=Period(2026, 1), actor=None
    )
    mail.outbox.clear()
    with events():
        settlement_submit(settlement=settlement, actor=back_office_user)

    assert sorted(_to(m) for m in mail.outbox) == sorted(
        [treasurer_user.email, other_treasurer_user.email]
    )
    assert Notification.objects.filter(kind=Notification.Kind.SETTLEMENT_SUBMITTED).count() == 4


def test_no_mail_names_a_bsn_or_an_iban(
    request_values, coordinator, town, town_documents, back_office_user, treasurer_user, events
):
    from settlements.models import Period
    from settlements.services import settlement_compute

    settlement, _computed = settlement_compute(municipality=town, period=Period(2026, 1))
    with events():
        assignment_request(actor=back_office_user, **request_values)
        payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
        settlement_submit(settlement=settlement, actor=back_office_user)
    with events():
        settlement_reject(settlement=settlement, actor=treasurer_user, reason="Graag opnieuw.")
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {
        Notification.Kind.ASSIGNMENT_REQUESTED,
        Notification.Kind.PAYOUT_RUN_PREPARED,
        Notification.Kind.SETTLEMENT_SUBMITTED,
        Notification.Kind.SETTLEMENT_REJECTED,
    }
    ibans = {IBAN, town.settlement_iban} | set(
        Candidate.objects.filter(municipality=town).values_list("iban", flat=True)
    )
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        text = message.subject + message.body
        assert BSN not in text and BSN[-4:] not in text
        for iban in ibans:
            assert iban not in text.replace(" ", "")
        assert request_values["candidate"].client_number not in text
