"""How fast is the monthly invoice run? 1,000 and 5,000 clients with a month of approved hours.

The run (in this process, as `manage.py run_invoices` does it: set-based, one transaction
per batch of clients, numbers, VAT, audit records; without rendering PDFs) is measured
against a floor in the same run: the bare SQL aggregate of the same hours, SUM(hours),
SUM(hours x rate) GROUP BY client and assignment, which is all the arithmetic an invoice run
needs and none of its writes. The run before issue 15 (one client per transaction,
`per_client=True`) is measured on the same data in a transaction that is rolled back, and
every figure of its invoices is checked equal to the set-based run's (numbers, lines, hours,
rates, amounts, VAT, totals, references, client details, linked entries). The set-based
run's time is broken down by statement.

The data is its own: clients named "Bench-factuur ...", candidates K-BILL-*, hours in
January 2025 (the general framework's first month, before the demo's hours begin; a run is
only for a month that has ended, dated no later than today), invoiced on 3 February 2025.
It refuses to start when that month has other hours or that year other invoices (the run
would invoice them, the cleanup leave a gap in their numbers). It is generated fresh (bulk
inserts, COPY for the hours) and removed afterwards, invoices included: for that the
cleanup switches the user triggers of the billing tables off for its own transaction,
which only the benchmark may do (as the tables' owner).

    python bench/invoice_run.py [--clients 1000 5000] [--assignments 3] [--no-old]
"""

import argparse
import collections
import datetime
import io
import time
from decimal import Decimal

from _setup import best_of, django_setup

django_setup()

from django.db import connection, transaction
from django.utils import timezone

from billing.models import DocumentCounter, Invoice, InvoiceRun
from billing.services import invoice_run_month
from billing.services import runs as run_services
from billing.services.invoices import pdf_rendering_deferred
from core.models import AuditEvent
from demo.members import seed_members
from members.models import Municipality
from nvsi_portal.db_roles import as_database_owner
from placements.models import Assignment, Candidate, Client, TimeEntry

MONTH = datetime.date(2025, 1, 1)
MONTH_END = datetime.date(2025, 1, 31)
INVOICE_DATE = datetime.date(2025, 2, 3)
CLIENT_PREFIX = "Bench-factuur "
CANDIDATE_PREFIX = "K-BILL-"
GUARDED_TABLES = [
    "billing_invoice",
    "billing_invoiceline",
    "billing_invoicelineentry",
    "billing_documentcounter",
    "core_auditevent",
    "placements_timeentry",
]

FLOOR_SQL = """
SELECT a.client_id, e.assignment_id, SUM(e.hours), SUM(e.hours * a.hourly_rate)
FROM placements_timeentry e JOIN placements_assignment a ON a.id = e.assignment_id
WHERE e.status = 'approved' AND e.work_date BETWEEN %s AND %s
GROUP BY a.client_id, e.assignment_id
"""


def workdays() -> list[datetime.date]:
    days = [MONTH + datetime.timedelta(days=n) for n in range(31)]
    return [d for d in days if d.weekday() < 5]


def cleanup() -> None:
    """Remove every bench object, invoices too: as the database owner, with the tables' own
    triggers (immutability, append-only audit trail, forward-only numbers, invoiced hours) off
    in this transaction only. The portal's application role could do none of this."""
    clients = Client.objects.filter(name__startswith=CLIENT_PREFIX)
    invoices = Invoice.objects.filter(client__in=clients)
    with as_database_owner():
        with transaction.atomic(), connection.cursor() as cursor:
            for table in GUARDED_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            invoice_ids = list(invoices.values_list("pk", flat=True))
            cursor.execute(
                "DELETE FROM billing_invoicelineentry WHERE line_id IN "
                "(SELECT id FROM billing_invoiceline WHERE invoice_id = ANY(%s))",
                [invoice_ids],
            )
            cursor.execute(
                "DELETE FROM billing_invoiceline WHERE invoice_id = ANY(%s)", [invoice_ids]
            )
            cursor.execute("DELETE FROM billing_invoice WHERE id = ANY(%s)", [invoice_ids])
            AuditEvent.objects.filter(
                content_type__app_label="billing",
                content_type__model="invoice",
                object_id__in=[str(pk) for pk in invoice_ids],
            ).delete()
            runs = InvoiceRun.objects.filter(month=MONTH)
            AuditEvent.objects.filter(
                content_type__app_label="billing",
                content_type__model="invoicerun",
                object_id__in=[str(pk) for pk in runs.values_list("pk", flat=True)],
            ).delete()
            runs.delete()
            if not Invoice.objects.filter(invoice_date__year=INVOICE_DATE.year).exists():
                DocumentCounter.objects.filter(series="invoice", year=INVOICE_DATE.year).delete()
            TimeEntry.objects.filter(assignment__client__in=clients).delete()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in GUARDED_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        with transaction.atomic():
            Assignment.objects.filter(client__in=clients).delete()
            Candidate.objects.filter(client_number__startswith=CANDIDATE_PREFIX).delete()
            clients.delete()


def others_in_the_way() -> str:
    """Why the bench cannot run here ("" when it can): hours of others in its month, which
    the run would invoice, or invoices of others in its year, whose numbers it would take."""
    bench_clients = Client.objects.filter(name__startswith=CLIENT_PREFIX)
    hours = (
        TimeEntry.objects.filter(work_date__range=(MONTH, MONTH_END))
        .exclude(assignment__client__in=bench_clients)
        .count()
    )
    invoices = (
        Invoice.objects.filter(invoice_date__year=INVOICE_DATE.year)
        .exclude(client__in=bench_clients)
        .count()
    )
    if hours or invoices:
        return (
            f"this database has {hours} other time entries in {MONTH:%m-%Y} and {invoices} "
            f"other invoices dated in {INVOICE_DATE.year}: the bench would invoice or number "
            "alongside them. Run it on a database without them."
        )
    return ""


def generate(*, clients: int, assignments: int) -> int:
    """Clients, one candidate per assignment, approved assignments, approved hours (COPY)."""
    seed_members(today=timezone.localdate())
    municipalities = list(Municipality.objects.order_by("cbs_code"))
    taken = set(
        Client.objects.filter(kvk_number__startswith="96").values_list("kvk_number", flat=True)
    )
    kvks = (f"96{n:06d}" for n in range(1_000_000) if f"96{n:06d}" not in taken)
    client_rows = Client.objects.bulk_create(
        [
            Client(
                name=f"{CLIENT_PREFIX}{n:05d}",
                kvk_number=next(kvks),
                billing_address="Benchstraat 1\n1000 AA Amsterdam",
                billing_email=f"bench{n}@example.invalid",
            )
            for n in range(clients)
        ],
        batch_size=2000,
    )
    candidates = Candidate.objects.bulk_create(
        [
            Candidate(
                municipality=municipalities[n % len(municipalities)],
                client_number=f"{CANDIDATE_PREFIX}{n:06d}",
                first_name="Bench",
                last_name=f"Kandidaat {n}",
                birth_date=datetime.date(1980, 1, 1),
            )
            for n in range(clients * assignments)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    rows = Assignment.objects.bulk_create(
        [
            Assignment(
                candidate=candidate,
                client=client_rows[n // assignments],
                start_date=MONTH,
                end_date=MONTH_END,
                hours_per_week=Decimal("20"),
                work_description="Benchmark",
                hourly_rate=Decimal("14.71") + Decimal(n % 50) / 10,
                status=Assignment.Status.APPROVED,
                decided_at=now,
            )
            for n, candidate in enumerate(candidates)
        ],
        batch_size=2000,
    )
    hours = ["4.00", "6.50", "7.25", "8.00", "3.75"]
    buffer = io.StringIO()
    count = 0
    for assignment in rows:
        for i, day in enumerate(workdays()):
            buffer.write(
                f"{assignment.pk}\t{day}\t{hours[(assignment.pk + i) % 5]}\tapproved\t"
                f"{now.isoformat()}\t{now.isoformat()}\t{now.isoformat()}\n"
            )
            count += 1
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(
            "COPY placements_timeentry (assignment_id, work_date, hours, status, approved_at,"
            " created_at, updated_at) FROM STDIN"
        ) as copy,
    ):
        copy.write(buffer.getvalue())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE placements_timeentry")
    return count


INVOICE_FIGURES = """
SELECT i.client_id, i.number, i.payment_reference, i.status, i.invoice_date, i.due_date,
       i.vat_percentage, i.subtotal, i.vat_amount, i.total, i.client_name, i.client_address,
       i.client_kvk_number, i.client_vat_number, i.client_contact, i.client_reference
FROM billing_invoice i JOIN billing_invoicerun r ON r.id = i.run_id
WHERE r.month = %s ORDER BY i.client_id
"""
LINE_FIGURES = """
SELECT i.client_id, l.assignment_id, l.municipality_id, l.candidate_name,
       l.candidate_client_number, l.description, l.hours, l.rate, l.amount,
       COUNT(le.id), SUM(le.time_entry_id)
FROM billing_invoice i JOIN billing_invoicerun r ON r.id = i.run_id
JOIN billing_invoiceline l ON l.invoice_id = i.id
JOIN billing_invoicelineentry le ON le.line_id = l.id
WHERE r.month = %s
GROUP BY i.client_id, l.id ORDER BY i.client_id, l.assignment_id
"""
AUDIT_FIGURES = """
SELECT i.client_id, a.actor_id, a.object_repr, a.changes::text
FROM billing_invoice i JOIN billing_invoicerun r ON r.id = i.run_id
JOIN core_auditevent a ON a.object_id = i.id::text AND a.action = 'invoice.issue'
WHERE r.month = %s ORDER BY i.client_id
"""


def figures() -> tuple[list, list, list]:
    """Every figure of the month's run invoices (ids and times excepted), by client."""
    with connection.cursor() as cursor:
        result = []
        for sql in (INVOICE_FIGURES, LINE_FIGURES, AUDIT_FIGURES):
            cursor.execute(sql, [MONTH])
            result.append(cursor.fetchall())
    return tuple(result)


STATEMENT_KINDS = [
    ("SELECT id FROM placements_client", "lock clients"),
    ("SELECT client_id FROM billing_invoice", "clients done"),
    ("\nSELECT a.id FROM placements_assignment", "lock assignments"),
    ("\nWITH entry", "entries invoiced, insert invoices+lines+links"),
    ("\nUPDATE billing_invoice", "issue (numbers, VAT, client)"),
    ('INSERT INTO "core_auditevent"', "audit records"),
    ("VACUUM", "VACUUM (ANALYZE) after the run"),
]


class StatementTimer:
    """Time per kind of statement (connection.execute_wrapper)."""

    def __init__(self):
        self.seconds = collections.Counter()
        self.count = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        kind = next((name for start, name in STATEMENT_KINDS if sql.startswith(start)), "other")
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[kind] += time.perf_counter() - start
            self.count[kind] += 1


def dead_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'placements_timeentry'"
        )
        return cursor.fetchone()[0]


def vacuum() -> float:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) placements_timeentry")
    return time.perf_counter() - start


def measure(*, clients: int, assignments: int, old: bool) -> None:
    cleanup()  # what an interrupted earlier run left behind
    reason = others_in_the_way()
    if reason:
        raise SystemExit(f"bench/invoice_run.py: {reason}")
    start = time.perf_counter()
    entries = generate(clients=clients, assignments=assignments)
    print(
        f"\n== {clients:,} clients: generated {clients * assignments:,} assignments, "
        f"{entries:,} approved time entries in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    try:

        def floor():
            with connection.cursor() as cursor:
                cursor.execute(FLOOR_SQL, [MONTH, MONTH_END])
                cursor.fetchall()

        floor()  # warm the cache
        floor_seconds = best_of(floor, repeat=3)
        print(f"floor (SQL aggregate of the same hours): {floor_seconds * 1000:.1f} ms")

        # What marking the entries invoiced costs (the alternative: derive "invoiced" from the
        # link's existence and write nothing to the entries), against only locking them,
        # each in a transaction rolled back.
        month_entries = (
            "FROM placements_timeentry WHERE status = 'approved' AND work_date BETWEEN %s AND %s"
        )
        for label, sql in [
            (
                "lock the month's entries (SELECT ... FOR UPDATE)",
                f"SELECT id {month_entries} FOR UPDATE",
            ),
            (
                "mark them invoiced (UPDATE ... SET status)",
                f"UPDATE placements_timeentry SET status = 'invoiced' WHERE id IN (SELECT id {month_entries})",
            ),
        ]:
            with transaction.atomic(), connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(sql, [MONTH, MONTH_END])
                print(f"{label}: {time.perf_counter() - start:.2f} s")
                transaction.set_rollback(True)
        print(f"VACUUM (ANALYZE) placements_timeentry after them: {vacuum():.2f} s")

        # The run queues one PDF task per invoice on commit; with eager Celery that would
        # render here. The runs are measured without it (bench/invoice_pdf.py measures
        # rendering), as `manage.py render_missing_pdfs` would render them afterwards.
        old_figures = None
        if old:
            start = time.perf_counter()
            with transaction.atomic(), pdf_rendering_deferred():
                run = invoice_run_month(
                    month=MONTH, invoice_date=INVOICE_DATE, actor=None, per_client=True
                )
                old_seconds = time.perf_counter() - start
                old_figures = figures()
                transaction.set_rollback(True)  # the set-based run invoices the same hours
            assert run.clients_done == clients
            print(
                f"per client (before): {old_seconds:.2f} s "
                f"({old_seconds / clients * 1000:.2f} ms per invoice), "
                f"ratio {old_seconds / floor_seconds:,.0f}x "
                f"(in one transaction rolled back, so without its {clients:,} commits)",
                flush=True,
            )
            print(
                f"dead time entry versions left by the rollback: {dead_rows():,}; "
                f"VACUUM (ANALYZE) placements_timeentry: {vacuum():.2f} s"
            )
            floor_seconds = min(floor_seconds, best_of(floor, repeat=3))

        timer = StatementTimer()
        start = time.perf_counter()
        with pdf_rendering_deferred(), connection.execute_wrapper(timer):
            run = invoice_run_month(month=MONTH, invoice_date=INVOICE_DATE, actor=None)
        seconds = time.perf_counter() - start

        assert run.status == InvoiceRun.Status.DONE and run.clients_done == clients
        assert not TimeEntry.objects.filter(
            assignment__client__name__startswith=CLIENT_PREFIX, status="approved"
        ).exists()
        print(
            f"invoice_run (set-based, batches of {run_services.BATCH_CLIENTS}): "
            f"{run.clients_done:,} invoices, {clients * assignments:,} lines, {entries:,} "
            f"entries in {seconds:.2f} s ({seconds / clients * 1000:.2f} ms per invoice, "
            f"{entries / seconds:,.0f} entries/s)"
        )
        print(f"ratio run / aggregate: {seconds / floor_seconds:,.1f}x")
        if old:
            print(f"speed-up over the per-client run: {old_seconds / seconds:,.1f}x")
        for kind, kind_seconds in timer.seconds.most_common():
            print(f"  {kind:45} {kind_seconds:7.2f} s  ({timer.count[kind]} statements)")
        print(f"dead time entry versions after the run: {dead_rows():,}")
        if old_figures is not None:
            new_figures = figures()
            assert new_figures == old_figures, "the set-based run's figures differ"
            print(
                f"figures equal: {len(new_figures[0]):,} invoices, {len(new_figures[1]):,} "
                "lines and their entries, the audit records"
            )
    finally:
        cleanup()
        vacuum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--assignments", type=int, default=3, help="per client")
    parser.add_argument("--batch", type=int, default=None, help="clients per transaction")
    parser.add_argument(
        "--no-old", action="store_true", help="skip the per-client run and the comparison"
    )
    args = parser.parse_args()
    if args.batch:
        run_services.BATCH_CLIENTS = args.batch
    for clients in args.clients:
        measure(clients=clients, assignments=args.assignments, old=not args.no_old)


if __name__ == "__main__":
    main()
