"""Do the hot queries keep their plans when the planner's statistics are wrong?

    .venv/bin/python bench/stale_statistics.py      # or: make bench (every benchmark)

On a database of its own (`<configured name>_bench_stale_statistics`, created, migrated,
dropped), `seed_demo` runs twice, each time in a transaction that is rolled back (as the demo
tests do), so both start from empty tables:

- floor: fresh statistics, and `seed_demo` refreshing them after each part (the normal case);
- stale: every project table as autovacuum leaves it after rolled-back rows (pages kept, zero
  rows counted: `relpages = 50, reltuples = 0`, no column statistics) and `seed_demo`'s
  refreshes switched off, so each query of the invoice run, the premium accrual, the payout
  runs and the settlements is planned as if its tables were empty.

Before these queries read by primary-key lists, the stale seed did not finish (one invoice
run lock took 70 s, the suite on the embedded PostgreSQL ran 17 to over 40 minutes); the ratio
stale/floor shows what is left of it. Statements slower than 250 ms in the stale run are
counted (auto_explain, when the server allows loading it, logs their plans).
"""

import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import _setup

SLOW_MS = 250


def _seed(*, stale: bool) -> tuple[float, int]:
    """Seed the demo in a rolled-back transaction; the seconds it took and, for the stale
    run, the number of statements slower than SLOW_MS."""
    from django.core.management import call_command
    from django.db import connection, transaction

    import demo.management.commands.seed_demo as seed_demo

    refresh = seed_demo.statistics_refresh
    slow: list[float] = []
    with connection.cursor() as cursor:
        if stale:
            cursor.execute(
                """UPDATE pg_class c SET relpages = 50, reltuples = 0 FROM pg_namespace n
                   WHERE n.oid = c.relnamespace AND n.nspname = 'public' AND c.relkind = 'r'
                     AND c.relname NOT LIKE 'django\\_%%' AND c.relname NOT LIKE 'auth\\_%%'"""
            )
            cursor.execute(
                """DELETE FROM pg_statistic s USING pg_class c, pg_namespace n
                   WHERE s.starelid = c.oid AND n.oid = c.relnamespace AND n.nspname = 'public'"""
            )
            seed_demo.statistics_refresh = lambda: None

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            if elapsed * 1000 > SLOW_MS:
                slow.append(elapsed)

    start = time.perf_counter()
    try:
        with connection.execute_wrapper(timed), transaction.atomic():
            call_command("seed_demo", stdout=io.StringIO())
            seconds = time.perf_counter() - start
            transaction.set_rollback(True)
    finally:
        seed_demo.statistics_refresh = refresh
    return seconds, len(slow)


def main() -> int:
    with _setup.bench_database(suffix="bench_stale_statistics"):
        floor, _ = _seed(stale=False)
        print(f"seed_demo with fresh statistics (floor): {floor:.1f} s", flush=True)
        stale, slow = _seed(stale=True)
        print(
            f"seed_demo with stale statistics (tables counted empty, no ANALYZE): {stale:.1f} s, "
            f"{slow} statements over {SLOW_MS} ms; ratio {stale / floor:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
