# ruff: noqa: F811 - `placed` is a fixture imported from import_fixtures
"""Imports that succeed: every type from CSV (comma, semicolon, BOM) and XLSX, re-import adds
nothing, a dry run writes nothing, updates where documented, one audit event per import, and
the management command's exit codes and output."""

import datetime
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from core.models import AuditEvent
from placements.models import Assignment, Candidate, Client, TimeEntry
from tests.clock import clock_at
from tests.placements.factories import TimeEntryFactory, valid_bsn
from tests.placements.import_fixtures import (
    END,
    HEADERS,
    START,
    counts,
    hours_row,
    messages,
    placed,  # noqa: F401 - a fixture
    run,
    write,
    write_csv,
    write_xlsx,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

CANDIDATE_ROWS = [
    HEADERS["candidates"],
    ["GM0014", "K-2001", "Anna", "de Vries", "17-05-1985", "", "NL91ABNA0417164300", "", "", ""],
    ["gm0106", "K-2002", "Bram", "Jansen", "1999-02-03", "", "", "active", "", "ja"],
    [
        "GM0014",
        "K-2003",
        '=HYPERLINK("x")',
        "+31 Bakker",
        "01-11-1970",
        "",
        "",
        "left_for_work",
        "15-01-2026",
        "nee",
    ],
]
CLIENT_ROWS = [
    HEADERS["clients"],
    [
        "23456789",
        "Groen B.V.",
        "NL123456782B01",
        "Grote Markt 1\n9711 LV Groningen",
        "facturen@groen.example.nl",
        "P. de Vries",
        "01-12-2025",
    ],
    ["34567890", "@Buurtwerk", "", "Kerkstraat 5", "info@buurtwerk.example.nl", "", ""],
]


def _assignment_rows():
    return [
        HEADERS["assignments"],
        [
            "GM0014",
            "K-1001",
            "12345678",
            "2026-06-01",
            "31-07-2026",
            "20",
            "Groenonderhoud",
            "16,50",
        ],
        ["GM0014", "K-1001", "12345678", "2026-08-03", "2026-09-30", "12,5", "-Schoonmaak", ""],
    ]


@pytest.mark.parametrize(
    "options", [{"delimiter": ","}, {"delimiter": ";"}, {"delimiter": ";", "bom": True}]
)
def test_candidates_csv(town, other_town, framework, tmp_path, back_office_user, options):
    result = run(
        "candidates", write_csv(tmp_path, CANDIDATE_ROWS, **options), actor=back_office_user
    )
    assert messages(result) == []
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    formula = Candidate.objects.get(client_number="K-2003")
    # Hostile text is data: stored as it is, never evaluated.
    assert (formula.first_name, formula.last_name) == ('=HYPERLINK("x")', "+31 Bakker")
    assert formula.left_for_work_on == datetime.date(2026, 1, 15)
    bram = Candidate.objects.get(client_number="K-2002")
    assert (bram.municipality, bram.wage_cost_subsidy) == (other_town, True)
    assert (
        AuditEvent.objects.filter(action="import.candidates", actor=back_office_user).count() == 1
    )


def test_candidates_bsn_encrypted_and_masked_in_preview(town, framework, tmp_path):
    bsn = valid_bsn()
    rows = [HEADERS["candidates"], ["GM0014", "K-1", "A", "B", "01-01-1980", bsn, "", "", "", ""]]
    result = run("candidates", write_csv(tmp_path, rows), dry_run=True)
    assert result.preview[0].cells[5] == "*****" + bsn[-4:]
    run("candidates", write_csv(tmp_path, rows))
    candidate = Candidate.objects.get()
    assert candidate.bsn_last_digits == bsn[-4:] and bsn not in candidate.bsn_encrypted


def test_candidates_xlsx_with_real_dates(town, framework, tmp_path):
    rows = [
        HEADERS["candidates"],
        [
            "GM0014",
            1001,
            "Anna",
            "de Vries",
            datetime.datetime(1985, 5, 17),
            None,
            None,
            None,
            None,
            True,
        ],
    ]
    result = run("candidates", write_xlsx(tmp_path, rows))
    assert messages(result) == []
    candidate = Candidate.objects.get()
    assert (candidate.client_number, candidate.birth_date, candidate.wage_cost_subsidy) == (
        "1001",
        datetime.date(1985, 5, 17),
        True,
    )


def test_candidates_reimport_unchanged_then_update(town, framework, tmp_path):
    path = write_csv(tmp_path, CANDIDATE_ROWS[:2])
    run("candidates", path)
    before = counts()
    again = run("candidates", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert counts() == before  # nothing added, not even an audit event
    changed = [CANDIDATE_ROWS[0], [*CANDIDATE_ROWS[1][:3], "Visser", *CANDIDATE_ROWS[1][4:]]]
    result = run("candidates", write_csv(tmp_path, changed))
    assert (result.created, result.updated) == (0, 1)
    assert Candidate.objects.get().last_name == "Visser"


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_clients_csv_and_reimport(db, tmp_path, delimiter):
    path = write_csv(tmp_path, CLIENT_ROWS, delimiter=delimiter, bom=True)
    result = run("clients", path)
    assert messages(result) == []
    assert result.created == 2
    client = Client.objects.get(kvk_number="23456789")
    assert client.billing_address == "Grote Markt 1\n9711 LV Groningen"
    assert Client.objects.get(kvk_number="34567890").name == "@Buurtwerk"
    before = counts()
    assert run("clients", path).unchanged == 2
    assert counts() == before


def test_clients_xlsx_kvk_number_cell_keeps_leading_zero(db, tmp_path):
    rows = [
        HEADERS["clients"],
        [1234567, "Noord", None, "Adres 1", "a@noord.example.nl", None, datetime.date(2025, 12, 1)],
    ]
    assert messages(run("clients", write_xlsx(tmp_path, rows))) == []
    assert Client.objects.get().kvk_number == "01234567"


def test_assignments_csv_requested_with_default_rate(placed, tmp_path, back_office_user):
    path = write_csv(tmp_path, _assignment_rows(), delimiter=";")
    result = run("assignments", path, actor=back_office_user)
    assert messages(result) == []
    first, second = Assignment.objects.filter(status="requested").order_by("start_date")
    assert (first.hourly_rate, first.hours_per_week) == (Decimal("16.50"), Decimal("20"))
    assert (second.hourly_rate, second.work_description) == (Decimal("14.71"), "-Schoonmaak")
    assert second.requested_by == back_office_user
    before = counts()
    assert run("assignments", path).unchanged == 2
    assert counts() == before


def test_assignments_xlsx_update_of_a_request(placed, tmp_path):
    run("assignments", write_xlsx(tmp_path, _assignment_rows()))
    rows = _assignment_rows()
    rows[1][5] = 24
    result = run("assignments", write_xlsx(tmp_path, rows))
    assert (result.updated, result.unchanged) == (1, 1)
    assert Assignment.objects.get(start_date="2026-06-01").hours_per_week == Decimal("24")


@pytest.mark.parametrize(
    "options", [{"delimiter": ","}, {"delimiter": ";"}, {"delimiter": ";", "bom": True}]
)
def test_hours_csv(placed, tmp_path, back_office_user, options):
    rows = [
        HEADERS["hours"],
        hours_row(),
        hours_row("2026-03-04", "7,5"),
        hours_row("05-03-2026", "4.25"),
    ]
    result = run("hours", write_csv(tmp_path, rows, **options), actor=back_office_user)
    assert messages(result) == []
    assert sorted(TimeEntry.objects.values_list("hours", flat=True)) == [
        Decimal("4.25"),
        Decimal("7.50"),
        Decimal("8.00"),
    ]
    assert set(TimeEntry.objects.values_list("status", "entered_by")) == {
        ("entered", back_office_user.pk)
    }
    event = AuditEvent.objects.get(action="import.hours")
    assert event.summary == "upload.csv: 3 rows; 3 created, 0 updated, 0 unchanged."
    assert AuditEvent.objects.filter(action="time_entry.create").count() == 0  # not per row


def test_hours_xlsx(placed, tmp_path):
    rows = [
        HEADERS["hours"],
        ["GM0014", "K-1001", 12345678, START, datetime.datetime(2026, 3, 3), 8],
        ["GM0014", "K-1001", "12345678", "02-03-2026", "04-03-2026", 7.5],
    ]
    result = run("hours", write_xlsx(tmp_path, rows))
    assert messages(result) == []
    assert sorted(TimeEntry.objects.values_list("hours", flat=True)) == [
        Decimal("7.5"),
        Decimal("8"),
    ]


def test_hours_reimport_adds_nothing_and_changed_hours_go_back_to_entered(placed, tmp_path):
    approved = TimeEntryFactory(
        assignment=placed,
        work_date=datetime.date(2026, 3, 3),
        hours=Decimal("6"),
        status="approved",
        approved_at=datetime.datetime(2026, 3, 4, tzinfo=datetime.UTC),
    )
    path = write_csv(
        tmp_path, [HEADERS["hours"], hours_row("03-03-2026", "6"), hours_row("04-03-2026", "8")]
    )
    first = run("hours", path)
    assert (first.created, first.unchanged) == (1, 1)
    before = counts()
    again = run("hours", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert counts() == before
    run("hours", write_csv(tmp_path, [HEADERS["hours"], hours_row("03-03-2026", "7")]))
    approved.refresh_from_db()
    assert (approved.hours, approved.status, approved.approved_at) == (
        Decimal("7"),
        "entered",
        None,
    )


def test_dry_run_writes_nothing(placed, tmp_path):
    before = counts()
    result = run("hours", write_csv(tmp_path, [HEADERS["hours"], hours_row()]), dry_run=True)
    assert (result.ok, result.created, result.written) == (True, 1, False)
    assert counts() == before


def test_day_total_counts_the_other_assignments_and_the_file(placed, tmp_path):
    TimeEntryFactory(
        assignment__candidate=placed.candidate,
        assignment__start_date=START,
        assignment__end_date=END,
        work_date=datetime.date(2026, 3, 3),
        hours=Decimal("16"),
    )
    result = run("hours", write_csv(tmp_path, [HEADERS["hours"], hours_row("03-03-2026", "8")]))
    assert messages(result) == []  # exactly 24


@pytest.mark.parametrize(
    ("now", "refused"),
    [
        ("2026-03-04T22:30Z", True),  # 23:30 on 4 March in Amsterdam (UTC+1)
        ("2026-03-04T23:30Z", False),  # 00:30 on 5 March in Amsterdam, still the 4th in UTC
    ],
)
def test_hours_of_a_day_not_worked_yet_refused_and_nothing_written(placed, tmp_path, now, refused):
    rows = [HEADERS["hours"], hours_row("04-03-2026", "8"), hours_row("2026-03-05", "6")]
    with clock_at(now):
        result = run("hours", write_csv(tmp_path, rows))
    if not refused:
        assert result.ok and TimeEntry.objects.count() == 2
        return
    assert messages(result) == [
        "row 3, column work_date: 05-03-2026 lies after today (04-03-2026): that day has not "
        "been worked yet."
    ]
    assert not TimeEntry.objects.exists()  # not even the 4th


def test_the_command_gives_the_reason_in_dutch(placed, tmp_path, capsys):
    path = write_csv(tmp_path, [HEADERS["hours"], hours_row("05-03-2026", "6")])
    with (
        clock_at("2026-03-04T12:00Z"),
        translation.override("nl"),
        pytest.raises(SystemExit) as exit,
    ):
        call_command("import_data", "hours", str(path))
    assert exit.value.code == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "row 2, column work_date: 05-03-2026 ligt na vandaag (04-03-2026): op die dag is nog "
        "niet gewerkt."
    )
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("kind", ["candidates", "clients", "assignments", "hours"])
def test_documented_examples_import(town, framework, tmp_path, kind):
    for earlier in ["candidates", "clients", "assignments"][
        : ["candidates", "clients", "assignments", "hours"].index(kind)
    ]:
        assert messages(run(earlier, EXAMPLES / f"{earlier}.csv")) == []
    if kind == "hours":
        Assignment.objects.update(status="approved")
    assert messages(run(kind, EXAMPLES / f"{kind}.csv")) == []


# --- The command ------------------------------------------------------------------------------


def test_command_imports_and_exits_0(placed, tmp_path, capsys, back_office_user):
    path = write_csv(tmp_path, [HEADERS["hours"], hours_row()])
    call_command("import_data", "hours", str(path), "--actor", back_office_user.email)
    out = capsys.readouterr().out
    assert out == "upload.csv: hours: 1 rows; 1 created, 0 updated, 0 unchanged\n"
    assert TimeEntry.objects.get().entered_by == back_office_user
    assert AuditEvent.objects.get(action="import.hours").actor == back_office_user


def test_command_dry_run(placed, tmp_path, capsys):
    path = write_csv(tmp_path, [HEADERS["hours"], hours_row()])
    call_command("import_data", "hours", str(path), "--dry-run")
    assert "(dry run: nothing written)" in capsys.readouterr().out
    assert not TimeEntry.objects.exists()


def test_command_prints_every_error_and_exits_1(placed, tmp_path, capsys):
    path = write_csv(
        tmp_path,
        [
            HEADERS["hours"],
            hours_row("03-03-2026", "-1"),
            hours_row("04-03-2026", "8"),
            hours_row("2026-13-01", "25"),
        ],
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("import_data", "hours", str(path))
    assert exit_.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        "row 2, column hours: Hours must be more than 0.",
        "row 4, column work_date: There is no date “2026-13-01”.",
        "row 4, column hours: At most 24 hours a day.",
        "upload.csv: 3 errors; nothing imported.",
    ]
    assert not TimeEntry.objects.exists()


def test_command_without_actor_is_the_system(placed, tmp_path):
    call_command("import_data", "hours", str(write_csv(tmp_path, [HEADERS["hours"], hours_row()])))
    assert AuditEvent.objects.get(action="import.hours").actor is None
    assert TimeEntry.objects.get().entered_by is None


def test_command_refuses_an_unknown_actor(placed, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no user with this e-mail"):
        call_command("import_data", "hours", str(write(tmp_path, b"x")), "--actor", "x@y.nl")


def test_command_reads_xlsx(placed, tmp_path):
    source = write_xlsx(tmp_path, [HEADERS["hours"], hours_row()])
    target = tmp_path / "uren.xlsx"
    shutil.copy(source, target)
    call_command("import_data", "hours", str(target))
    assert TimeEntry.objects.count() == 1
