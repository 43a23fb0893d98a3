"""Premium opening balances of go-live: the import (command with CSV, admin page with XLSX),
the ledger rows it writes, and how the annual cap and the payout runs count them from the
first day: at the cap nothing more accrues, below it only up to it, the unpaid part goes
into the next run, a candidate paid twice is left out of a third payout. Re-import adds
nothing; a bad file writes nothing and names row and column; the database refuses what the
service would."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.roles import Role
from core.models import AuditEvent
from placements.services import time_entries_approve
from premiums.models import PayoutExclusion, PremiumAccrual, PremiumOpeningBalance
from premiums.selectors import payout_line_paid_in_year, premium_figures_by_candidate
from premiums.services import payout_run_prepare, premium_opening_balance_record
from tests.factories import UserFactory
from tests.placements.factories import AssignmentFactory, CandidateFactory, TimeEntryFactory
from tests.placements.import_fixtures import messages, run, write_csv, write_xlsx

D = Decimal
DECEMBER = datetime.date(2026, 12, 31)
HEADER = ["municipality", "client_number", "year", "accrued", "paid", "payouts"]
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def people(town, framework):
    """Anna (K-1001), Bram (K-1002) and Cees (K-1003) of Groningen, each at work all 2026."""
    candidates = []
    for number, first in (("K-1001", "Anna"), ("K-1002", "Bram"), ("K-1003", "Cees")):
        candidate = CandidateFactory(municipality=town, client_number=number, first_name=first)
        AssignmentFactory(
            candidate=candidate,
            active=True,
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 12, 31),
        )
        candidates.append(candidate)
    return candidates


def approve(candidate, actor, days, hours="8.00", month=9):
    assignment = candidate.assignments.get()
    entries = [
        TimeEntryFactory(
            assignment=assignment, work_date=datetime.date(2026, month, day), hours=D(hours)
        )
        for day in days
    ]
    time_entries_approve(entries=entries, actor=actor)
    return PremiumAccrual.objects.filter(time_entry__in=entries).order_by("work_date")


def ledger(candidate, year=2026) -> dict:
    return PremiumAccrual.objects.filter(candidate=candidate, year=year).aggregate(
        accrued=Sum("amount"), capped=Sum("capped_amount")
    )


def import_command(tmp_path, rows, *, actor=None, name="opening.csv"):
    path = write_csv(tmp_path, [HEADER, *rows], delimiter=";")
    target = path.rename(tmp_path / name)
    args = ["import_data", "premium_opening_balances", str(target)]
    if actor is not None:
        args += ["--actor", actor.email]
    call_command(*args)


def table_counts():
    return (
        PremiumOpeningBalance.objects.count(),
        PremiumAccrual.objects.count(),
        AuditEvent.objects.count(),
    )


# --- The cap counts the opening balance --------------------------------------------------------


def test_at_the_cap_by_opening_balance_nothing_more_accrues(
    people, tmp_path, capsys, back_office_user
):
    anna = people[0]
    import_command(tmp_path, [["GM0014", "K-1001", "2026", "3.398,00", "0", "0"]])
    assert "1 created" in capsys.readouterr().out
    (accrual,) = approve(anna, back_office_user, [1])
    assert (accrual.amount, accrual.capped_amount, accrual.reason) == (
        D("0.00"),
        D("16.00"),
        PremiumAccrual.Reason.CAP_REACHED,
    )
    assert ledger(anna) == {"accrued": D("3398.00"), "capped": D("16.00")}


def test_below_the_cap_accrues_only_up_to_it(people, tmp_path, back_office_user):
    anna = people[0]
    import_command(tmp_path, [["GM0014", "K-1001", "2026", "3000", "1000.00", "1"]])
    # 10 days of 20 hours: 400.00, of which 398.00 fits under the cap of 3,398
    accruals = approve(anna, back_office_user, range(1, 11), hours="20")
    assert sum(a.amount for a in accruals) == D("398.00")
    assert sum(a.capped_amount for a in accruals) == D("2.00")
    assert ledger(anna) == {"accrued": D("3398.00"), "capped": D("2.00")}


# --- Payouts count the opening balance ---------------------------------------------------------


def test_unpaid_part_goes_into_the_next_run_as_the_second_payout(
    people, tmp_path, back_office_user
):
    anna = people[0]
    import_command(tmp_path, [["GM0014", "K-1001", "2026", "1.250,00", "800,00", "1"]])
    approve(anna, back_office_user, [1])  # 16.00 more
    run_ = payout_run_prepare(
        municipality=anna.municipality, payout_date=DECEMBER, actor=back_office_user
    )
    line = run_.lines.get()
    assert (line.candidate, line.amount, line.sequence) == (anna, D("466.00"), 2)
    figures = premium_figures_by_candidate(
        user=back_office_user, year=2026, candidate_ids=[anna.pk]
    )[anna.pk]
    assert (figures["accrued"], figures["paid"], figures["in_prepared_run"]) == (
        D("1266.00"),
        D("800.00"),
        D("466.00"),
    )
    # the letter's "paid in the year, this payout included" counts what was paid before
    run_.status = "approved"  # (the approval itself is tested elsewhere)
    run_.sepa_xml = "<x/>"
    run_.approved_by = UserFactory(role=Role.COORDINATOR, municipalities=[anna.municipality])
    run_.approved_at = timezone.now()
    run_.save()
    assert payout_line_paid_in_year(line=line) == D("1266.00")


def test_paid_twice_by_opening_balance_is_left_out_of_a_third_payout(
    people, tmp_path, back_office_user
):
    anna, bram, _cees = people
    import_command(
        tmp_path,
        [
            ["GM0014", "K-1001", "2026", "2.500,00", "2.000,00", "2"],
            ["GM0014", "K-1002", "2026", "100", "0", "0"],
        ],
    )
    run_ = payout_run_prepare(
        municipality=anna.municipality, payout_date=DECEMBER, actor=back_office_user
    )
    assert [line.candidate for line in run_.lines.all()] == [bram]
    assert run_.lines.get().sequence == 1
    exclusion = run_.exclusions.get()
    assert (exclusion.candidate, exclusion.amount, exclusion.reason) == (
        anna,
        D("500.00"),
        PayoutExclusion.Reason.LIMIT_REACHED,
    )
    # the unpaid 500.00 stays unpaid, for the first run of next year
    assert PremiumAccrual.objects.get(candidate=anna, paid_before_go_live=False).payout_line is None


# --- Re-import, bad files, dry run -------------------------------------------------------------


def test_reimporting_the_same_file_adds_nothing(people, tmp_path, back_office_user):
    rows = [
        ["GM0014", "K-1001", "2026", "1.250,00", "800,00", "1"],
        ["GM0014", "K-1002", "2026", "0", "0", "0"],
    ]
    import_command(tmp_path, rows, actor=back_office_user)
    assert PremiumAccrual.objects.filter(kind="opening").count() == 2
    event = AuditEvent.objects.get(
        action="premium_opening_balance.record",
        object_id=str(PremiumOpeningBalance.objects.get(candidate=people[0]).pk),
    )
    assert event.actor == back_office_user
    assert "opening.csv (import premium_opening_balances)" in event.summary
    before = table_counts()
    result = run("premium_opening_balances", write_csv(tmp_path, [HEADER, *rows]))
    assert (result.ok, result.created, result.unchanged) == (True, 0, 2)
    assert table_counts() == before


def test_a_bad_file_writes_nothing_and_names_row_and_column(people, tmp_path):
    next_year = timezone.localdate().year + 1
    rows = [
        ["GM0014", "K-1001", "2026", "1000", "0", "0"],  # good, but not written
        ["GM0014", "K-1002", "2026", "100", "200", "1"],
        ["GM0014", "K-1003", "2026", "3.398,01", "0", "0"],
        ["GM0014", "K-9999", "2026", "10", "0", "0"],
        ["GM0014", "K-1002", str(next_year), "10", "0", "0"],
        ["GM0014", "K-1003", "2025", "3.000", "0", "0"],
        ["GM0014", "K-1003", "2024", "10", "-1", "3"],
        ["GM0014", "K-1001", "2026", "1000", "0", "0"],
        ["GM0014", "K-1002", "2025", "10", "10", "0"],
        ["GM0014", "K-1003", "26", "10,1234", "0", "x"],
    ]
    before = table_counts()
    result = run("premium_opening_balances", write_csv(tmp_path, [HEADER, *rows]))
    assert messages(result) == [
        "row 3, column paid: More than was accrued (100,00).",
        "row 4, column accrued: More than the annual cap of 2026 (3398,00).",
        "row 5, column client_number: Unknown candidate: Groningen (GM0014) has no candidate "
        "with client number K-9999.",
        "row 6, column year: This year lies in the future.",
        "row 7, column accrued: “3.000” is ambiguous: write whole euros without a thousands "
        "separator (3000), or with the cents (3.000,00 or 3000.00).",
        "row 8, column paid: An amount of at least 0.",
        "row 8, column payouts: Enter 0, 1 or 2: at most two payouts per candidate per "
        "calendar year.",
        "row 9, column year: Row 2 has the same candidate and year.",
        "row 10, column payouts: Premium was paid: at least one payout.",
        "row 11, column year: Enter a year of four digits, e.g. 2026, not “26”.",
        "row 11, column accrued: An amount in euros has at most two decimals.",
        "row 11, column payouts: Enter a whole number, e.g. 0, 1 or 2, not “x”.",
    ]
    assert table_counts() == before


def test_dry_run_writes_nothing(people, tmp_path, capsys):
    path = write_csv(tmp_path, [HEADER, ["GM0014", "K-1001", "2026", "10", "0", "0"]])
    call_command("import_data", "premium_opening_balances", str(path), "--dry-run")
    assert "1 created" in capsys.readouterr().out
    assert not PremiumOpeningBalance.objects.exists()


def test_comes_before_hours_are_approved_and_never_changes(people, tmp_path, back_office_user):
    anna = people[0]
    approve(anna, back_office_user, [1])
    import_command(tmp_path, [["GM0014", "K-1002", "2026", "10", "0", "0"]])
    result = run(
        "premium_opening_balances",
        write_csv(
            tmp_path,
            [
                HEADER,
                ["GM0014", "K-1001", "2026", "10", "0", "0"],
                ["GM0014", "K-1002", "2026", "20", "0", "0"],
            ],
        ),
    )
    assert messages(result) == [
        "row 2, column year: K-1001 already has premium accrued or paid in the portal for "
        "2026: an opening balance comes first, before hours are approved.",
        "row 3, column year: K-1002 already has an opening balance for 2026 (accrued 10,00, "
        "paid 0,00, 0 payouts): it is not changed.",
    ]


def test_admin_upload_of_an_xlsx(people, tmp_path):
    anna = people[0]
    user = UserFactory(
        email="opening.premiums@operator.example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        mfa=True,
    )
    client = HttpClient()
    client.force_login(user)
    # number cells as a spreadsheet holds them, and Dutch text
    path = write_xlsx(
        tmp_path,
        [
            HEADER,
            ["GM0014", "K-1001", 2026, 1250.5, "800,25", 1],
            ["gm0014", "K-1002", "2026", "0", 0, 0],
        ],
        name="premies.xlsx",
    )
    url = "/admin/placements/import/"
    assert 'value="premium_opening_balances"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "kind": "premium_opening_balances",
            "file": SimpleUploadedFile("premies.xlsx", path.read_bytes()),
        },
    )
    assert response.status_code == 302  # to the job's page: checked in the background
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert 'id="import-preview"' in page
    assert not PremiumOpeningBalance.objects.exists()
    assert client.post(job_url)["Location"] == job_url
    assert 'href="/admin/premiums/premiumopeningbalance/"' in client.get(job_url).content.decode()
    balance = PremiumOpeningBalance.objects.get(candidate=anna)
    assert (balance.accrued, balance.paid, balance.payouts, balance.annual_cap) == (
        D("1250.50"),
        D("800.25"),
        1,
        D("3398.00"),
    )
    assert balance.created_by == user
    rows = {r.paid_before_go_live: r.amount for r in balance.ledger_rows.all()}
    assert rows == {True: D("800.25"), False: D("450.25")}
    assert AuditEvent.objects.get(action="import.premium_opening_balances").actor == user
    assert client.get("/admin/premiums/premiumopeningbalance/").status_code == 200


def test_documented_example_imports(people, tmp_path):
    result = run("premium_opening_balances", EXAMPLES / "premium_opening_balances.csv")
    assert messages(result) == []
    assert result.created == 3


# --- The service and the database -------------------------------------------------------------


def test_service_refuses_floats(people):
    with pytest.raises(TypeError):
        premium_opening_balance_record(
            actor=None, candidate=people[0], year=2026, accrued=10.5, paid=D("0"), payouts=0
        )


def test_service_refuses_a_year_without_a_cap(people):
    with pytest.raises(ValidationError) as error:
        premium_opening_balance_record(
            actor=None, candidate=people[0], year=2019, accrued=D("10"), paid=D("0"), payouts=0
        )
    assert error.value.message_dict == {"year": ["No annual premium cap is in force for 2019."]}


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"accrued": D("10"), "paid": D("20"), "payouts": 1}, "paid_within_accrued"),
        ({"accrued": D("4000"), "paid": D("0"), "payouts": 0}, "within_cap"),
        ({"accrued": D("10"), "paid": D("5"), "payouts": 3}, "at_most_two_payouts"),
        ({"accrued": D("10"), "paid": D("5"), "payouts": 0}, "paid_by_payouts"),
        ({"accrued": D("10"), "paid": D("0"), "payouts": 1}, "paid_by_payouts"),
    ],
)
def test_database_refuses_what_the_service_would(people, values, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        PremiumOpeningBalance.objects.create(
            candidate=people[0],
            year=2026,
            annual_cap=D("3398"),
            balance_date=datetime.date(2026, 12, 1),
            **values,
        )


def test_database_one_balance_per_candidate_and_year_and_opening_rows_only(people):
    balance = premium_opening_balance_record(
        actor=None, candidate=people[0], year=2026, accrued=D("10"), paid=D("5"), payouts=1
    )
    with pytest.raises(IntegrityError, match="once_per_year"), transaction.atomic():
        PremiumOpeningBalance.objects.create(
            candidate=people[0],
            year=2026,
            accrued=D("1"),
            paid=D("0"),
            payouts=0,
            annual_cap=D("3398"),
            balance_date=datetime.date(2026, 12, 1),
        )
    paid_row = balance.ledger_rows.get(paid_before_go_live=True)
    with pytest.raises(IntegrityError, match="paid_and_unpaid_once"), transaction.atomic():
        paid_row.pk = None
        paid_row.save()
    with pytest.raises(IntegrityError, match="paid_before_go_live_opening"), transaction.atomic():
        PremiumAccrual.objects.create(
            candidate=people[0],
            year=2026,
            work_date=datetime.date(2026, 9, 1),
            hours=D("8"),
            rate=D("2"),
            annual_cap=D("3398"),
            amount=D("16"),
            paid_before_go_live=True,
        )
