# ruff: noqa: F811 - `placed` is a fixture imported from import_fixtures
"""The import in Dutch: Dutch column names (English ones still accepted), a template per type
to download, fill and upload, the columns explained on the page itself, and hours on an
assignment still awaiting approval naming the coordinators who must approve it."""

import io

import openpyxl
import pytest
from django.test import Client as HttpClient

from accounts.roles import Role
from placements.models import Assignment, Candidate, Client
from tests.factories import UserFactory
from tests.placements.factories import PlacementsUserFactory
from tests.placements.import_fixtures import (
    HEADERS,
    csv_bytes,
    hours_row,
    messages,
    placed,  # noqa: F401 - a fixture
    run,
    write,
    write_csv,
)

URL = "/admin/placements/import/"


@pytest.fixture
def staff(db):
    user = UserFactory(role=Role.BACK_OFFICE, is_staff=True, mfa=True)
    client = HttpClient()
    client.force_login(user)
    return client


def test_dutch_column_names_with_the_address(town, framework, tmp_path):
    header = [
        "Gemeente",
        "Klantnummer",
        "Voornaam",
        "Achternaam",
        "Geboortedatum",
        "BSN",
        "IBAN",
        "Status",
        "Uitgestroomd op",
        "Loonkostensubsidie",
        "Straat",
        "Huisnummer",
        "Postcode",
        "Woonplaats",
    ]
    row = ["GM0014", "K-1", "Anna", "de Vries", "17-05-1985", "", "", "", "", "nee"]
    path = write_csv(tmp_path, [header, [*row, "Grote Markt", "1a", "9712hn", "Groningen"]])
    assert messages(run("candidates", path)) == []
    anna = Candidate.objects.get(client_number="K-1")
    assert (anna.street, anna.house_number, anna.postcode, anna.city) == (
        "Grote Markt",
        "1a",
        "9712 HN",
        "Groningen",
    )
    # Without the address columns (an older file): the address stays.
    path = write_csv(tmp_path, [HEADERS["candidates"], row])
    result = run("candidates", path)
    assert messages(result) == [] and result.unchanged == 1
    anna.refresh_from_db()
    assert anna.city == "Groningen"


def test_a_wrong_postcode_is_refused_on_its_column(town, framework, tmp_path):
    header = [*HEADERS["candidates"], "postcode"]
    row = ["GM0014", "K-1", "Anna", "de Vries", "17-05-1985", "", "", "", "", "", "97124 HN"]
    assert messages(run("candidates", write_csv(tmp_path, [header, row]))) == [
        "row 2, column postcode: A postcode has four digits and two letters, e.g. 1234 AB."
    ]


def test_kvk_nummer_spelled_three_ways(db, tmp_path):
    for kvk_header in ("KvK-nummer", "kvk nummer", "kvk_number"):
        header = [
            kvk_header,
            "naam",
            "btw-nummer",
            "factuuradres",
            "Factuur e-mail",
            "contactpersoon",
            "raamovereenkomst getekend op",
        ]
        row = ["12345678", "Groen B.V.", "", "Markt 1", "f@example.nl", "", ""]
        assert messages(run("clients", write_csv(tmp_path, [header, row]))) == [], kvk_header
    assert Client.objects.count() == 1


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_template_round_trips(staff, db, tmp_path, file_format):
    response = staff.get(f"{URL}sjabloon/clients.{file_format}")
    assert response.status_code == 200
    assert f'filename="sjabloon-clients.{file_format}"' in response["Content-Disposition"]
    row = ["12345678", "Groen B.V.", "", "Markt 1", "f@example.nl", "J. de Boer", "PO-7", ""]
    if file_format == "csv":
        text = response.content.decode("utf-8-sig")
        assert text.startswith("kvk_nummer;naam;")
        path = write(tmp_path, text.encode("utf-8") + csv_bytes([row], delimiter=";"))
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet = workbook.worksheets[0]
        assert [cell.value for cell in sheet[1]][:2] == ["kvk_nummer", "naam"]
        assert workbook.worksheets[1]["A2"].value == "kvk_nummer"  # the explanation sheet
        sheet.append(row)
        path = tmp_path / "filled.xlsx"
        workbook.save(path)
    assert messages(run("clients", path)) == []
    client = Client.objects.get()
    assert (client.contact_person, client.invoice_reference) == ("J. de Boer", "PO-7")


def test_a_template_only_for_who_may_import(db):
    coordinator = UserFactory(role=Role.COORDINATOR, mfa=True)
    client = HttpClient()
    client.force_login(coordinator)
    assert client.get(f"{URL}sjabloon/clients.csv").status_code in (302, 403)


def test_the_page_explains_every_column(staff):
    text = staff.get(URL).content.decode()
    assert "docs/imports.md" not in text
    assert "<code>startdatum_opdracht</code>" in text  # the Dutch name...
    assert "<code>assignment_start_date</code>" in text  # ...and the English one
    assert f"{URL}sjabloon/hours.xlsx" in text and f"{URL}sjabloon/hours.csv" in text
    assert "Binnen de data van de opdracht, niet na vandaag." in text  # a meaning, in Dutch


def test_hours_on_a_requested_assignment_name_who_must_approve(placed, town, tmp_path):
    PlacementsUserFactory(
        role=Role.COORDINATOR, municipalities=[town], first_name="Petra", last_name="Smit"
    )
    PlacementsUserFactory(
        role=Role.COORDINATOR, municipalities=[town], first_name="Karel", last_name="Boer"
    )
    Assignment.objects.filter(pk=placed.pk).update(status=Assignment.Status.REQUESTED)
    path = write_csv(tmp_path, [HEADERS["hours"], hours_row(), hours_row("04-03-2026")])
    problems = messages(run("hours", path))
    expected = (
        "column assignment_start_date: This assignment awaits approval: hours can be imported "
        "once a coordinator of Groningen has approved it (Karel Boer, Petra Smit)."
    )
    assert problems == [f"row 2, {expected}", f"row 3, {expected}"]
