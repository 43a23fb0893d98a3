# ruff: noqa: F811 - `placed` is a fixture imported from import_fixtures
"""Malformed imports: each case asserts the exact errors and that nothing was written.

Rows are numbered as a spreadsheet shows them (the header is row 1).
"""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from placements.models import TimeEntry
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    ClientFactory,
    TimeEntryFactory,
)
from tests.placements.import_fixtures import (
    HEADERS,
    counts,
    csv_bytes,
    hours_row,
    messages,
    placed,  # noqa: F401 - a fixture
    run,
    write,
    write_xlsx,
)

H = HEADERS["hours"]
CAND = HEADERS["candidates"]
CLI = HEADERS["clients"]
ASG = HEADERS["assignments"]
OK_HOURS = hours_row()


def _candidate(**cells):
    row = dict(
        zip(
            CAND,
            ["GM0014", "K-9", "Anna", "Visser", "01-01-1980", "", "", "", "", ""],
            strict=True,
        )
    )
    row.update(cells)
    return list(row.values())


def _client(**cells):
    row = dict(
        zip(
            CLI,
            ["23456789", "Groen", "", "Markt 1", "a@groen.example.nl", "", ""],
            strict=True,
        )
    )
    row.update(cells)
    return list(row.values())


def _assignment(**cells):
    row = dict(
        zip(
            ASG,
            ["GM0014", "K-1001", "12345678", "01-06-2026", "31-07-2026", "20", "Werk", ""],
            strict=True,
        )
    )
    row.update(cells)
    return list(row.values())


def _zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a spreadsheet")
    return out.getvalue()


def _xlsx_bytes(rows, formula_cell=None) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    if formula_cell:
        workbook.active[formula_cell] = "=4+4"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


ALL_COLUMNS = ", ".join(H)

# (id, kind, file bytes, file name, the exact errors)
CASES = [
    # --- the file as a whole
    (
        "latin-1",
        "hours",
        csv_bytes([H, OK_HOURS])
        + "GM0014,K-1001,12345678,02-03-2026,04-03-2026,8 é\r\n".encode("latin-1"),
        "f.csv",
        ["row 3: The file is not UTF-8 (byte 0xe9 cannot be read): save it as “CSV UTF-8”."],
    ),
    (
        "utf-16",
        "hours",
        csv_bytes([H, OK_HOURS], encoding="utf-16"),
        "f.csv",
        ["row 1: The file is UTF-16, not UTF-8: save it as “CSV UTF-8”."],
    ),
    ("empty", "hours", b"", "f.csv", ["The file is empty."]),
    ("blank-lines", "hours", b"\r\n \r\n", "f.csv", ["The file is empty."]),
    ("bom-only", "hours", b"\xef\xbb\xbf", "f.csv", ["The file is empty."]),
    ("header-only", "hours", csv_bytes([H]), "f.csv", ["The file has a header but no data rows."]),
    (
        "header-and-empty-rows",
        "hours",
        csv_bytes([H, ["", "", "", "", "", ""], []]),
        "f.csv",
        ["The file has a header but no data rows."],
    ),
    (
        "nul-byte",
        "hours",
        csv_bytes([H]) + b"GM0014,K\x001001\r\n",
        "f.csv",
        ["row 2: The file holds a NUL character: it is not a text file."],
    ),
    (
        "xls",
        "hours",
        b"\xd0\xcf\x11\xe0" + b"\x00" * 100,
        "f.xls",
        ["Excel 97-2003 files (.xls) are not read: save it as XLSX or CSV UTF-8."],
    ),
    (
        "broken-xlsx",
        "hours",
        b"PK\x03\x04" + b"garbage" * 10,
        "f.xlsx",
        ["This is not a readable XLSX file."],
    ),
    (
        "zip-not-xlsx",
        "hours",
        _zip_bytes(),
        "f.xlsx",
        ["This is not a readable XLSX file."],
    ),
    ("empty-xlsx", "hours", _xlsx_bytes([]), "f.xlsx", ["The file is empty."]),
    # --- the header
    (
        "extra-column",
        "hours",
        csv_bytes([[*H, "remarks"], [*OK_HOURS, "x"]]),
        "f.csv",
        [f"row 1, column remarks: Unknown column; the columns are: {ALL_COLUMNS}."],
    ),
    (
        "missing-column",
        "hours",
        csv_bytes([H[:-1], OK_HOURS[:-1]]),
        "f.csv",
        ["row 1, column hours: This column is missing."],
    ),
    (
        "duplicate-column",
        "hours",
        csv_bytes([[*H, "hours"], [*OK_HOURS, "8"]]),
        "f.csv",
        ["row 1, column hours: This column appears more than once."],
    ),
    (
        "unnamed-column",
        "hours",
        csv_bytes([[*H[:2], "", *H[2:]], [*OK_HOURS[:2], "", *OK_HOURS[2:]]]),
        "f.csv",
        ["row 1, column #3: This column has no name: name it or delete it."],
    ),
    (
        "tab-delimiter",
        "hours",
        csv_bytes([H, OK_HOURS], delimiter="\t"),
        "f.csv",
        [f"row 1, column {chr(9).join(H)}: Unknown column; the columns are: {ALL_COLUMNS}."]
        + [f"row 1, column {name}: This column is missing." for name in H],
    ),
    (
        "header-row-blank",
        "hours",
        csv_bytes([["", ""], OK_HOURS]),
        "f.csv",
        ["row 1: The first row must name the columns."],
    ),
    # --- cells
    (
        "too-many-cells",
        "hours",
        csv_bytes([H, [*OK_HOURS, "8"]]),
        "f.csv",
        ["row 2: This row has 7 cells; the header names 6."],
    ),
    (
        "required-empty",
        "hours",
        csv_bytes([H, [*OK_HOURS[:-1], " "]]),
        "f.csv",
        ["row 2, column hours: This column is required."],
    ),
    (
        "short-row",
        "hours",
        csv_bytes([H, OK_HOURS[:4]]),
        "f.csv",
        [
            "row 2, column work_date: This column is required.",
            "row 2, column hours: This column is required.",
        ],
    ),
    (
        "date-with-slashes",
        "hours",
        csv_bytes([H, hours_row("31/03/2026")]),
        "f.csv",
        ["row 2, column work_date: Enter a date as 31-12-2026 or 2026-12-31, not “31/03/2026”."],
    ),
    (
        "date-that-does-not-exist",
        "hours",
        csv_bytes([H, hours_row("31-02-2026")]),
        "f.csv",
        ["row 2, column work_date: There is no date “31-02-2026”."],
    ),
    (
        "hours-not-a-number",
        "hours",
        csv_bytes([H, hours_row(hours="acht")]),
        "f.csv",
        ["row 2, column hours: Enter a number, e.g. 7,5 or 7.5, not “acht”."],
    ),
    (
        "hours-thousands-separator",
        "hours",
        csv_bytes([H, hours_row(hours="1.000,5")]),
        "f.csv",
        [
            "row 2, column hours: Enter a number with a decimal comma or point, without "
            "thousands separators, not “1.000,5”."
        ],
    ),
    (
        "hours-formula-text",
        "hours",
        csv_bytes([H, hours_row(hours="=4+4")]),
        "f.csv",
        ["row 2, column hours: Enter a number, e.g. 7,5 or 7.5, not “=4+4”."],
    ),
    (
        "xlsx-formula-cell",
        "hours",
        _xlsx_bytes([H, OK_HOURS], formula_cell="F2"),
        "f.xlsx",
        ["row 2, column hours: This cell holds a formula (=4+4): paste its value instead."],
    ),
    # --- the hours rules
    (
        "hours-negative",
        "hours",
        csv_bytes([H, hours_row(hours="-2")]),
        "f.csv",
        ["row 2, column hours: Hours must be more than 0."],
    ),
    (
        "hours-zero",
        "hours",
        csv_bytes([H, hours_row(hours="0,00")]),
        "f.csv",
        ["row 2, column hours: Hours must be more than 0."],
    ),
    (
        "hours-over-24",
        "hours",
        csv_bytes([H, hours_row(hours="24,01")]),
        "f.csv",
        ["row 2, column hours: At most 24 hours a day."],
    ),
    (
        "hours-three-decimals",
        "hours",
        csv_bytes([H, hours_row(hours="7,125")]),
        "f.csv",
        ["row 2, column hours: Hours have at most two decimals."],
    ),
    (
        "work-date-outside-assignment",
        "hours",
        csv_bytes([H, hours_row("30-05-2026")]),
        "f.csv",
        [
            "row 2, column work_date: 30-05-2026 lies outside the assignment "
            "(02-03-2026 to 29-05-2026)."
        ],
    ),
    (
        "day-over-24-within-file",
        "hours",
        csv_bytes(
            [
                H,
                hours_row("14-04-2026", "16"),
                ["GM0014", "K-1001", "72345678", "01-04-2026", "14-04-2026", "9"],
            ]
        ),
        "f.csv",
        [
            "row 3, column hours: The candidate already has 16.00 hours on 14-04-2026: "
            "together more than 24."
        ],
    ),
    (
        "duplicate-row",
        "hours",
        csv_bytes([H, OK_HOURS, hours_row("04-03-2026"), OK_HOURS]),
        "f.csv",
        ["row 4, column work_date: Row 2 has hours for the same assignment and work date."],
    ),
    (
        "unknown-municipality",
        "hours",
        csv_bytes([H, ["GM9999", *OK_HOURS[1:]]]),
        "f.csv",
        ["row 2, column municipality: Unknown municipality: no municipality has CBS code GM9999."],
    ),
    (
        "unknown-candidate",
        "hours",
        csv_bytes([H, hours_row(number="K-404")]),
        "f.csv",
        [
            "row 2, column client_number: Unknown candidate: Groningen (GM0014) has no "
            "candidate with client number K-404."
        ],
    ),
    (
        "candidate-of-another-municipality",
        "hours",
        csv_bytes([H, hours_row(number="A-1")]),
        "f.csv",
        [
            "row 2, column client_number: Candidate A-1 is not a candidate of Groningen "
            "(GM0014) but of Assen (GM0106): check the municipality column."
        ],
    ),
    (
        "unknown-client",
        "hours",
        csv_bytes([H, ["GM0014", "K-1001", "99999999", *OK_HOURS[3:]]]),
        "f.csv",
        ["row 2, column kvk_number: Unknown client: no client has KvK number 99999999."],
    ),
    (
        "unknown-assignment",
        "hours",
        csv_bytes([H, hours_row(start="03-03-2026")]),
        "f.csv",
        [
            "row 2, column assignment_start_date: Unknown assignment: candidate K-1001 has no "
            "assignment at Groen B.V. starting on 03-03-2026."
        ],
    ),
    (
        "assignment-not-approved",
        "hours",
        csv_bytes([H, hours_row("02-06-2026", start="01-06-2026")]),
        "f.csv",
        [
            "row 2, column assignment_start_date: This assignment awaits approval by a "
            "coordinator of Groningen, which has no coordinator in the portal yet: ask NVSI "
            "to invite one."
        ],
    ),
    (
        "invoiced-hours-changed",
        "hours",
        csv_bytes([H, hours_row("10-03-2026", "5")]),
        "f.csv",
        [
            "row 2, column assignment_start_date: These hours are invoiced and locked: correct "
            "them with a credit note and a new entry."
        ],
    ),
    (
        "day-over-24-with-stored-hours",
        "hours",
        csv_bytes([H, ["GM0014", "K-1001", "72345678", "01-04-2026", "15-04-2026", "8,5"]]),
        "f.csv",
        [
            "row 2, column hours: The candidate already has 16.00 hours on 15-04-2026: "
            "together more than 24."
        ],
    ),
    (
        "every-error-reported",
        "hours",
        csv_bytes(
            [
                H,
                hours_row(hours="-1"),
                hours_row("05-03-2026"),
                hours_row("x"),
                ["GM9999", *OK_HOURS[1:]],
            ]
        ),
        "f.csv",
        [
            "row 2, column hours: Hours must be more than 0.",
            "row 4, column work_date: Enter a date as 31-12-2026 or 2026-12-31, not “x”.",
            "row 5, column municipality: Unknown municipality: no municipality has CBS code "
            "GM9999.",
        ],
    ),
    # --- candidates
    (
        "candidate-invalid-bsn",
        "candidates",
        csv_bytes([CAND, _candidate(bsn="123456789")]),
        "f.csv",
        ["row 2, column bsn: This is not a valid BSN (nine digits passing the 11-proof)."],
    ),
    (
        "candidate-invalid-iban",
        "candidates",
        csv_bytes([CAND, _candidate(iban="NL00ABNA0123456789")]),
        "f.csv",
        ["row 2, column iban: This is not a valid IBAN."],
    ),
    (
        "candidate-bsn-and-iban-together",
        "candidates",
        csv_bytes([CAND, _candidate(bsn="123456789", iban="NL00")]),
        "f.csv",
        [
            "row 2, column iban: This is not a valid IBAN.",
            "row 2, column bsn: This is not a valid BSN (nine digits passing the 11-proof).",
        ],
    ),
    (
        "candidate-unknown-status",
        "candidates",
        csv_bytes([CAND, _candidate(status="actief")]),
        "f.csv",
        ["row 2, column status: Enter one of active, left_for_work, ended, not “actief”."],
    ),
    (
        "candidate-bad-boolean",
        "candidates",
        csv_bytes([CAND, _candidate(wage_cost_subsidy="misschien")]),
        "f.csv",
        ["row 2, column wage_cost_subsidy: Enter yes or no (ja/nee, 1/0), not “misschien”."],
    ),
    (
        "candidate-left-without-date",
        "candidates",
        csv_bytes([CAND, _candidate(status="left_for_work")]),
        "f.csv",
        ["row 2, column client_number: Give the date the candidate left for regular work."],
    ),
    (
        "candidate-duplicate",
        "candidates",
        csv_bytes([CAND, _candidate(), _candidate(municipality="gm0014", first_name="Bo")]),
        "f.csv",
        ["row 3, column client_number: Row 2 has the same municipality and client number."],
    ),
    (
        "candidate-unknown-municipality",
        "candidates",
        csv_bytes([CAND, _candidate(municipality="GM0000")]),
        "f.csv",
        ["row 2, column municipality: Unknown municipality: no municipality has CBS code GM0000."],
    ),
    (
        "candidate-name-too-long",
        "candidates",
        csv_bytes([CAND, _candidate(first_name="A" * 101)]),
        "f.csv",
        ["row 2, column first_name: At most 100 characters (this cell has 101)."],
    ),
    # --- clients
    (
        "client-invalid-kvk",
        "clients",
        csv_bytes([CLI, _client(kvk_number="1234")]),
        "f.csv",
        ["row 2, column kvk_number: A KvK number has exactly eight digits."],
    ),
    (
        "client-invalid-email",
        "clients",
        csv_bytes([CLI, _client(billing_email="geen-adres")]),
        "f.csv",
        ["row 2, column billing_email: Enter a valid email address."],
    ),
    (
        "client-invalid-vat",
        "clients",
        csv_bytes([CLI, _client(vat_number="NL123")]),
        "f.csv",
        ["row 2, column vat_number: This is not a valid VAT identification number."],
    ),
    (
        "client-duplicate-kvk",
        "clients",
        csv_bytes([CLI, _client(), _client(kvk_number="2345 6789")]),
        "f.csv",
        ["row 3, column kvk_number: Row 2 has the same KvK number."],
    ),
    # --- assignments
    (
        "assignment-rate-below-minimum",
        "assignments",
        csv_bytes([ASG, _assignment(hourly_rate="14,70")]),
        "f.csv",
        [
            "row 2, column hourly_rate: At least 14.71: the minimum client hourly rate in "
            "force on 01-06-2026."
        ],
    ),
    (
        "assignment-end-before-start",
        "assignments",
        csv_bytes([ASG, _assignment(end_date="31-05-2026")]),
        "f.csv",
        ["row 2, column end_date: The end date lies before the start date."],
    ),
    (
        "assignment-candidate-of-another-municipality",
        "assignments",
        csv_bytes([ASG, _assignment(municipality="GM0106")]),
        "f.csv",
        [
            "row 2, column client_number: Candidate K-1001 is not a candidate of Assen "
            "(GM0106) but of Groningen (GM0014): check the municipality column."
        ],
    ),
    (
        "assignment-approved-cannot-change",
        "assignments",
        csv_bytes([ASG, _assignment(start_date="02-03-2026", end_date="30-04-2026")]),
        "f.csv",
        [
            "row 2, column start_date: Only a requested assignment can be changed; this one "
            "is “Approved”."
        ],
    ),
    (
        "assignment-duplicate",
        "assignments",
        csv_bytes([ASG, _assignment(), _assignment(start_date="2026-06-01")]),
        "f.csv",
        ["row 3, column start_date: Row 2 has the same candidate, client and start date."],
    ),
    (
        "assignment-hours-per-week-not-a-number",
        "assignments",
        csv_bytes([ASG, _assignment(hours_per_week="twintig")]),
        "f.csv",
        ["row 2, column hours_per_week: Enter a number, e.g. 7,5 or 7.5, not “twintig”."],
    ),
]


@pytest.fixture
def world(placed, other_town):
    """Besides `placed`: a requested assignment from 1 June, a candidate A-1 of Assen, a
    second assignment of K-1001 from 1 April (another client), invoiced hours on 10 March
    and 16 stored hours on 15 April."""
    AssignmentFactory(
        candidate=placed.candidate,
        client=placed.client,
        start_date=datetime.date(2026, 6, 1),
        end_date=datetime.date(2026, 7, 31),
    )
    CandidateFactory(municipality=other_town, client_number="A-1")
    AssignmentFactory(
        candidate=placed.candidate,
        client=ClientFactory(kvk_number="12345678".replace("1", "7")),
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2026, 5, 29),
        approved=True,
    )
    TimeEntryFactory(
        assignment=placed,
        work_date=datetime.date(2026, 3, 10),
        hours=Decimal("8"),
        status=TimeEntry.Status.INVOICED,
        approved_at=datetime.datetime(2026, 3, 11, tzinfo=datetime.UTC),
    )
    TimeEntryFactory(assignment=placed, work_date=datetime.date(2026, 4, 15), hours=Decimal("16"))
    return placed


@pytest.mark.parametrize(
    ("kind", "data", "name", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_malformed_file_refused_with_exact_errors(world, tmp_path, kind, data, name, expected):
    path = write(tmp_path, data, name)
    before = counts()
    result = run(kind, path)
    assert messages(result) == expected
    assert counts() == before


def test_at_least_thirty_distinct_cases():
    assert len({case[0] for case in CASES}) >= 30


def test_too_large_refused_before_parsing(world, tmp_path, settings, monkeypatch):
    settings.IMPORT_MAX_BYTES = 100
    monkeypatch.setattr("placements.imports.readers._csv_rows", lambda data: pytest.fail("parsed"))
    before = counts()
    result = run("hours", write(tmp_path, csv_bytes([H] + [OK_HOURS] * 10)))
    assert messages(result) == ["The file is larger than 100 bytes: split it into smaller files."]
    assert counts() == before


def test_too_large_in_megabytes(world, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    result = run("hours", write(tmp_path, b"x" * (1024 * 1024 + 1)))
    assert messages(result) == ["The file is larger than 1 MB: split it into smaller files."]


def test_too_many_rows(world, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 2
    before = counts()
    result = run("hours", write(tmp_path, csv_bytes([H] + [OK_HOURS] * 3)))
    assert messages(result) == ["The file has more than 2 data rows: split it into smaller files."]
    assert counts() == before


def test_xlsx_unpacking_too_large(world, tmp_path, settings, monkeypatch):
    path = write_xlsx(tmp_path, [H, OK_HOURS])
    settings.IMPORT_MAX_BYTES = path.stat().st_size
    monkeypatch.setattr("placements.imports.readers.XLSX_UNPACKED_FACTOR", 1)
    before = counts()
    result = run("hours", path)
    assert messages(result) == [
        f"The spreadsheet unpacks to more than {path.stat().st_size} bytes: split it into "
        "smaller files."
    ]
    assert counts() == before


def test_one_bad_row_writes_none_of_the_good_ones(world, tmp_path):
    rows = [H, hours_row("02-03-2026"), hours_row("03-03-2026"), hours_row("04-03-2026", "25")]
    before = counts()
    result = run("hours", write(tmp_path, csv_bytes(rows)))
    assert messages(result) == ["row 4, column hours: At most 24 hours a day."]
    assert counts() == before


def test_good_candidates_rolled_back_when_a_later_row_fails(world, tmp_path):
    rows = [CAND, _candidate(client_number="K-50"), _candidate(client_number="K-51", bsn="1")]
    before = counts()
    assert len(run("candidates", write(tmp_path, csv_bytes(rows))).issues) == 1
    assert counts() == before
