"""/facturen/: a coordinator sees the issued invoices carrying their municipalities'
candidates, only their own lines on an invoice shared with another municipality, and its PDF
as sent (all lines theirs) or as an extract (only theirs); another municipality's invoice is
a 404 on every page."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from pypdf import PdfReader

from accounts.roles import Role
from billing.tasks import invoice_render_pdf_task
from tests.billing.factories import (
    approved_hours,
    billable_assignment,
    draft_invoice,
    issued_invoice,
    march_days,
)
from tests.factories import UserFactory
from tests.placements.factories import (
    CandidateFactory,
    ClientFactory,
    PlacementsMunicipalityFactory,
    PlacementsUserFactory,
)

pytestmark = pytest.mark.django_db
LIST = reverse("billing:invoice_list")


def _login(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def _invoice(client_name, *candidates):
    """An invoice of 2 April 2026 for `client_name`: (town, last name, hours) at 20.00."""
    client = ClientFactory(name=client_name)
    for town, last_name, hours in candidates:
        candidate = CandidateFactory(municipality=town, last_name=last_name)
        assignment = billable_assignment(
            client=client, candidate=candidate, hourly_rate=Decimal("20.00")
        )
        approved_hours(assignment, *march_days(hours))
    return issued_invoice(client=client)


@pytest.fixture
def scene(framework):
    town_a = PlacementsMunicipalityFactory(name="Aadorp", cbs_code="GM9101")
    town_b = PlacementsMunicipalityFactory(name="Beekdorp", cbs_code="GM9102")
    return {
        "town_a": town_a,
        "town_b": town_b,
        "shared": _invoice(
            "Gedeelde Klant B.V.", (town_a, "Aadorper", "10.00"), (town_b, "Beekdorper", "4.00")
        ),
        "only_a": _invoice("Klant A B.V.", (town_a, "Alleen", "8.00")),
        "only_b": _invoice("Klant B B.V.", (town_b, "Anders", "8.00")),
        "a": _login(PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_a])),
    }


def test_the_list_shows_the_invoices_with_own_lines_and_their_amount(scene):
    response = scene["a"].get(LIST)
    invoices = {i.number: i for i in response.context["page"].object_list}
    assert set(invoices) == {scene["shared"].number, scene["only_a"].number}
    assert invoices[scene["shared"].number].own_amount == Decimal("200.00")  # 10 h, not B's 4 h
    assert invoices[scene["only_a"].number].own_amount == Decimal("160.00")
    assert invoices[scene["shared"].number].payment_status == "overdue"  # due 16 April 2026
    assert f'href="{LIST}"' in response.content.decode()  # the menu link


def test_the_detail_shows_only_own_lines(scene):
    response = scene["a"].get(reverse("billing:invoice_detail", args=[scene["shared"].pk]))
    content = response.content.decode()
    assert response.context["is_extract"]
    assert [line.municipality.name for line in response.context["lines"]] == ["Aadorp"]
    assert "Aadorper" in content
    assert "Beekdorper" not in content
    assert response.context["own_amount"] == Decimal("200.00")


@pytest.mark.parametrize("name", ["billing:invoice_detail", "billing:invoice_pdf"])
def test_another_municipality_s_invoice_is_404(scene, name):
    assert scene["a"].get(reverse(name, args=[scene["only_b"].pk])).status_code == 404


def test_a_draft_is_404(scene):
    client = ClientFactory(name="Concept B.V.")
    assignment = billable_assignment(
        client=client, candidate=CandidateFactory(municipality=scene["town_a"])
    )
    approved_hours(assignment, *march_days("8.00"))
    draft = draft_invoice(client=client)
    assert scene["a"].get(reverse("billing:invoice_detail", args=[draft.pk])).status_code == 404


def test_the_pdf_of_an_invoice_all_theirs_is_the_invoice_sent(scene):
    invoice = scene["only_a"]
    invoice_render_pdf_task(invoice.pk)
    response = scene["a"].get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert f"factuur-{invoice.number}.pdf" in response["Content-Disposition"]
    invoice.refresh_from_db()
    assert b"".join(response.streaming_content) == invoice.pdf.open("rb").read()


def test_the_pdf_of_a_shared_invoice_is_an_extract_of_own_lines(scene):
    response = scene["a"].get(reverse("billing:invoice_pdf", args=[scene["shared"].pk]))
    assert "uittreksel" in response["Content-Disposition"]
    text = _pdf_text(response)
    assert "Aadorper" in text
    assert "Beekdorper" not in text
    assert "Uittreksel voor uw gemeente" in text  # the PDF is always Dutch


def test_the_other_coordinator_sees_their_side(scene):
    b = _login(PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[scene["town_b"]]))
    invoices = {i.number: i for i in b.get(LIST).context["page"].object_list}
    assert set(invoices) == {scene["shared"].number, scene["only_b"].number}
    assert invoices[scene["shared"].number].own_amount == Decimal("80.00")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "gedeelde"}, {"shared"}),
        ({"year": 2025}, set()),
        ({"year": 2026}, {"shared", "only_a"}),
        ({"payment_status": "paid"}, set()),
        ({"municipality": "GM9101"}, {"shared", "only_a"}),
    ],
)
def test_the_filters(scene, params, expected):
    numbers = {i.number for i in scene["a"].get(LIST, params).context["page"].object_list}
    assert numbers == {scene[key].number for key in expected}


def test_a_foreign_municipality_filter_is_refused(scene):
    response = scene["a"].get(LIST, {"municipality": "GM9102"})
    assert response.context["form"].errors
    assert not response.context["page"].object_list


def test_the_export_matches_the_list(scene):
    response = scene["a"].get(LIST, {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    page = scene["a"].get(LIST).context["page"].object_list
    assert [r["Factuurnummer"] for r in rows] == [i.number for i in page]
    amounts = {r["Factuurnummer"]: r["Uw regels excl. btw"] for r in rows}
    assert amounts[scene["shared"].number] == "200,00"


@pytest.mark.parametrize("role", [Role.REPRESENTATIVE, Role.NVSI_BOARD])
def test_roles_without_invoices_get_404(scene, role):
    http = _login(UserFactory(role=role, mfa=True))
    assert http.get(LIST).status_code == 404


def test_anonymous_is_sent_to_sign_in(scene):
    response = HttpClient().get(LIST)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
