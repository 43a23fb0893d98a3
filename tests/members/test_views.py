"""Members' pages: who may see what (one matrix), and what the municipality page tells them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from tests.factories import (
    ContractFactory,
    FrameworkFactory,
    MembershipFactory,
    MunicipalityFactory,
    PremiumCapFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def scene(municipality, other_municipality):
    """Two municipalities, each with a membership and a signed contract; frameworks in force."""
    today = timezone.localdate()
    PremiumCapFactory(valid_from=today - datetime.timedelta(days=365))
    FrameworkFactory(valid_from=today - datetime.timedelta(days=30))
    contracts = {}
    for m in (municipality, other_municipality):
        MembershipFactory(municipality=m, start_date=today - datetime.timedelta(days=400))
        contract = ContractFactory(municipality=m, start_date=today - datetime.timedelta(days=400))
        contract.signed_document.save(f"{m.cbs_code}.pdf", ContentFile(PDF))
        contracts[m.cbs_code] = contract
    return contracts


def _detail(code: str) -> str:
    return f"/gemeenten/{code}/"


def _document(scene, code: str) -> str:
    return f"/gemeenten/{code}/contracten/{scene[code].pk}/document/"


@pytest.fixture
def no_role_client(db):
    client = Client()
    client.force_login(UserFactory(email="nobody@example.nl"))
    return client


# actor -> {target: expected status}; 302 means "sent to sign in".
A, B = "GM0014", "GM0106"
SCOPE = {
    "anonymous_client": {"detail A": 302, "document A": 302, "overview": 302, "media A": 302},
    "coordinator_client": {
        "detail A": 200,
        "detail B": 404,
        "document A": 200,
        "document B": 404,
        "document B via A": 404,
        "overview": 404,
        "media A": 404,
        "unknown": 404,
    },
    "other_coordinator_client": {"detail A": 404, "detail B": 200, "document A": 404},
    "treasurer_client": {
        "detail A": 200,
        "detail B": 200,
        "document B": 200,
        "overview": 200,
        "media A": 404,
        "unknown": 404,
    },
    "back_office_client": {"detail A": 200, "overview": 200, "media A": 200},
    "board_client": {
        "detail A": 200,
        "detail B": 200,
        "document B": 200,
        "overview": 200,
        "media A": 200,  # the admin's link to a contract the board manages
        "unknown": 404,
    },
    "representative_client": {
        "detail A": 200,
        "detail B": 404,
        "document B": 404,
        "overview": 404,
        "media A": 404,
    },
    "no_role_client": {"detail A": 404, "overview": 404, "document A": 404},
}


def _target(scene, name: str) -> str:
    return {
        "detail A": _detail(A),
        "detail B": _detail(B),
        "document A": _document(scene, A),
        "document B": _document(scene, B),
        # B's contract id under A's address: the contract must belong to the municipality.
        "document B via A": f"/gemeenten/{A}/contracten/{scene[B].pk}/document/",
        "overview": "/leden/",
        "media A": "/media/" + scene[A].signed_document.name,
        "unknown": _detail("GM9999"),
    }[name]


@pytest.mark.parametrize(
    ("actor", "target", "status"),
    [
        (actor, target, status)
        for actor, expectations in SCOPE.items()
        for target, status in expectations.items()
    ],
)
def test_scope(request, scene, actor, target, status):
    client = request.getfixturevalue(actor)
    response = client.get(_target(scene, target))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/?next=")


def test_contract_document_is_the_signed_pdf(scene, coordinator_client):
    response = coordinator_client.get(_document(scene, A))
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{scene[A].reference}.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_contract_without_document_is_404(scene, municipality, coordinator_client):
    contract = ContractFactory(municipality=municipality)
    response = coordinator_client.get(f"/gemeenten/{A}/contracten/{contract.pk}/document/")
    assert response.status_code == 404


def test_region_contract_reaches_the_municipalities_it_covers(
    scene, municipality, coordinator_client, other_coordinator_client
):
    contract = ContractFactory(
        region_contract=True, region=municipality.region, covered_municipalities=[municipality]
    )
    contract.signed_document.save("region.pdf", ContentFile(PDF))
    path = f"/gemeenten/{A}/contracten/{contract.pk}/document/"
    assert coordinator_client.get(path).status_code == 200
    assert other_coordinator_client.get(path.replace(A, B)).status_code == 404
    assert other_coordinator_client.get(path).status_code == 404


# --- Where each role starts -------------------------------------------------------------------


def test_my_municipality_goes_straight_to_the_only_one(coordinator_client):
    response = coordinator_client.get("/gemeenten/")
    assert response.status_code == 302
    assert response["Location"] == _detail(A)


def test_my_municipalities_lists_only_my_own(municipality, other_municipality):
    third = MunicipalityFactory(cbs_code="GM0080", name="Leeuwarden")
    user = UserFactory(role=Role.COORDINATOR, municipalities=[municipality, third])
    client = Client()
    client.force_login(user)
    response = client.get("/gemeenten/")
    assert response.status_code == 200
    assert list(response.context["municipalities"]) == [municipality, third]
    assert other_municipality.name not in response.content.decode()


@pytest.mark.parametrize(
    ("actor", "location"),
    [
        ("coordinator_client", "/te-doen/"),
        ("treasurer_client", "/te-doen/"),
        ("back_office_client", "/admin/"),
    ],
)
def test_home_sends_each_role_to_its_work(request, actor, location):
    response = request.getfixturevalue(actor).get("/")
    assert response["Location"] == location


def test_overview_lists_every_member_for_the_treasurer(scene, treasurer_client):
    response = treasurer_client.get("/leden/")
    names = [row["municipality"].name for row in response.context["rows"]]
    assert names == ["Assen", "Groningen"]
    assert response.context["active_count"] == 2


# --- What the municipality page shows ---------------------------------------------------------


def _notes(response) -> str:
    """The text of the page's notices (role="note")."""
    html = response.content.decode()
    return " ".join(re.findall(r'role="note">(.*?)</div>', html, flags=re.S))


@pytest.mark.parametrize(("days", "warned"), [(10, True), (90, True), (91, False), (-1, False)])
def test_page_warns_about_contract_ending_soon(
    scene, municipality, coordinator_client, days, warned
):
    today = timezone.localdate()
    ending = ContractFactory(
        municipality=municipality,
        reference="NVSI-ENDING",
        start_date=today - datetime.timedelta(days=400),
        end_date=today + datetime.timedelta(days=days),
    )
    response = coordinator_client.get(_detail(A))
    item = next(c for c in response.context["contracts"] if c["contract"] == ending)
    assert item["expires_soon"] is warned
    notes = _notes(response)
    assert ("NVSI-ENDING" in notes) is warned
    if warned:
        assert f"{ending.end_date:%d-%m-%Y}" in notes
    assert scene[A].reference not in notes  # open-ended: no warning


def test_page_shows_local_and_general_framework_values(scene, municipality, coordinator_client):
    today = timezone.localdate()
    FrameworkFactory(
        local=True,
        municipality=municipality,
        valid_from=today - datetime.timedelta(days=10),
        client_hourly_rate_min=Decimal("15.25"),
        long_after_weeks=20,
    )
    response = coordinator_client.get(_detail(A))
    rows = {row["field"]: row for row in response.context["framework_rows"]}
    rate = rows["client_hourly_rate_min"]
    assert (rate["general"], rate["local"], rate["in_force"], rate["source"]) == (
        Decimal("14.71"),
        Decimal("15.25"),
        Decimal("15.25"),
        "local",
    )
    assert rows["long_after_weeks"]["in_force"] == 20
    assert rows["premium_per_hour"]["source"] == "general"
    assert rows["contribution_municipality_percentage"]["in_force"] == Decimal("1.00")
    html = response.content.decode()
    assert "€\u00a015,25" in html
    assert "€\u00a014,71" in html


def test_other_municipality_page_shows_only_general_values(scene, municipality, treasurer_client):
    FrameworkFactory(
        local=True,
        municipality=municipality,
        valid_from=timezone.localdate() - datetime.timedelta(days=10),
        client_hourly_rate_min=Decimal("15.25"),
    )
    response = treasurer_client.get(_detail(B))
    rate = next(
        r for r in response.context["framework_rows"] if r["field"] == "client_hourly_rate_min"
    )
    assert (rate["local"], rate["in_force"]) == (None, Decimal("14.71"))
    assert "15,25" not in response.content.decode()


def test_page_without_framework_in_force_says_so(municipality, coordinator_client):
    response = coordinator_client.get(_detail(A))
    assert response.status_code == 200
    assert response.context["terms"] is None
    assert response.context["framework_error"] in _notes(response)
