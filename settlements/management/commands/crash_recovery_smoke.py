"""CI: runs recover by themselves after `kill -9` of their worker (core.sweeps).

`manage.py crash_recovery_smoke [--timeout 60] [--stall-seconds 5] [--flush-broker]`, with a
broker configured (CI: REDIS_URL=redis://127.0.0.1:6379/8), with real processes:

1. writes the data: settlement_smoke's half-year 2000-H1 (three smoke municipalities, an issued
   invoice each) and, for the invoice run, four smoke clients with approved hours in the first
   month from January 2001 that has no invoice run yet (so the command can run again on the
   same database; the expected invoices are worked out here by hand);
2. starts a Celery worker (its own process group, `--concurrency=1`) and the settlement run of
   2000-H1; it holds the advisory lock of one of the run's municipalities in a connection of
   its own, so the worker, which settles the whole half-year in one transaction
   (settlements.services.half_year), waits inside that transaction. While the run shows 0 of
   3 done and the worker waits, it `kill -9`s the worker's process group (the run's message
   stays unacknowledged in Redis, for the visibility timeout of two hours);
3. starts a second worker and the month's invoice run, this time holding the row lock of the
   run's second client, with batches of one client (INVOICE_RUN_BATCH_CLIENTS=1): the worker
   invoices the first client and waits inside the second one's transaction; `kill -9` again (the run's only message is lost the same way);
4. starts a third worker and, every two seconds, the sweep task through the broker with a
   stall threshold of `--stall-seconds`, as beat would every minute with RUN_STALL_MINUTES;
5. checks within `--timeout` seconds that both runs finished with every item counted once:
   3 of 3 municipalities, each settlement's figures to the cent as settlement_smoke works
   them out; 4 of 4 clients, one invoice each with the amounts worked out here, numbers
   consecutive after the year's earlier ones, every time entry on one invoice line.

Workers are always killed at the end; their logs (in a temporary directory, or `--log-dir`)
are printed when something fails. `--flush-broker` empties the broker's Redis database first
(a message left by an earlier run would make the check ambiguous): for CI's own database only.
"""

import calendar
import contextlib
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from billing.models import Invoice, InvoiceLineEntry, InvoiceRun
from billing.services import invoice_run_start
from billing.services.invoices import approved_entries
from billing.services.locks import lock_client
from core.tasks import stalled_work_sweep_task
from placements.models import Assignment, Candidate, Client, TimeEntry
from placements.services import time_entries_approve
from settlements.management.commands.settlement_smoke import PERIOD, smoke_data
from settlements.models import Settlement, SettlementRun, SettlementRunItem
from settlements.services.runs import settlement_run_start
from settlements.services.settlements import lock_settlement_key

CENT = Decimal("0.01")
VAT = Decimal("21.00")
# kvk number, hours on the 2nd and 3rd of the month, hourly rate (half cents on purpose)
CLIENTS = [
    ("99999981", ("7.50", "3.25"), "17.35"),
    ("99999982", ("8.00",), "16.01"),
    ("99999983", ("2.75", "6.50"), "21.11"),
    ("99999984", ("4.00", "4.00"), "19.99"),
]
SWEEPS = ["billing.invoice_runs", "settlements.runs"]


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def expected_invoice(hours: tuple[str, ...], rate: str) -> dict[str, Decimal]:
    """One line (all hours x rate), VAT 21% on the subtotal, worked out by hand."""
    subtotal = _round(sum((Decimal(h) for h in hours), Decimal("0")) * Decimal(rate))
    vat = _round(subtotal * VAT / 100)
    return {"subtotal": subtotal, "vat_amount": vat, "total": subtotal + vat}


def _free_month() -> datetime.date:
    """The first month from January 2001 without an invoice run or approved hours."""
    for year in range(2001, 2019):
        for month_number in range(1, 13):
            month = datetime.date(year, month_number, 1)
            if not InvoiceRun.objects.filter(month=month).exists() and not (
                approved_entries(month=month).exists()
            ):
                return month
    raise CommandError("No free month left in 2001-2018 for the smoke invoice run.")


def invoice_data(municipalities) -> tuple[datetime.date, datetime.date, list]:
    """The month's hours of the four smoke clients, approved; (month, invoice date,
    [(client, expected amounts, entry ids)])."""
    month = _free_month()
    last_day = calendar.monthrange(month.year, month.month)[1]
    month_end = month.replace(day=last_day)
    result = []
    with transaction.atomic():
        for index, (kvk, hours, rate) in enumerate(CLIENTS):
            client, _created = Client.objects.get_or_create(
                kvk_number=kvk,
                defaults={
                    "name": f"Smoke-test crash {index + 1} B.V.",
                    "billing_address": "Smoke 1\n0000 AA Nergens",
                    "billing_email": "smoke@example.invalid",
                    "contact_person": "CI",
                    "framework_agreement_date": datetime.date(2000, 1, 1),
                },
            )
            municipality = municipalities[index % len(municipalities)]
            candidate, _created = Candidate.objects.get_or_create(
                municipality=municipality,
                client_number=f"CRASH-{kvk}",
                defaults={
                    "first_name": "Crash",
                    "last_name": f"Smoke {index + 1}",
                    "birth_date": datetime.date(1970, 1, 1),
                    "status": Candidate.Status.ACTIVE,
                },
            )
            assignment = Assignment.objects.create(
                candidate=candidate,
                client=client,
                start_date=month,
                end_date=month_end,
                hours_per_week=Decimal("20.00"),
                work_description="Crash recovery smoke test",
                hourly_rate=Decimal(rate),
                status=Assignment.Status.ACTIVE,
                decided_at=timezone.now(),
            )
            entries = [
                TimeEntry.objects.create(
                    assignment=assignment,
                    work_date=month + datetime.timedelta(days=1 + day),
                    hours=Decimal(h),
                    status=TimeEntry.Status.ENTERED,
                )
                for day, h in enumerate(hours)
            ]
            time_entries_approve(entries=entries, actor=None)
            result.append((client, expected_invoice(hours, rate), [e.pk for e in entries]))
    return month, month_end + datetime.timedelta(days=2), result


class Workers:
    """Celery workers in process groups of their own, each with a log file."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, **environment: str) -> subprocess.Popen:
        log = self.log_dir / f"{name}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "nvsi_portal",
            "worker",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{name}-{os.getpid()}@%h",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - this interpreter's celery, fixed arguments
                command,
                cwd=settings.BASE_DIR,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # DEBUG on, as `make run` and CI's seed have it: the invoices' PDF tasks find
                # their static files without collectstatic.
                env={**os.environ, "DEBUG": "1", **environment},
                start_new_session=True,  # its own process group: the pool child dies with it
            )
        self.processes.append((process, log))
        return process

    @staticmethod
    def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                self.kill(process, signal.SIGTERM)
            with contextlib.suppress(ProcessLookupError):  # a pool child still alive
                os.killpg(process.pid, signal.SIGKILL)

    def logs(self) -> str:
        parts = []
        for _process, log in self.processes:
            text = log.read_text(errors="replace") if log.exists() else "(no log)"
            parts.append(f"---- {log.name} ----\n{text}")
        return "\n".join(parts)


@contextlib.contextmanager
def held(lock: Callable[[], None]):
    """Take `lock()` in a transaction of another connection (a thread) and hold it until the
    block ends: a worker that needs it waits inside its own transaction meanwhile."""
    ready, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                lock()
                ready.set()
                release.wait(timeout=600)
        except BaseException as error:
            errors.append(error)
            ready.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    if not ready.wait(30) or errors:
        release.set()
        raise CommandError(f"Could not take the lock: {errors[0] if errors else 'timeout'}")
    try:
        yield
    finally:
        release.set()
        thread.join(30)


def _waiting_on_a_lock() -> int:
    """Backends of this database waiting for a lock (the worker, behind ours). Read from
    pg_locks, which every role sees: pg_stat_activity hides the wait of another login's
    session from the application role the portal runs as (nvsi_portal/db_roles.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database() "
            "AND l.pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


class Command(BaseCommand):
    help = (
        "CI: kill -9 a Celery worker in the middle of a settlement run and of an invoice run; "
        "a new worker and the sweeper finish both, each item counted once, figures checked."
    )

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0)
        parser.add_argument("--stall-seconds", type=int, default=5)
        parser.add_argument("--log-dir", default=None)
        parser.add_argument("--flush-broker", action="store_true")

    def handle(self, *args, timeout, stall_seconds, log_dir, flush_broker, **options):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("No broker configured: set REDIS_URL or CELERY_BROKER_URL.")
        if flush_broker:
            import redis

            redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
        started = time.monotonic()
        own_dir = log_dir is None
        directory = Path(log_dir or tempfile.mkdtemp(prefix="crash-smoke-"))
        directory.mkdir(parents=True, exist_ok=True)
        workers = Workers(directory)

        def terminated(signum, frame):  # the workers run in sessions of their own: stop them
            raise SystemExit(f"crash_recovery_smoke stopped by signal {signum}")

        previous = signal.signal(signal.SIGTERM, terminated)
        try:
            self._smoke(workers, timeout=timeout, stall_seconds=stall_seconds)
        except BaseException:
            self.stderr.write(workers.logs())
            raise
        finally:
            workers.stop_all()
            signal.signal(signal.SIGTERM, previous)
            if own_dir:
                shutil.rmtree(directory, ignore_errors=True)
        self.stdout.write(f"Crash recovery smoke passed in {time.monotonic() - started:.1f} s.")

    # --- the steps -------------------------------------------------------------------------

    def _wait(self, what: str, condition, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise CommandError(f"Timed out after {timeout:.0f} s waiting for {what}.")
            time.sleep(0.2)

    def _smoke(self, workers: Workers, *, timeout: float, stall_seconds: int) -> None:
        expected_settlements = smoke_data()
        municipalities = [municipality for municipality, _figures in expected_settlements]
        month, invoice_date, expected_invoices = invoice_data(municipalities)
        year_before = Invoice.objects.filter(number__startswith=f"{invoice_date.year}-").count()

        # 1. The settlement run, the worker killed inside its half-year transaction.
        order = sorted(municipalities, key=lambda m: (m.name, m.pk))
        blocked = order[1]
        with held(lambda: lock_settlement_key(municipality_id=blocked.pk, period=PERIOD)):
            first = workers.start("worker-1")
            run = settlement_run_start(period=PERIOD, actor=None)

            def settlement_halfway() -> bool:
                run.refresh_from_db()
                return run.done == 0 and _waiting_on_a_lock() > 0

            self._wait("the settlement run to wait inside its transaction", settlement_halfway,
                       timeout=timeout)  # fmt: skip
            Workers.kill(first)
            self.stdout.write(
                f"Settlement run {run.pk}: worker killed (kill -9) at {run.done} of {run.total}, "
                f"inside {blocked.cbs_code}."
            )
        # Our lock is released: the killed worker's transaction can only roll back (no COMMIT
        # will come from a dead process).

        # 2. The invoice run, the next worker killed inside its second client.
        client_ids = sorted(client.pk for client, _amounts, _ids in expected_invoices)
        month_clients = approved_entries(month=month).values_list(
            "assignment__client_id", flat=True
        )
        if sorted(set(month_clients)) != client_ids:
            raise CommandError(f"{month:%Y-%m} has hours of other clients: not a smoke month.")
        with held(lambda: lock_client(client_ids[1])):
            # Batches of one client: the first commits, the second waits on our lock.
            second = workers.start("worker-2", INVOICE_RUN_BATCH_CLIENTS="1")
            invoice_run = invoice_run_start(month=month, invoice_date=invoice_date, actor=None)

            def invoicing_halfway() -> bool:
                invoice_run.refresh_from_db()
                return invoice_run.clients_done == 1 and _waiting_on_a_lock() > 0

            self._wait("the invoice run to invoice one client", invoicing_halfway,
                       timeout=timeout)  # fmt: skip
            Workers.kill(second)
            run.refresh_from_db()
            self.stdout.write(
                f"Invoice run {invoice_run.pk} ({month:%Y-%m}): worker killed (kill -9) at "
                f"{invoice_run.clients_done} of {invoice_run.clients_total} clients; settlement "
                f"run {run.pk} at {run.done} of {run.total}."
            )

        # 3. A new worker and the sweeper (as beat would run it, with a short threshold).
        recovery = time.monotonic()
        workers.start("worker-3")

        def both_finished() -> bool:
            run.refresh_from_db()
            invoice_run.refresh_from_db()
            return run.status != SettlementRun.Status.RUNNING and not invoice_run.is_active

        deadline = recovery + timeout
        while not both_finished():
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Not recovered within {timeout:.0f} s: settlement run {run.done} of "
                    f"{run.total} ({run.status}), invoice run {invoice_run.clients_done} of "
                    f"{invoice_run.clients_total} ({invoice_run.status})."
                )
            stalled_work_sweep_task.delay(stall_seconds=stall_seconds, names=SWEEPS)
            time.sleep(2)
        self.stdout.write(f"Both runs finished {time.monotonic() - recovery:.1f} s after restart.")

        problems = self._check_settlements(run, expected_settlements)
        problems += self._check_invoices(invoice_run, expected_invoices, year_before)
        if problems:
            raise CommandError("Crash recovery smoke check failed:\n" + "\n".join(problems))

    # --- the checks ------------------------------------------------------------------------

    def _check_settlements(self, run: SettlementRun, expected) -> list[str]:
        problems = []
        if (run.status, run.done, run.total, run.skipped) != (
            "done",
            len(expected),
            len(expected),
            0,
        ):
            problems.append(
                f"settlement run {run.status}, {run.done} of {run.total} ({run.skipped} skipped), "
                f"expected done, {len(expected)} of {len(expected)}"
            )
        statuses = sorted(run.items.values_list("status", flat=True))
        if statuses != [SettlementRunItem.Status.COMPUTED] * len(expected):
            problems.append(f"run items {statuses}, expected all computed")
        for municipality, figures in expected:
            settlements = list(
                Settlement.objects.filter(
                    municipality=municipality, year=PERIOD.year, half=PERIOD.half
                )
            )
            if len(settlements) != 1 or settlements[0].run_id != run.pk:
                problems.append(f"{municipality.cbs_code}: not one settlement of run {run.pk}")
                continue
            for field, value in figures.items():
                if getattr(settlements[0], field) != value:
                    problems.append(
                        f"{municipality.cbs_code}: {field} {getattr(settlements[0], field)}, "
                        f"expected {value}"
                    )
        if not problems:
            self.stdout.write(
                f"Settlement run {run.pk}: {run.done} of {run.total}, figures as expected."
            )
        return problems

    def _check_invoices(self, run: InvoiceRun, expected, year_before: int) -> list[str]:
        problems = []
        if (run.status, run.clients_done, run.clients_total) != (
            "done",
            len(expected),
            len(expected),
        ):
            problems.append(
                f"invoice run {run.status}, {run.clients_done} of {run.clients_total}, expected "
                f"done, {len(expected)} of {len(expected)}"
            )
        for client, amounts, entry_ids in expected:
            invoices = list(Invoice.objects.filter(run=run, client=client))
            if len(invoices) != 1:
                problems.append(f"client {client.kvk_number}: {len(invoices)} invoices in the run")
                continue
            for field, value in amounts.items():
                if getattr(invoices[0], field) != value:
                    problems.append(
                        f"client {client.kvk_number}: {field} {getattr(invoices[0], field)}, "
                        f"expected {value}"
                    )
            linked = InvoiceLineEntry.objects.filter(time_entry_id__in=entry_ids)
            if (
                linked.count() != len(entry_ids)
                or linked.exclude(line__invoice=invoices[0]).exists()
            ):
                problems.append(f"client {client.kvk_number}: hours not invoiced once")
        year = run.invoice_date.year
        numbers = sorted(Invoice.objects.filter(run=run).values_list("number", flat=True))
        wanted = [
            f"{year}-{n:06d}" for n in range(year_before + 1, year_before + len(expected) + 1)
        ]
        if numbers != wanted:
            problems.append(f"invoice numbers {numbers}, expected {wanted} (no gap, none twice)")
        if not problems:
            self.stdout.write(
                f"Invoice run {run.pk}: {run.clients_done} of {run.clients_total} clients, "
                f"numbers {numbers[0]} to {numbers[-1]}, amounts as expected."
            )
        return problems
