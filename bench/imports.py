"""How fast is each import through the admin's code path? Candidates, clients, assignments
and hours, each a CSV file uploaded as the admin does (placements.imports.jobs: stored,
checked by its task, confirmed, written by its task; the tasks in-process, as without a
broker), on a database of its own.

Per type: rows/s of the check (a dry run) and of the write, and the peak memory of the two
(VmHWM, reset before each type). The floor, measured in the same run: PostgreSQL's COPY of
the same file into a scratch table of text columns (no parsing, no rules, no indexes); the
ratio is the write's time over the floor's.

    python bench/imports.py                 # 5,000 candidates, 1,000 clients, 3,000
                                            # assignments, 100,000 hours
    python bench/imports.py --big           # 50,000 candidates and 500,000 hours: the sizes
                                            # the limits must let through (minutes)
    python bench/imports.py --candidates N --hours N ...
"""

import argparse
import csv
import datetime
import logging
import tempfile
import time
from pathlib import Path

from _setup import bench_database, django_setup

FIRST_DAY = datetime.date(2026, 1, 5)
LAST_DAY = datetime.date(2026, 6, 28)  # 25 weeks: not long
DAYS = (LAST_DAY - FIRST_DAY).days + 1
MUNICIPALITY = "GM0014"


def bsn(number: int) -> str | None:
    """A valid (11-proof) BSN made from `number`, or None for the tenth that has none."""
    digits = f"{10_000_000 + number:08d}"
    total = sum(int(digit) * weight for digit, weight in zip(digits, range(9, 1, -1), strict=True))
    check = total % 11
    return None if check == 10 else digits + str(check)


def candidate_rows(count: int) -> list[list[str]]:
    rows, number = [], 0
    while len(rows) < count:
        number += 1
        if (value := bsn(number)) is None:
            continue
        index = len(rows)
        rows.append(
            [
                MUNICIPALITY,
                f"K-{index:06d}",
                "Bench",
                f"Kandidaat {index}",
                "17-05-1985",
                value,
                "",
                "active",
                "",
                "nee",
            ]
        )
    return rows


def client_rows(count: int) -> list[list[str]]:
    return [
        [
            f"9{index:07d}",
            f"Bench opdrachtgever {index}",
            "",
            "Benchstraat 1\n9711 LV Groningen",
            f"bench{index}@example.invalid",
            "",
            "",
            "",
        ]
        for index in range(count)
    ]


def assignment_rows(count: int, *, clients: int) -> list[list[str]]:
    return [
        [
            MUNICIPALITY,
            f"K-{index:06d}",
            f"9{index % clients:07d}",
            f"{FIRST_DAY:%d-%m-%Y}",
            f"{LAST_DAY:%d-%m-%Y}",
            "12",  # not large: approved without a sign-off
            "Benchmark",
            "16,50",
        ]
        for index in range(count)
    ]


def hours_rows(count: int, *, assignments: int, clients: int) -> list[list[str]]:
    days_each = -(-count // assignments)
    if days_each > DAYS:
        raise SystemExit(f"{count} hours need more than {assignments} assignments of {DAYS} days")
    rows = []
    for index in range(count):
        candidate = index // days_each
        day = FIRST_DAY + datetime.timedelta(days=index % days_each)
        rows.append(
            [
                MUNICIPALITY,
                f"K-{candidate:06d}",
                f"9{candidate % clients:07d}",
                f"{FIRST_DAY:%d-%m-%Y}",
                f"{day:%d-%m-%Y}",
                ("7,5", "8", "4,25", "6")[index % 4],
            ]
        )
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)


def peak_reset() -> None:
    """Reset this process's peak resident memory (Linux: clear_refs 5)."""
    Path("/proc/self/clear_refs").write_text("5")


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return _status_mb("VmHWM")


def resident_mb() -> float:
    return _status_mb("VmRSS")


def copy_floor(path: Path, columns: int) -> float:
    """COPY of the file into a scratch temporary table of text columns."""
    from django.db import connection, transaction

    names = ", ".join(f"c{n} text" for n in range(columns))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_floor ({names}) ON COMMIT DROP")
        start = time.perf_counter()
        with (
            cursor.cursor.copy(
                "COPY bench_floor FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')"
            ) as copy,
            path.open("rb") as handle,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        return time.perf_counter() - start


def through_admin(kind: str, path: Path, user) -> tuple[float, float, float, float]:
    """Upload, check, confirm, write as the admin does; (check s, write s, peak MB, the
    resident MB before it)."""
    from django.core.files import File

    from placements.imports.jobs import import_job_confirm, import_job_create
    from placements.models import ImportJob

    peak_reset()
    before = resident_mb()
    start = time.perf_counter()
    with path.open("rb") as handle:
        job = import_job_create(kind=kind, upload=File(handle, name=path.name), user=user)
    checked = time.perf_counter()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, (job.status, job.issues[:5])
    import_job_confirm(job=job, user=user)
    written = time.perf_counter()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, (job.status, job.issues[:5])
    assert job.created == job.rows, (job.created, job.rows)
    return checked - start, written - checked, peak_mb(), before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--assignments", type=int, default=3_000)
    parser.add_argument("--hours", type=int, default=100_000)
    parser.add_argument("--big", action="store_true", help="50,000 candidates, 500,000 hours")
    parser.add_argument("--database-suffix", default="imports", help="of the bench database")
    args = parser.parse_args()
    if args.big:
        args.candidates, args.hours = 50_000, 500_000
    args.assignments = min(args.assignments, args.candidates)

    with bench_database(suffix=args.database_suffix):
        django_setup()
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from demo.members import seed_members
        from nvsi_portal.celery import app
        from placements.models import Assignment

        app.conf.task_always_eager = True  # the tasks in this process, as without a broker
        logging.getLogger("celery").setLevel(logging.WARNING)
        seed_members(today=timezone.localdate())
        user = get_user_model().objects.create_user(
            email="bench.import@example.invalid", is_staff=True
        )
        plan = [  # each file made when its turn comes: the rows are not in memory before
            ("candidates", lambda: candidate_rows(args.candidates)),
            ("clients", lambda: client_rows(args.clients)),
            ("assignments", lambda: assignment_rows(args.assignments, clients=args.clients)),
            (
                "hours",
                lambda: hours_rows(args.hours, assignments=args.assignments, clients=args.clients),
            ),
        ]
        from placements.imports import import_columns

        with tempfile.TemporaryDirectory() as directory:
            for kind, make in plan:
                if kind == "hours":  # hours need approved assignments
                    Assignment.objects.update(  # bench data: no sign-off needed
                        status=Assignment.Status.APPROVED,
                        decided_at=timezone.now(),
                        is_large_or_long=False,
                        is_long=False,
                        is_large_hours=False,
                        is_large_concurrent=False,
                    )
                rows = make()
                header = import_columns(kind)
                header = header[: len(rows[0])]
                path = Path(directory) / f"{kind}.csv"
                write_csv(path, header, rows)
                count = len(rows)
                del rows
                floor = copy_floor(path, len(header))
                check, write, peak, before = through_admin(kind, path, user)
                size = path.stat().st_size / (1024 * 1024)
                print(
                    f"{kind}: {count:,} rows ({size:.1f} MB): check {count / check:,.0f} rows/s "
                    f"({check:.1f} s), write {count / write:,.0f} rows/s ({write:.1f} s); "
                    f"COPY floor {count / floor:,.0f} rows/s ({floor:.2f} s); ratio "
                    f"{write / floor:.0f}x; peak memory {peak:.0f} MB ({before:.0f} MB before)",
                    flush=True,
                )


if __name__ == "__main__":
    main()
