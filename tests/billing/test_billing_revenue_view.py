"""/omzet/: a coordinator sees the revenue of their own municipalities' lines only, by client
and month; exports; anonymous users and other roles are kept out."""

import io
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.roles import Role
from billing.services import credit_note_create
from tests.billing.factories import approved_hours, billable_assignment, issued_invoice, march_days
from tests.placements.factories import (
    CandidateFactory,
    ClientFactory,
    PlacementsMunicipalityFactory,
    PlacementsUserFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("billing:revenue")


@pytest.fixture
def shared_invoice(framework):
    """One invoice for one client with a candidate of A (10 h) and one of B (4 h) at 20.00."""
    town_a = PlacementsMunicipalityFactory(name="Aadorp")
    town_b = PlacementsMunicipalityFactory(name="Beekdorp")
    client = ClientFactory(name="Gedeelde Klant B.V.")
    for town, hours in ((town_a, "10.00"), (town_b, "4.00")):
        candidate = CandidateFactory(municipality=town, last_name=f"Kandidaat{town.name}")
        assignment = billable_assignment(
            client=client, candidate=candidate, hourly_rate=Decimal("20.00")
        )
        approved_hours(assignment, *march_days(hours))
    invoice = issued_invoice(client=client)
    return invoice, town_a, town_b


def _login(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def test_a_coordinator_sees_only_their_own_lines(shared_invoice):
    _invoice, town_a, town_b = shared_invoice
    user_a = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_a])
    response = _login(user_a).get(URL, {"jaar": 2026})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.name for r in rows] == ["Gedeelde Klant B.V."]
    assert rows[0].total == Decimal("200.00")  # 10 h x 20.00; B's 80.00 is not there
    assert rows[0].months[3] == Decimal("200.00")  # April: the invoice date
    content = response.content.decode()
    assert "KandidaatBeekdorp" not in content
    assert "280" not in content

    user_b = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_b])
    assert _login(user_b).get(URL, {"jaar": 2026}).context["rows"][0].total == Decimal("80.00")


def test_credit_notes_are_subtracted_per_municipality(shared_invoice):
    invoice, town_a, town_b = shared_invoice
    line_b = invoice.lines.get(municipality=town_b)
    credit_note_create(invoice=invoice, actor=None, reason="Fout", lines=[line_b])
    user_a = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_a])
    user_b = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_b])
    assert _login(user_a).get(URL, {"jaar": 2026}).context["rows"][0].total == Decimal("200.00")
    assert _login(user_b).get(URL, {"jaar": 2026}).context["rows"][0].total == Decimal("0.00")


def test_the_year_filter(shared_invoice):
    _invoice, town_a, _ = shared_invoice
    user_a = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_a])
    response = _login(user_a).get(URL, {"jaar": 2025})
    assert response.status_code == 200
    assert response.context["rows"] == []
    page = response.content.decode()
    assert "<h1>Omzet 2025</h1>" in page  # a year, not the number 2.025
    assert '<option value="2025" selected>2025</option>' in page
    assert _login(user_a).get(URL, {"jaar": "nonsense"}).status_code == 200


def test_exports_carry_the_own_lines_only(shared_invoice):
    from openpyxl import load_workbook

    _invoice, town_a, _ = shared_invoice
    http = _login(PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_a]))
    csv = b"".join(http.get(URL, {"jaar": 2026, "format": "csv"}).streaming_content).decode()
    lines = csv.lstrip("\ufeff").strip().split("\r\n")
    assert lines[0].startswith("Opdrachtgever;Maand")
    assert lines[1] == "Gedeelde Klant B.V.;04-2026;10,00;200,00;0,00;200,00"
    assert len(lines) == 2
    xlsx = http.get(URL, {"jaar": 2026, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][-1] == 200


def test_the_treasurer_sees_every_municipality(shared_invoice, treasurer_client):
    response = treasurer_client.get(URL, {"jaar": 2026})
    assert response.context["rows"][0].total == Decimal("280.00")


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_user_without_a_role_gets_a_404(db):
    assert _login(PlacementsUserFactory()).get(URL).status_code == 404


def test_the_nav_links_the_page_for_coordinators(shared_invoice):
    _, town_a, _ = shared_invoice
    http = _login(PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_a]))
    assert f'href="{URL}"' in http.get(URL).content.decode()


def test_the_year_choice_offers_only_years_with_revenue(shared_invoice):
    _invoice, town_a, _ = shared_invoice
    user_a = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_a])
    response = _login(user_a).get(URL)
    assert response.context["years"] == [2026]
    page = response.content.decode()
    assert '<option value="2026" selected>2026</option>' in page
    assert "2.026" not in page


def test_the_client_and_the_total_stay_in_view_while_the_months_scroll(shared_invoice):
    _invoice, town_a, _ = shared_invoice
    user_a = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town_a])
    page = _login(user_a).get(URL, {"jaar": 2026}).content.decode()
    assert '<table class="revenue-table">' in page
    css = (django_settings.BASE_DIR / "static" / "css" / "portal.css").read_text()
    assert ".revenue-table tr > :last-child {\n  right: 0;" in css  # sticky on the right


def test_the_invoice_list_sorts_by_its_columns(framework, treasurer_client):
    from tests.supervision.conftest import invoice_for

    town = PlacementsMunicipalityFactory(name="Aadorp")
    small = invoice_for(town=town, client_name="Zuivel B.V.", hours=("2.00",))
    large = invoice_for(town=town, client_name="Appelhof B.V.", hours=("9.00",))
    url = reverse("billing:invoice_list")

    def numbers(sort):
        page = treasurer_client.get(url, {"sort": sort}).context["page"]
        return [invoice.number for invoice in page.object_list]

    assert numbers("client") == [large.number, small.number]
    assert numbers("-client") == [small.number, large.number]
    assert numbers("total") == [small.number, large.number]
    assert numbers("-total") == [large.number, small.number]
    page = treasurer_client.get(url, {"sort": "total"}).content.decode()
    assert 'href="?sort=-total"' in page and 'aria-sort="ascending"' in page
