"""How fast is a whole half-year of settlements at national scale?

    .venv/bin/python bench/settlement.py                      # 1,000,000 time entries
    .venv/bin/python bench/settlement.py --entries 10000000   # the design target's 10 million
    .venv/bin/python bench/settlement.py --keep               # leave the database for EXPLAIN
    make bench                                                # every benchmark, this one too

On a database of its own, `<the configured database>_bench_settlement` on the server of
DATABASE_URL (or the embedded one under var/), created, migrated and dropped again. Set-based
SQL (INSERT ... SELECT generate_series) makes national scale in about a minute:

- 342 municipalities in 35 regions with an active membership, the general framework, the
  premium caps; 5,000 clients; 50,000 candidates, one approved assignment each (more when
  the entries need it: at most 120 entries per assignment in the half-year's 182 days);
- the time entries of December 2025 to May 2026, invoiced by monthly invoices dated the
  5th of the month after (all in 2026-H1): one invoice per client and month, one line per
  assignment and month, a link per entry. Invoices are inserted as drafts with their lines
  and links, then issued, so the immutability triggers (billing migration 0002) stay on;
- a premium accrual per entry (2.00 per hour); 1 in 97 entries was set back and approved
  again with other hours (accrual reversed, a reversal row, a later accrual): the figures
  must take the later one;
- credit notes for 1 in 200 invoice lines (the line's entries credited, their accruals
  reversed), half dated in June 2026 (in the half-year), half in July 2026 (the next one:
  not in this settlement).

Then, in the same run:
- floor: one hand-written SQL statement computing G and P for every municipality of 2026-H1
  with the same joins and the same "last accrual" rule (best of 3, after a warm-up);
- old: settlement_compute for each of the 342 municipalities (one transaction each: figures,
  terms, breakdown rows, audit record), rolled back afterwards (`--skip-old` skips it);
- the run by region: the set-based run with a transaction per labour-market region
  (settlements.services.runs.SETTLE_CHUNK = "region"), rolled back afterwards;
- run: the real code path, `settlement_run_period` (settlements.services.runs), set-based in
  one transaction for the half-year (settlements.services.half_year). Its G and P are checked
  against the floor's, and every figure and breakdown row against the old path's, to the cent;
- the run again over its own drafts with nothing changed (no breakdown row rewritten), and the
  dead rows the runs leave (pg_stat_user_tables);
- statement PDF: settlements.services.statement's HTML of one settlement rendered by core.pdf,
  against bare WeasyPrint on the same HTML (skipped with a message while that module is not
  there).

The generator is set-based too, and ANALYZEs each table after filling it: the statements after
it join that table, and a planner that believes it empty picks nested loops over it (building
the invoice lines at 10 M entries took 353 s of 772 s that way).
"""

import argparse
import contextlib
import datetime
import functools
import os
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import _setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvsi_portal.settings")
os.environ.setdefault("SECRET_KEY", "insecure-benchmark-only-key")

PERIOD = "2026-H1"
FIRST_WORK_DAY = datetime.date(2025, 12, 1)
WORK_DAYS = 182  # 1 December 2025 to 31 May 2026
MAX_ENTRIES_PER_ASSIGNMENT = 120
REGIONS = 35

FLOOR_SQL = """
WITH last_accrual AS (
    SELECT a.time_entry_id, a.amount
    FROM premiums_premiumaccrual a
    WHERE a.kind = 'accrual' AND NOT EXISTS (
        SELECT 1 FROM premiums_premiumaccrual b
        WHERE b.time_entry_id = a.time_entry_id AND b.kind = 'accrual' AND b.id > a.id)
), invoiced AS (
    SELECT l.municipality_id AS m, SUM(l.amount) AS g
    FROM billing_invoiceline l JOIN billing_invoice i ON i.id = l.invoice_id
    WHERE i.status = 'issued' AND i.invoice_date BETWEEN %(start)s AND %(end)s
    GROUP BY 1
), credited AS (
    SELECT l.municipality_id AS m, SUM(l.amount) AS g
    FROM billing_creditnoteline l JOIN billing_creditnote c ON c.id = l.credit_note_id
    WHERE c.status = 'issued' AND c.credit_date BETWEEN %(start)s AND %(end)s
    GROUP BY 1
), premium_invoiced AS (
    SELECT l.municipality_id AS m, SUM(a.amount) AS p
    FROM billing_invoice i
    JOIN billing_invoiceline l ON l.invoice_id = i.id
    JOIN billing_invoicelineentry e ON e.line_id = l.id
    JOIN last_accrual a ON a.time_entry_id = e.time_entry_id
    WHERE i.status = 'issued' AND i.invoice_date BETWEEN %(start)s AND %(end)s
    GROUP BY 1
), premium_credited AS (
    SELECT l.municipality_id AS m, SUM(a.amount) AS p
    FROM billing_creditnote c
    JOIN billing_creditnoteline l ON l.credit_note_id = c.id
    JOIN billing_creditnotelineentry e ON e.line_id = l.id
    JOIN last_accrual a ON a.time_entry_id = e.time_entry_id
    WHERE c.status = 'issued' AND c.credit_date BETWEEN %(start)s AND %(end)s
    GROUP BY 1
)
SELECT m.id,
       COALESCE(invoiced.g, 0) - COALESCE(credited.g, 0),
       COALESCE(premium_invoiced.p, 0) - COALESCE(premium_credited.p, 0)
FROM members_municipality m
LEFT JOIN invoiced ON invoiced.m = m.id
LEFT JOIN credited ON credited.m = m.id
LEFT JOIN premium_invoiced ON premium_invoiced.m = m.id
LEFT JOIN premium_credited ON premium_credited.m = m.id
"""


# --- The database of its own ----------------------------------------------------------------


bench_database = functools.partial(_setup.bench_database, suffix="bench_settlement")


# --- National scale, set-based ----------------------------------------------------------------


_TARGET = re.compile(r"(?:INSERT INTO|UPDATE|CREATE TEMPORARY TABLE)\s+(\w+)", re.IGNORECASE)


def _step(cursor, label: str, statement: str, params=None) -> None:
    """One set-based statement, then ANALYZE of the table it wrote: the next statements join
    it, and a planner that believes a just-filled table empty chooses nested loops over it
    (building the invoice lines at 10 M entries took 353 s of the 772 s that way, a
    sequential scan of the invoices per line)."""
    start = time.perf_counter()
    cursor.execute(statement, params or {})  # always with params: `%%` is a literal `%`
    rows = cursor.rowcount
    target = _TARGET.search(statement)
    if target:
        cursor.execute(f"ANALYZE {target.group(1)}")
    print(f"  {label}: {rows:,} rows in {time.perf_counter() - start:.1f} s", flush=True)


# The big tables: their foreign keys are checked once after the load (one anti-join each, as
# pg_restore does) instead of row by row at commit. Check constraints and triggers stay on.
BULK_TABLES = [
    "placements_timeentry",
    "premiums_premiumaccrual",
    "billing_invoiceline",
    "billing_invoicelineentry",
    "billing_creditnoteline",
    "billing_creditnotelineentry",
]


@contextlib.contextmanager
def foreign_keys_checked_after(cursor):
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
           FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])""",
        [BULK_TABLES],
    )
    keys = cursor.fetchall()
    for table, name, _definition in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    start = time.perf_counter()
    for table, name, definition in keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    print(f"  {len(keys)} foreign keys checked in {time.perf_counter() - start:.1f} s")


def _reference_data(municipalities: int) -> None:
    """Regions, municipalities and memberships (the ORM: few rows). The premium caps and the
    general framework come with the migrations (members.reference_data)."""
    from members.models import LabourMarketRegion, Membership, Municipality

    regions = LabourMarketRegion.objects.bulk_create(
        [LabourMarketRegion(name=f"Bench-regio {n:02d}") for n in range(REGIONS)]
    )
    towns = Municipality.objects.bulk_create(
        [
            Municipality(
                cbs_code=f"GM{n:04d}", name=f"Bench-gemeente {n:03d}", region=regions[n % REGIONS]
            )
            for n in range(1, municipalities + 1)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                municipality=town,
                status=Membership.Status.ACTIVE,
                start_date=datetime.date(2025, 1, 1),
            )
            for town in towns
        ]
    )
    # The premium caps and the general framework come with the migrations
    # (members.reference_data).


def generate(*, entries: int, municipalities: int, clients: int, candidates: int) -> dict:
    from django.db import connection, transaction

    assignments = max(candidates, -(-entries // MAX_ENTRIES_PER_ASSIGNMENT))
    per_assignment = -(-entries // assignments)
    step = WORK_DAYS // per_assignment
    params = {
        "entries": entries,
        "clients": clients,
        "municipalities": municipalities,
        "assignments": assignments,
        "step": step,
        "first_day": FIRST_WORK_DAY,
    }
    _reference_data(municipalities)
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        foreign_keys_checked_after(cursor),
    ):
        _step(
            cursor,
            "clients",
            """
            INSERT INTO placements_client (name, kvk_number, vat_number, billing_address,
                billing_email, contact_person, invoice_reference, created_at, updated_at)
            SELECT 'Bench-opdrachtgever ' || n, lpad((90000000 + n)::text, 8, '0'), '',
                   'Benchstraat ' || n || E'\\n1000 AA Amsterdam',
                   'bench' || n || '@example.invalid', '', '', now(), now()
            FROM generate_series(1, %(clients)s) n
            """,
            params,
        )
        # One candidate per assignment, spread over the municipalities in id order.
        _step(
            cursor,
            "candidates",
            """
            WITH m AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                       FROM members_municipality)
            INSERT INTO placements_candidate (municipality_id, client_number, first_name,
                last_name, birth_date, bsn_encrypted, bsn_hash, bsn_last_digits, iban, status,
                wage_cost_subsidy, street, house_number, postcode, city, created_at, updated_at)
            SELECT m.id, 'B' || lpad(n::text, 7, '0'), 'Bench', 'Kandidaat ' || n,
                   DATE '1980-01-01', '', '', '', '', 'active', false, '', '', '', '',
                   now(), now()
            FROM generate_series(0, %(assignments)s - 1) n
            JOIN m ON m.k = n %% %(municipalities)s
            """,
            params,
        )
        _step(
            cursor,
            "assignments",
            """
            WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                       FROM placements_client)
            INSERT INTO placements_assignment (candidate_id, client_id, start_date, end_date,
                hours_per_week, work_description, hourly_rate, status, rejection_reason,
                decided_at, is_long, is_large_hours, is_large_concurrent, is_large_or_long,
                sign_off_reason, created_at, updated_at)
            SELECT k.id, c.id, DATE '2025-12-01', DATE '2026-05-31', 20, 'Benchmark',
                   14.71 + (k.id %% 50) / 10.0, 'approved', '', now(),
                   false, false, false, false, '', now(), now()
            FROM placements_candidate k JOIN c ON c.k = k.id %% %(clients)s
            """,
            params,
        )
        # Entry n: assignment n mod A, its (n div A)-th work day, `step` days apart.
        _step(
            cursor,
            "time entries",
            """
            WITH a AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                       FROM placements_assignment)
            INSERT INTO placements_timeentry (assignment_id, work_date, hours, status,
                approved_at, created_at, updated_at)
            SELECT a.id,
                   %(first_day)s::date + ((n / %(assignments)s) * %(step)s
                                          + a.k %% %(step)s)::int,
                   1 + (n * 7 %% 32) / 4.0, 'invoiced', now(), now(), now()
            FROM generate_series(0, %(entries)s - 1) n
            JOIN a ON a.k = n %% %(assignments)s
            """,
            params,
        )
        # Premiums: 1 in 97 entries was set back and approved again with other hours (the
        # first accrual reversed, a reversal row), then every entry's live accrual, later.
        _step(
            cursor,
            "accruals reversed before the invoice",
            """
            INSERT INTO premiums_premiumaccrual (kind, time_entry_id, candidate_id, year,
                work_date, hours, rate, annual_cap, amount, capped_amount, reason, paid_before_go_live,
                reversed_at, created_at)
            SELECT 'accrual', e.id, a.candidate_id, extract(year FROM e.work_date),
                   e.work_date, e.hours + 1, 2.00, 3398, (e.hours + 1) * 2.00, 0, '',
                   false, now(), now()
            FROM placements_timeentry e JOIN placements_assignment a ON a.id = e.assignment_id
            WHERE e.id %% 97 = 0
            """,
        )
        _step(
            cursor,
            "their reversals",
            """
            INSERT INTO premiums_premiumaccrual (kind, reverses_id, time_entry_id, candidate_id,
                year, work_date, hours, rate, annual_cap, amount, capped_amount, reason, paid_before_go_live,
                created_at)
            SELECT 'reversal', id, time_entry_id, candidate_id, year, work_date, -hours, rate,
                   annual_cap, -amount, 0, '', false, now()
            FROM premiums_premiumaccrual
            """,
        )
        _step(
            cursor,
            "live accruals",
            """
            INSERT INTO premiums_premiumaccrual (kind, time_entry_id, candidate_id, year,
                work_date, hours, rate, annual_cap, amount, capped_amount, reason, paid_before_go_live, created_at)
            SELECT 'accrual', e.id, a.candidate_id, extract(year FROM e.work_date),
                   e.work_date, e.hours, 2.00, 3398, e.hours * 2.00, 0, '', false, now()
            FROM placements_timeentry e JOIN placements_assignment a ON a.id = e.assignment_id
            ORDER BY e.id
            """,
        )
        # Invoices: drafts with their lines and links, then issued (the triggers allow it).
        _step(
            cursor,
            "draft invoices",
            """
            INSERT INTO billing_invoice (client_id, period, status, payment_reference,
                subtotal, client_name, client_address, client_kvk_number, client_vat_number,
                client_contact, client_reference, pdf, created_at, updated_at)
            SELECT DISTINCT a.client_id, date_trunc('month', e.work_date)::date, 'draft', '',
                   0, '', '', '', '', '', '', '', now(), now()
            FROM placements_timeentry e JOIN placements_assignment a ON a.id = e.assignment_id
            """,
        )
        _step(
            cursor,
            "invoice lines",
            """
            INSERT INTO billing_invoiceline (invoice_id, assignment_id, municipality_id,
                candidate_name, candidate_client_number, description, hours, rate, amount)
            SELECT i.id, a.id, k.municipality_id, k.first_name || ' ' || k.last_name,
                   k.client_number, a.work_description, s.hours, a.hourly_rate,
                   round(s.hours * a.hourly_rate, 2)
            FROM (SELECT assignment_id, date_trunc('month', work_date)::date AS month,
                         sum(hours) AS hours
                  FROM placements_timeentry GROUP BY 1, 2) s
            JOIN placements_assignment a ON a.id = s.assignment_id
            JOIN placements_candidate k ON k.id = a.candidate_id
            JOIN billing_invoice i ON i.client_id = a.client_id AND i.period = s.month
            """,
        )
        _step(
            cursor,
            "invoiced entries (one trigger call each)",
            """
            INSERT INTO billing_invoicelineentry (line_id, time_entry_id)
            SELECT l.id, e.id
            FROM placements_timeentry e
            JOIN billing_invoiceline l ON l.assignment_id = e.assignment_id
            JOIN billing_invoice i ON i.id = l.invoice_id
                AND i.period = date_trunc('month', e.work_date)::date
            """,
        )
        _step(
            cursor,
            "invoices issued",
            """
            WITH s AS (SELECT invoice_id, sum(amount) AS subtotal
                       FROM billing_invoiceline GROUP BY 1),
                 n AS (SELECT i.id, row_number() OVER (ORDER BY i.period, i.client_id) AS seq,
                              (i.period + interval '1 month' + interval '4 days')::date AS day
                       FROM billing_invoice i)
            UPDATE billing_invoice i
            SET status = 'issued',
                number = extract(year FROM n.day) || '-' || lpad(n.seq::text, 6, '0'),
                invoice_date = n.day, due_date = n.day + 14, vat_percentage = 21,
                subtotal = s.subtotal, vat_amount = round(s.subtotal * 0.21, 2),
                total = s.subtotal + round(s.subtotal * 0.21, 2),
                payment_reference = 'RF00BENCH' || n.seq,
                client_name = c.name, client_address = c.billing_address,
                client_kvk_number = c.kvk_number, issued_at = now()
            FROM s, n, placements_client c
            WHERE s.invoice_id = i.id AND n.id = i.id AND c.id = i.client_id
            """,
        )
        # Credit notes: 1 in 200 lines credited in full, half in June, half in July 2026.
        _step(
            cursor,
            "draft credit notes",
            """
            CREATE TEMPORARY TABLE bench_credited ON COMMIT DROP AS
            SELECT l.id AS line_id, l.invoice_id, l.amount,
                   row_number() OVER (ORDER BY l.id) AS seq
            FROM billing_invoiceline l WHERE l.id %% 200 = 0
            """,
        )
        cursor.execute(
            """
            INSERT INTO billing_creditnote (invoice_id, status, credit_date, reason, is_full,
                vat_percentage, subtotal, vat_amount, total, pdf, created_at)
            SELECT invoice_id, 'draft',
                   CASE WHEN seq %% 2 = 0 THEN DATE '2026-06-22' ELSE DATE '2026-07-06' END,
                   'Benchmark ' || line_id, false, 21, amount, round(amount * 0.21, 2),
                   amount + round(amount * 0.21, 2), '', now()
            FROM bench_credited ORDER BY seq
            """,
            params,
        )
        _step(
            cursor,
            "credit note lines",
            """
            INSERT INTO billing_creditnoteline (credit_note_id, invoice_line_id, municipality_id,
                candidate_name, hours, rate, amount)
            SELECT c.id, l.id, l.municipality_id, l.candidate_name, l.hours, l.rate, l.amount
            FROM billing_creditnote c
            JOIN billing_invoiceline l ON c.reason = 'Benchmark ' || l.id
            """,
        )
        _step(
            cursor,
            "credited entries",
            """
            INSERT INTO billing_creditnotelineentry (line_id, time_entry_id)
            SELECT cl.id, le.time_entry_id
            FROM billing_creditnoteline cl
            JOIN billing_invoicelineentry le ON le.line_id = cl.invoice_line_id
            """,
        )
        cursor.execute(
            """
            UPDATE placements_timeentry SET status = 'credited'
            WHERE id IN (SELECT time_entry_id FROM billing_creditnotelineentry)
            """,
            params,
        )
        # The premium service reverses a credited entry's accrual.
        cursor.execute(
            """
            WITH live AS (
                UPDATE premiums_premiumaccrual SET reversed_at = now()
                WHERE kind = 'accrual' AND reversed_at IS NULL
                  AND time_entry_id IN (SELECT time_entry_id FROM billing_creditnotelineentry)
                RETURNING *)
            INSERT INTO premiums_premiumaccrual (kind, reverses_id, time_entry_id, candidate_id,
                year, work_date, hours, rate, annual_cap, amount, capped_amount, reason, paid_before_go_live,
                created_at)
            SELECT 'reversal', id, time_entry_id, candidate_id, year, work_date, -hours, rate,
                   annual_cap, -amount, 0, '', false, now()
            FROM live
            """,
            params,
        )
        _step(
            cursor,
            "credit notes issued",
            """
            WITH n AS (SELECT id, row_number() OVER (ORDER BY credit_date, id) AS seq
                       FROM billing_creditnote)
            UPDATE billing_creditnote c
            SET status = 'issued', number = 'C2026-' || lpad(n.seq::text, 6, '0'),
                issued_at = now()
            FROM n WHERE n.id = c.id
            """,
        )
    with connection.cursor() as cursor:
        for table in (
            "placements_timeentry",
            "premiums_premiumaccrual",
            "billing_invoice",
            "billing_invoiceline",
            "billing_invoicelineentry",
            "billing_creditnote",
            "billing_creditnoteline",
            "billing_creditnotelineentry",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(
            """SELECT (SELECT count(*) FROM placements_timeentry),
                      (SELECT count(*) FROM billing_invoice),
                      (SELECT count(*) FROM billing_invoiceline),
                      (SELECT count(*) FROM billing_creditnote),
                      (SELECT count(*) FROM premiums_premiumaccrual)"""
        )
        counts = cursor.fetchone()
    return dict(
        zip(
            ["entries", "invoices", "lines", "credit notes", "accruals"],
            counts,
            strict=True,
        ),
        assignments=assignments,
    )


# --- The measurements ---------------------------------------------------------------------


def floor_figures(period) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, {"start": period.start, "end": period.end})
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _members(period):
    from settlements.services.runs import settlement_run_municipalities

    return list(settlement_run_municipalities(period=period))


def snapshot(period) -> dict:
    """Every settlement of the half-year: its figures and its breakdown rows, as text."""
    from settlements.models import Settlement
    from settlements.services.settlements import FIGURE_FIELDS

    lines: dict = {}
    for row in Settlement.objects.filter(year=period.year, half=period.half).values_list(
        "municipality_id",
        "lines__kind",
        "lines__month",
        "lines__client_id",
        "lines__client_name",
        "lines__hours",
        "lines__gross",
        "lines__premiums",
    ):
        lines.setdefault(row[0], []).append(tuple(str(v) for v in row[1:]))
    return {
        s.municipality_id: (
            tuple(str(getattr(s, f)) for f in (*FIGURE_FIELDS, "invoice_line_count")),
            sorted(lines.get(s.municipality_id, [])),
        )
        for s in Settlement.objects.filter(year=period.year, half=period.half)
    }


def old_per_municipality(period) -> tuple[float, dict]:
    """The old code path: settlement_compute for each member municipality (one statement of
    figures, the terms, the writes and the audit record each), in a transaction rolled back
    afterwards. Returns its seconds and its settlements."""
    from django.db import transaction

    from settlements.services import settlement_compute

    towns = _members(period)
    with transaction.atomic():
        start = time.perf_counter()
        for town in towns:
            settlement_compute(municipality=town, period=period)
        seconds = time.perf_counter() - start
        result = snapshot(period)
        transaction.set_rollback(True)
    return seconds, result


def run_half_year(period, *, chunk: str = "half-year", keep: bool = True) -> float:
    """The real code path: the run service in this process (`manage.py run_settlement`),
    set-based (settlements.services.half_year) by half-year or by region. Not kept: in a
    transaction rolled back afterwards. Returns its seconds."""
    from django.db import transaction

    from settlements.services import runs

    runs.SETTLE_CHUNK = chunk
    try:
        with transaction.atomic():
            start = time.perf_counter()
            run = runs.settlement_run_period(period=period, actor=None)
            seconds = time.perf_counter() - start
            assert run.status == "done" and run.done == run.total, (run.status, run.error)
            transaction.set_rollback(not keep)
    finally:
        runs.SETTLE_CHUNK = "half-year"
    return seconds


def dead_rows() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT relname, n_live_tup, n_dead_tup FROM pg_stat_user_tables
               WHERE relname IN ('settlements_settlement', 'settlements_settlementline',
                                 'settlements_settlementrunitem', 'core_auditevent')
               ORDER BY relname"""
        )
        return ", ".join(f"{name} {live:,} live / {dead:,} dead" for name, live, dead in cursor)


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "settlements_settlement",
            "settlements_settlementline",
            "settlements_settlementrun",
            "settlements_settlementrunitem",
            "core_auditevent",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def statement_pdf(repeat: int) -> str:
    """Seconds per statement PDF against bare WeasyPrint on the same HTML. The settlement
    with the most clients is submitted and approved inside a transaction that is rolled back
    afterwards (so the approval's task, queued on commit, never runs here)."""
    try:
        from settlements.services.statement import settlement_statement_html
    except ImportError:
        return "statement PDF: skipped, settlements.services.statement is not there yet"
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.db.models import Count
    from django.test.utils import override_settings
    from weasyprint import HTML

    from accounts.models import User
    from accounts.roles import Role
    from core.pdf import html_to_pdf
    from settlements.models import Settlement
    from settlements.services import settlement_approve, settlement_submit

    plain = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain), transaction.atomic():
        users = {}
        for role in (Role.BACK_OFFICE, Role.TREASURER):
            users[role] = User.objects.create_user(
                email=f"bench.{role.value}@example.invalid", is_staff=role == Role.BACK_OFFICE
            )
            users[role].groups.add(Group.objects.get(name=role.value))
        settlement = (
            Settlement.objects.annotate(rows=Count("lines")).order_by("-rows", "pk").first()
        )
        settlement_submit(settlement=settlement, actor=users[Role.BACK_OFFICE])
        settlement = settlement_approve(settlement=settlement, actor=users[Role.TREASURER])
        html = settlement_statement_html(settlement)
        static_dir = settings.BASE_DIR / "static"
        bare_html = html.replace('"/static/', f'"{static_dir.as_uri()}/')
        html_to_pdf(html)  # warm up fonts and caches
        pages = len(HTML(string=bare_html).render().pages)
        ours, bare = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            html_to_pdf(settlement_statement_html(settlement))
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            HTML(string=bare_html).write_pdf()
            bare.append(time.perf_counter() - start)
        rows = settlement.lines.count()
        transaction.set_rollback(True)
    ours_s, bare_s = min(ours), min(bare)
    return (
        f"statement PDF ({rows} breakdown rows, {pages} pages): {ours_s:.3f} s per statement "
        f"(best of {repeat}); bare WeasyPrint on the same HTML {bare_s:.3f} s; ratio "
        f"{ours_s / bare_s:.2f}x; 342 statements: {342 * ours_s / 60:.1f} worker-minutes "
        f"(rendered in parallel by the workers, one task per approval)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--municipalities", type=int, default=342)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--candidates", type=int, default=50_000)
    parser.add_argument("--pdf-repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--skip-old", action="store_true", help="skip the old per-municipality path"
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f})")

    with bench_database(keep=args.keep):
        from django.db import connection

        from settlements.models import Period

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            print(f"PostgreSQL {cursor.fetchone()[0]}")
        period = Period.parse(PERIOD)
        start = time.perf_counter()
        counts = generate(
            entries=args.entries,
            municipalities=args.municipalities,
            clients=args.clients,
            candidates=args.candidates,
        )
        print(
            f"generated in {time.perf_counter() - start:.1f} s: "
            + ", ".join(f"{value:,} {key}" for key, value in counts.items())
        )

        floor_figures(period)  # warm the cache
        floor_seconds = _best(lambda: floor_figures(period), repeat=3)
        expected = floor_figures(period)
        entries = counts["entries"]
        print(
            f"floor (one SQL statement: G and P of every municipality): "
            f"{floor_seconds:.3f} s ({floor_seconds / entries * 1e6:.2f} s per million entries)"
        )

        if not args.skip_old:
            old_seconds, old = old_per_municipality(period)
            vacuum()  # the rolled-back rows
            print(
                f"old (settlement_compute per municipality, {len(old)} transactions): "
                f"{old_seconds:.2f} s, ratio {old_seconds / floor_seconds:.2f}x"
            )
        region_seconds = run_half_year(period, chunk="region", keep=False)
        vacuum()
        print(
            f"set-based run by region (a transaction per labour-market region): "
            f"{region_seconds:.2f} s, ratio {region_seconds / floor_seconds:.2f}x"
        )

        seconds = run_half_year(period)
        new = snapshot(period)
        stored = {m: (Decimal(f[0][1]), Decimal(f[0][2])) for m, f in new.items()}
        wrong = {m: (stored.get(m), v) for m, v in expected.items() if stored.get(m) != v}
        assert not wrong, f"run and floor disagree: {list(wrong.items())[:5]}"
        print(
            f"run (settlement_run_period, set-based, one transaction per half-year): "
            f"{len(new)} settlements of {period} over {entries:,} time entries in "
            f"{seconds:.2f} s; G and P equal the floor's to the cent"
        )
        print(f"ratio run / floor: {seconds / floor_seconds:.2f}x")
        if not args.skip_old:
            differ = [m for m in old if old[m] != new.get(m)]
            assert not differ and len(old) == len(new), f"old and new differ: {differ[:5]}"
            print(
                f"old vs new: the {len(new)} settlements equal in every figure (G, P, F, Cm, "
                f"Co, result, hours, percentages, line count) and every breakdown row; "
                f"old / new {old_seconds / seconds:.2f}x"
            )
        print(f"  after the run: {dead_rows()}")
        again = run_half_year(period)
        print(
            f"run again over the drafts, nothing changed: {again:.2f} s, ratio "
            f"{again / floor_seconds:.2f}x (breakdown rows kept, none rewritten)"
        )
        print(f"  after the second run: {dead_rows()}")
        print(statement_pdf(args.pdf_repeat))


def _best(fn, *, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


if __name__ == "__main__":
    main()
