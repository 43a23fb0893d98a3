"""Fixtures and helpers for the import tests: a town with a candidate, a client and an approved
assignment (2 March to 29 May 2026), and writers for CSV and XLSX files."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from core.models import AuditEvent
from placements.imports import import_run
from placements.models import Assignment, Candidate, Client, TimeEntry
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    ClientFactory,
)

START = datetime.date(2026, 3, 2)
END = datetime.date(2026, 5, 29)

HEADERS = {
    "candidates": [
        "municipality",
        "client_number",
        "first_name",
        "last_name",
        "birth_date",
        "bsn",
        "iban",
        "status",
        "left_for_work_on",
        "wage_cost_subsidy",
    ],
    "clients": [
        "kvk_number",
        "name",
        "vat_number",
        "billing_address",
        "billing_email",
        "contact_person",
        "framework_agreement_date",
    ],
    "assignments": [
        "municipality",
        "client_number",
        "kvk_number",
        "start_date",
        "end_date",
        "hours_per_week",
        "work_description",
        "hourly_rate",
    ],
    "hours": [
        "municipality",
        "client_number",
        "kvk_number",
        "assignment_start_date",
        "work_date",
        "hours",
    ],
}


def csv_bytes(rows, *, delimiter=",", bom=False, encoding="utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def write(tmp_path: Path, data: bytes, name: str = "upload.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_csv(tmp_path: Path, rows, **options) -> Path:
    return write(tmp_path, csv_bytes(rows, **options))


def write_xlsx(tmp_path: Path, rows, name: str = "upload.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def counts() -> tuple[int, ...]:
    return (
        Candidate.objects.count(),
        Client.objects.count(),
        Assignment.objects.count(),
        TimeEntry.objects.count(),
        AuditEvent.objects.count(),
    )


def run(kind: str, path: Path, *, actor=None, dry_run: bool = False):
    return import_run(kind=kind, path=path, file_name=path.name, actor=actor, dry_run=dry_run)


def messages(result) -> list[str]:
    return [str(issue) for issue in result.issues]


def hours_row(day="03-03-2026", hours="8", *, start="02-03-2026", number="K-1001"):
    return ["GM0014", number, "12345678", start, day, hours]


@pytest.fixture
def placed(town, other_town, framework):
    """Candidate K-1001 of Groningen at client 12345678 from 2 March 2026, approved."""
    candidate = CandidateFactory(municipality=town, client_number="K-1001")
    client = ClientFactory(kvk_number="12345678", name="Groen B.V.")
    assignment = AssignmentFactory(
        candidate=candidate,
        client=client,
        start_date=START,
        end_date=END,
        hourly_rate=Decimal("16.50"),
        approved=True,
    )
    return assignment
