"""How fast is the hours import? 100,000 rows of a CSV file, validated and written.

Measured against a floor in the same run: PostgreSQL's COPY of the same rows into a scratch
temporary table with the columns of placements_timeentry (no parsing, no rules, no indexes).
The data it needs (candidates K-BENCH-*, clients with KvK 990000xx, approved assignments in
the first half of 2026) is created once and reused; the imported hours are removed again afterwards.

    python bench/import_hours.py [--rows N]
"""

import argparse
import csv
import datetime
import io
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _setup import django_setup

django_setup()

from django.db import connection, transaction
from django.utils import timezone

from demo.members import seed_members
from members.models import Municipality
from placements.imports import import_run
from placements.models import Assignment, Candidate, Client, TimeEntry

CANDIDATES = 1000
CLIENTS = 50
FIRST_DAY = datetime.date(2026, 1, 5)
LAST_DAY = datetime.date(2026, 6, 28)  # 25 weeks: not long
COLUMNS = [
    "assignment_id",
    "work_date",
    "hours",
    "status",
    "entered_by_id",
    "approved_by_id",
    "approved_at",
    "created_at",
    "updated_at",
]


def bench_data() -> list[Assignment]:
    """One approved assignment per bench candidate (created once, idempotently)."""
    seed_members(today=timezone.localdate())
    municipality = Municipality.objects.order_by("cbs_code").first()
    clients = [
        Client.objects.get_or_create(
            kvk_number=f"990000{n:02d}",
            defaults={
                "name": f"Bench opdrachtgever {n}",
                "billing_address": "Benchstraat 1",
                "billing_email": f"bench{n}@example.invalid",
            },
        )[0]
        for n in range(CLIENTS)
    ]
    assignments = []
    for n in range(CANDIDATES):
        candidate, _ = Candidate.objects.get_or_create(
            municipality=municipality,
            client_number=f"K-BENCH-{n:04d}",
            defaults={"first_name": "Bench", "last_name": f"{n}", "birth_date": "1980-01-01"},
        )
        assignment, _ = Assignment.objects.get_or_create(
            candidate=candidate,
            client=clients[n % CLIENTS],
            start_date=FIRST_DAY,
            defaults={
                "end_date": LAST_DAY,
                "hours_per_week": Decimal("20"),
                "work_description": "Benchmark",
                "hourly_rate": Decimal("16.50"),
                "status": Assignment.Status.APPROVED,
                "decided_at": timezone.now(),
            },
        )
        assignments.append(assignment)
    return assignments


def clean(assignments: list[Assignment]) -> None:
    TimeEntry.objects.filter(assignment__in=assignments).delete()


def rows_for(
    assignments: list[Assignment], count: int
) -> list[tuple[Assignment, datetime.date, str]]:
    days_each = -(-count // len(assignments))
    rows = []
    for index in range(count):
        assignment = assignments[index // days_each]
        day = FIRST_DAY + datetime.timedelta(days=index % days_each)
        rows.append((assignment, day, ("7,5", "8", "4,25", "6")[index % 4]))
    return rows


def write_csv(rows, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            [
                "municipality",
                "client_number",
                "kvk_number",
                "assignment_start_date",
                "work_date",
                "hours",
            ]
        )
        for assignment, day, hours in rows:
            writer.writerow(
                [
                    assignment.candidate.municipality.cbs_code,
                    assignment.candidate.client_number,
                    assignment.client.kvk_number,
                    f"{assignment.start_date:%d-%m-%Y}",
                    f"{day:%d-%m-%Y}",
                    hours,
                ]
            )


def copy_floor(rows) -> float:
    """COPY of the same rows, as timeentry columns, into a scratch temporary table."""
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for assignment, day, hours in rows:
        writer.writerow(
            [
                assignment.pk,
                day.isoformat(),
                hours.replace(",", "."),
                "entered",
                "",
                "",
                "",
                now,
                now,
            ]
        )
    data = buffer.getvalue()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_timeentry "
            "(LIKE placements_timeentry INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP"
        )
        start = time.perf_counter()
        with cursor.cursor.copy(
            f"COPY bench_timeentry ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(data)
        seconds = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM bench_timeentry")
        assert cursor.fetchone()[0] == len(rows)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    created = bench_data()
    assignments = list(
        Assignment.objects.filter(pk__in=[a.pk for a in created]).select_related(
            "candidate__municipality", "client"
        )
    )
    rows = rows_for(assignments, args.rows)
    clean(assignments)
    import_seconds = []
    floor_seconds = []
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "hours.csv"
        write_csv(rows, path)
        try:
            for _ in range(args.repeat):
                floor_seconds.append(copy_floor(rows))
                start = time.perf_counter()
                result = import_run(
                    kind="hours", path=path, file_name=path.name, actor=None, dry_run=False
                )
                import_seconds.append(time.perf_counter() - start)
                assert result.ok and result.created == len(rows), result.issues[:5]
                clean(assignments)
        finally:
            clean(assignments)
    seconds, floor = min(import_seconds), min(floor_seconds)
    print(
        f"hours import: {len(rows) / seconds:,.0f} rows/s ({seconds:.2f} s for {len(rows):,} rows); "
        f"COPY floor {len(rows) / floor:,.0f} rows/s ({floor:.2f} s); ratio {seconds / floor:.1f}x "
        f"(aim: within 10x)"
    )


if __name__ == "__main__":
    main()
