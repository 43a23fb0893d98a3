"""The export of a municipality's premium per candidate per year (CSV and XLSX) for its
benefit administration: the rows equal the ledger, only that municipality and year, and who
may download which municipality."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Sum
from django.test import Client as HttpClient
from openpyxl import load_workbook

from accounts.roles import Role
from placements.services import time_entries_approve
from premiums.models import PremiumAccrual
from premiums.services import payout_run_approve, payout_run_prepare
from tests.factories import UserFactory
from tests.placements.factories import AssignmentFactory, CandidateFactory, TimeEntryFactory

D = Decimal
HEADER = [
    "Klantnummer",
    "Voornaam",
    "Achternaam",
    "Gemeente",
    "CBS-code",
    "Jaar",
    "Uren",
    "Premie opgebouwd",
    "Boven het jaarmaximum",
    "Uitbetaald",
    "Nog niet uitbetaald",
]


def _client_for(user) -> HttpClient:
    client = HttpClient()
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def work(candidate, day: datetime.date, *, actor, hours="8.00"):
    assignment = AssignmentFactory(
        candidate=candidate,
        active=True,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    entry = TimeEntryFactory(assignment=assignment, work_date=day, hours=D(hours))
    time_entries_approve(entries=[entry], actor=actor)


@pytest.fixture
def ledger(town, other_town, framework, back_office_user, town_coordinator):
    """Groningen 2026: Anna 16.00 paid in June + 15.00 unpaid; Bram over the cap (3390.00
    earlier, then 8 hours: 8.00 accrued, 8.00 above); Cees under 27. Groningen 2025: Anna
    once more. Assen 2026: Erik."""
    anna = CandidateFactory(
        municipality=town, first_name="Anna", last_name="Aalders", client_number="=1+1"
    )
    bram = CandidateFactory(
        municipality=town, first_name="Bram", last_name="Bakker", client_number="G-2"
    )
    cees = CandidateFactory(
        municipality=town,
        first_name="Cees",
        last_name="Claassen",
        client_number="G-3",
        birth_date=datetime.date(2004, 1, 1),
    )
    erik = CandidateFactory(municipality=other_town, first_name="Erik", last_name="Evers")
    work(anna, datetime.date(2026, 3, 2), actor=back_office_user)
    june = payout_run_prepare(
        municipality=town, payout_date=datetime.date(2026, 6, 30), actor=back_office_user
    )
    payout_run_approve(run=june, actor=town_coordinator)
    work(anna, datetime.date(2026, 8, 3), actor=back_office_user, hours="7.50")
    work(anna, datetime.date(2025, 8, 4), actor=back_office_user)
    PremiumAccrual.objects.create(
        candidate=bram,
        year=2026,
        work_date=datetime.date(2026, 1, 5),
        hours=D("1695.00"),
        rate=D("2.00"),
        annual_cap=D("3398.00"),
        amount=D("3390.00"),
    )
    work(bram, datetime.date(2026, 8, 3), actor=back_office_user)
    work(cees, datetime.date(2026, 8, 3), actor=back_office_user)
    work(erik, datetime.date(2026, 8, 3), actor=back_office_user)
    return {"anna": anna, "bram": bram, "cees": cees, "erik": erik}


def _csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))


def test_csv_rows_equal_the_ledger(ledger, town_coordinator):
    response = _client_for(town_coordinator).get(
        "/premies/export/", {"municipality": "GM0014", "year": 2026, "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="premies-GM0014-2026.csv"'
    header, *rows = _csv_rows(response)
    assert header == HEADER
    where = ["Groningen", "GM0014", "2026"]
    assert rows == [
        # a client number that looks like a formula is written as text
        ["'=1+1", "Anna", "Aalders", *where, "15,50", "31,00", "0,00", "16,00", "15,00"],
        ["G-2", "Bram", "Bakker", *where, "1703,00", "3398,00", "8,00", "0,00", "3398,00"],
        ["G-3", "Cees", "Claassen", *where, "8,00", "0,00", "0,00", "0,00", "0,00"],
    ]
    for row, name in zip(rows, ["anna", "bram", "cees"], strict=True):
        sums = PremiumAccrual.objects.filter(candidate=ledger[name], year=2026).aggregate(
            hours=Sum("hours"), accrued=Sum("amount"), capped=Sum("capped_amount")
        )
        assert [D(v.replace(",", ".")) for v in row[6:9]] == [
            sums["hours"],
            sums["accrued"],
            sums["capped"],
        ]


def test_xlsx_has_numbers_and_the_chosen_year_only(ledger, town_coordinator):
    response = _client_for(town_coordinator).get(
        "/premies/export/", {"municipality": "GM0014", "year": 2025, "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="premies-GM0014-2025.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1:] == [
        ("=1+1", "Anna", "Aalders", "Groningen", "GM0014", 2025, 8, 16, 0, 0, 16),
    ]
    assert sheet["A2"].data_type == "s"  # text, never a formula


def test_treasurer_and_back_office_export_any_municipality(ledger):
    treasurer = UserFactory(role=Role.TREASURER, mfa=True)
    back_office = UserFactory(role=Role.BACK_OFFICE, is_staff=True, mfa=True)
    for user in (treasurer, back_office):
        response = _client_for(user).get(
            "/premies/export/", {"municipality": "GM0106", "year": 2026, "format": "csv"}
        )
        assert response.status_code == 200
        _header, *rows = _csv_rows(response)
        assert [row[2] for row in rows] == ["Evers"]


def test_a_coordinator_exports_only_their_own_municipalities(ledger, other_town_coordinator):
    client = _client_for(other_town_coordinator)
    foreign = client.get(
        "/premies/export/", {"municipality": "GM0014", "year": 2026, "format": "xlsx"}
    )
    assert foreign.status_code == 404
    own = client.get("/premies/export/", {"municipality": "GM0106", "year": 2026, "format": "csv"})
    _header, *rows = _csv_rows(own)
    assert [row[2] for row in rows] == ["Evers"]
    anonymous = _client_for(None).get(
        "/premies/export/", {"municipality": "GM0014", "year": 2026, "format": "csv"}
    )
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_a_year_without_premium_exports_the_header_only(ledger, other_town_coordinator):
    response = _client_for(other_town_coordinator).get(
        "/premies/export/", {"municipality": "GM0106", "year": 2025, "format": "csv"}
    )
    assert _csv_rows(response) == [HEADER]
