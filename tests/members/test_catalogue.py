"""NVSI's product catalogue: every member user reads it and its documents; a coordinator or
representative asks to use an instrument for their municipality (one open request per
municipality and instrument); the NVSI board approves or declines with a reason; the
requester sees the status. The back office only reads the catalogue in the admin."""

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory

from core.models import AuditEvent
from members.models import Instrument, InstrumentDocument, InstrumentRequest
from members.services_catalogue import (
    instrument_document_save,
    instrument_request_decide,
    instrument_request_submit,
    instrument_save,
)
from tests.factories import UserFactory
from tests.members.factories import (
    PDF,
    InstrumentDocumentFactory,
    InstrumentFactory,
    InstrumentRequestFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def flextensie(db):
    return InstrumentFactory(name="Flextensie")


@pytest.fixture
def no_role_client(db):
    client = Client()
    client.force_login(UserFactory(email="nobody@example.nl"))
    return client


def _submit(instrument, municipality, actor, motivation="Wij willen meedoen."):
    return instrument_request_submit(
        instrument=instrument, municipality=municipality, actor=actor, motivation=motivation
    )


# --- Reading the catalogue --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator_client", 200),
        ("representative_client", 200),
        ("board_client", 200),
        ("treasurer_client", 200),
        ("back_office_client", 200),
        ("no_role_client", 404),
    ],
)
def test_every_member_user_reads_the_catalogue_and_its_documents(
    request, flextensie, actor, status
):
    document = InstrumentDocumentFactory(instrument=flextensie)
    client = request.getfixturevalue(actor)
    assert client.get("/productenboek/").status_code == status
    assert client.get(f"/productenboek/{flextensie.pk}/").status_code == status
    response = client.get(f"/productenboek/{flextensie.pk}/documenten/{document.pk}/")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF


def test_signed_out_is_sent_to_sign_in(flextensie, anonymous_client):
    response = anonymous_client.get("/productenboek/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_document_under_another_instrument_is_404(flextensie, coordinator_client):
    other = InstrumentFactory(name="Werkfit")
    document = InstrumentDocumentFactory(instrument=other)
    path = f"/productenboek/{flextensie.pk}/documenten/{document.pk}/"
    assert coordinator_client.get(path).status_code == 404


def test_the_catalogue_shows_status_and_conditions(flextensie, coordinator_client):
    InstrumentFactory(name="Werkfit", status=Instrument.Status.IN_PREPARATION)
    html = coordinator_client.get("/productenboek/").content.decode()
    assert "Flextensie" in html and "Werkfit" in html
    assert "In voorbereiding" in html
    detail = coordinator_client.get(f"/productenboek/{flextensie.pk}/").content.decode()
    assert "Lid van NVSI." in detail


# --- Documents and the admin ------------------------------------------------------------------


def test_a_document_must_be_a_pdf(flextensie, board):
    document = InstrumentDocument(
        instrument=flextensie,
        title="Folder",
        file=SimpleUploadedFile("folder.pdf", b"<html>not a pdf</html>"),
    )
    with pytest.raises(ValidationError):
        instrument_document_save(document=document, actor=board)
    assert not InstrumentDocument.objects.exists()


def test_the_board_adds_a_document_audited(flextensie, board):
    document = InstrumentDocument(
        instrument=flextensie, title="Voorwaarden", file=SimpleUploadedFile("v.pdf", PDF)
    )
    instrument_document_save(document=document, actor=board)
    assert AuditEvent.objects.filter(action="instrument_document.create", actor=board).exists()


def test_only_the_board_changes_the_catalogue(flextensie, back_office_with_mfa, coordinator):
    flextensie.description = "Anders"
    for actor in (back_office_with_mfa, coordinator):
        with pytest.raises(PermissionDenied):
            instrument_save(instrument=flextensie, actor=actor)


def test_the_back_office_only_views_the_catalogue_in_the_admin(flextensie, back_office_with_mfa):
    admin = site._registry[Instrument]
    request = RequestFactory().get("/admin/")
    request.user = back_office_with_mfa
    assert admin.has_view_permission(request, flextensie)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, flextensie)
    assert not admin.has_delete_permission(request, flextensie)


def test_the_back_office_cannot_post_a_change_in_the_admin(flextensie, back_office_client):
    response = back_office_client.post(
        f"/admin/members/instrument/{flextensie.pk}/change/",
        {"name": "Gewijzigd", "description": "x", "status": "available"},
    )
    flextensie.refresh_from_db()
    assert flextensie.name == "Flextensie"
    assert response.status_code in (200, 403)


# --- Asking to use an instrument --------------------------------------------------------------


def test_a_representative_asks_for_its_municipality(flextensie, municipality, representative):
    asked = _submit(flextensie, municipality, representative)
    assert asked.status == InstrumentRequest.Status.PENDING
    assert asked.requested_by == representative
    assert AuditEvent.objects.filter(
        action="instrument_request.submit", object_id=str(asked.pk)
    ).exists()


def test_one_open_request_per_municipality_and_instrument(
    flextensie, municipality, coordinator, representative
):
    _submit(flextensie, municipality, coordinator)
    with pytest.raises(ValidationError):
        _submit(flextensie, municipality, representative)
    assert InstrumentRequest.objects.count() == 1


def test_the_database_refuses_a_second_open_request(flextensie, municipality, coordinator):
    InstrumentRequestFactory(instrument=flextensie, municipality=municipality)
    with pytest.raises(IntegrityError), transaction.atomic():
        InstrumentRequestFactory(instrument=flextensie, municipality=municipality)


def test_after_a_decision_the_municipality_may_ask_again(
    flextensie, municipality, coordinator, board
):
    first = _submit(flextensie, municipality, coordinator)
    instrument_request_decide(request=first, actor=board, approve=False, reason="Nog niet.")
    second = _submit(flextensie, municipality, coordinator)
    assert second.status == InstrumentRequest.Status.PENDING


def test_another_instrument_or_municipality_is_a_request_of_its_own(
    flextensie, municipality, other_municipality, coordinator
):
    other_municipality.coordinators.add(coordinator)
    _submit(flextensie, municipality, coordinator)
    _submit(flextensie, other_municipality, coordinator)
    _submit(InstrumentFactory(name="Werkfit"), municipality, coordinator)
    assert InstrumentRequest.objects.count() == 3


def test_an_instrument_in_preparation_cannot_be_requested(municipality, coordinator):
    preparing = InstrumentFactory(name="Werkfit", status=Instrument.Status.IN_PREPARATION)
    with pytest.raises(ValidationError):
        _submit(preparing, municipality, coordinator)


def test_only_for_ones_own_municipality(
    flextensie, municipality, other_coordinator, board, back_office_with_mfa
):
    for actor in (other_coordinator, board, back_office_with_mfa):
        with pytest.raises(PermissionDenied):
            _submit(flextensie, municipality, actor)


def test_a_motivation_is_required(flextensie, municipality, coordinator):
    with pytest.raises(ValidationError):
        _submit(flextensie, municipality, coordinator, motivation="  ")


def test_ask_through_the_page(flextensie, municipality, representative_client):
    response = representative_client.post(
        f"/productenboek/{flextensie.pk}/",
        {"municipality": "GM0014", "motivation": "Veel kandidaten."},
    )
    assert response.status_code == 302
    asked = InstrumentRequest.objects.get()
    assert asked.municipality == municipality and asked.motivation == "Veel kandidaten."


def test_the_page_offers_only_ones_own_municipalities(
    flextensie, other_municipality, coordinator_client
):
    response = coordinator_client.post(
        f"/productenboek/{flextensie.pk}/",
        {"municipality": "GM0106", "motivation": "Veel kandidaten."},
    )
    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    assert not InstrumentRequest.objects.exists()


def test_a_second_open_request_on_the_page_shows_why(
    flextensie, municipality, coordinator, coordinator_client
):
    _submit(flextensie, municipality, coordinator)
    response = coordinator_client.post(
        f"/productenboek/{flextensie.pk}/",
        {"municipality": "GM0014", "motivation": "Nogmaals."},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert InstrumentRequest.objects.count() == 1


@pytest.mark.parametrize("actor", ["board_client", "treasurer_client", "back_office_client"])
def test_who_does_not_act_for_a_municipality_gets_no_request_form(request, flextensie, actor):
    client = request.getfixturevalue(actor)
    assert client.get(f"/productenboek/{flextensie.pk}/").context["form"] is None
    response = client.post(
        f"/productenboek/{flextensie.pk}/", {"municipality": "GM0014", "motivation": "x"}
    )
    assert response.status_code == 404
    assert not InstrumentRequest.objects.exists()


# --- The board decides; the requester sees the status -----------------------------------------


def test_the_board_approves_in_the_browser(flextensie, municipality, coordinator, board_client):
    asked = _submit(flextensie, municipality, coordinator)
    response = board_client.post(
        f"/productenboek/aanvragen/{asked.pk}/", {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == InstrumentRequest.Status.APPROVED
    assert asked.decided_by.email == "board@nvsi.example.nl"
    assert AuditEvent.objects.filter(
        action="instrument_request.approve", object_id=str(asked.pk)
    ).exists()


def test_declining_needs_a_reason(flextensie, municipality, coordinator, board, board_client):
    asked = _submit(flextensie, municipality, coordinator)
    response = board_client.post(
        f"/productenboek/aanvragen/{asked.pk}/", {"decision": "decline", "reason": " "}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    with pytest.raises(ValidationError):
        instrument_request_decide(request=asked, actor=board, approve=False, reason="")
    asked.refresh_from_db()
    assert asked.status == InstrumentRequest.Status.PENDING


def test_a_decided_request_is_not_decided_again(flextensie, municipality, coordinator, board):
    asked = _submit(flextensie, municipality, coordinator)
    instrument_request_decide(request=asked, actor=board, approve=True)
    with pytest.raises(ValidationError):
        instrument_request_decide(request=asked, actor=board, approve=False, reason="Toch niet.")


def test_only_the_board_decides(flextensie, municipality, coordinator, coordinator_client):
    asked = _submit(flextensie, municipality, coordinator)
    with pytest.raises(PermissionDenied):
        instrument_request_decide(request=asked, actor=coordinator, approve=True)
    response = coordinator_client.post(
        f"/productenboek/aanvragen/{asked.pk}/", {"decision": "approve"}
    )
    assert response.status_code == 404
    asked.refresh_from_db()
    assert asked.status == InstrumentRequest.Status.PENDING


def test_the_requester_sees_the_status_and_reason(
    flextensie, municipality, coordinator, board, representative_client
):
    asked = _submit(flextensie, municipality, coordinator)
    listing = representative_client.get("/productenboek/aanvragen/")
    assert [r.pk for r in listing.context["open"]] == [asked.pk]
    instrument_request_decide(
        request=asked, actor=board, approve=False, reason="Eerst het lidmaatschap regelen."
    )
    listing = representative_client.get("/productenboek/aanvragen/")
    assert [r.pk for r in listing.context["decided"]] == [asked.pk]
    html = representative_client.get(f"/productenboek/aanvragen/{asked.pk}/").content.decode()
    assert "Afgewezen" in html
    assert "Eerst het lidmaatschap regelen." in html


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator_client", 200),
        ("representative_client", 200),
        ("board_client", 200),
        ("other_coordinator_client", 404),
        ("treasurer_client", 404),
        ("back_office_client", 404),
        ("no_role_client", 404),
    ],
)
def test_who_sees_a_request(request, flextensie, municipality, coordinator, actor, status):
    asked = _submit(flextensie, municipality, coordinator)
    client = request.getfixturevalue(actor)
    assert client.get(f"/productenboek/aanvragen/{asked.pk}/").status_code == status


def test_the_board_lists_every_request_and_others_only_their_own(
    flextensie,
    municipality,
    other_municipality,
    coordinator,
    other_coordinator,
    board_client,
    other_coordinator_client,
):
    mine = _submit(flextensie, municipality, coordinator)
    theirs = _submit(flextensie, other_municipality, other_coordinator)
    board_open = board_client.get("/productenboek/aanvragen/").context["open"]
    assert {r.pk for r in board_open} == {mine.pk, theirs.pk}
    other_open = other_coordinator_client.get("/productenboek/aanvragen/").context["open"]
    assert [r.pk for r in other_open] == [theirs.pk]


# --- Demo -------------------------------------------------------------------------------------


def test_the_demo_catalogue_is_seeded_once(municipality):
    from demo.catalogue import seed_catalogue

    UserFactory(email="coordinator@demo.nvsi.nl")
    first = seed_catalogue(municipalities={"GM0014": municipality})
    second = seed_catalogue(municipalities={"GM0014": municipality})
    assert first == second == {"instruments": 3, "open requests": 1}
    assert Instrument.objects.filter(status=Instrument.Status.IN_PREPARATION).count() == 1
    document = InstrumentDocument.objects.get()
    assert document.file.open("rb").read(5) == b"%PDF-"
    assert InstrumentRequest.objects.get().instrument.name == "Leerwerkpool"
