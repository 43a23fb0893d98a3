"""The monthly invoice run: one issued invoice per client with approved hours in the month.

`invoice_run_start` records the run (or finds the one under way for that month) and queues
`billing.tasks.invoice_run_task` on commit; the task calls `invoice_run_execute`, which
invoices the clients in batches of `BATCH_CLIENTS`, each batch set-based in its own
transaction (billing.services.run_batch: a few statements per batch instead of fifteen per
client): a crash leaves whole batches of whole invoices only, and executing the run again (a
redelivered task, a second start, the command run twice) picks up the clients still to do.
Nothing is created twice:

- the clients' rows are locked while their invoices are built, so two executions take turns;
- only approved, not yet invoiced hours are collected, and a time entry is linked to at most
  one invoice line (a unique constraint);
- one invoice per client per run (a unique constraint), one active run per month (another).

Late hours (approved after the month's run finished) are invoiced by running the month again:
a new run that finds only those.

A run is only for a month that has ended, dated no later than today (`invoice_date_check`,
in the portal's time zone): checked when it is recorded, so the admin form, the command and
the task all get the same refusal, and again when it is executed.

`invoice_run_month` does both steps in-process: the management command and the benchmark.

`per_client=True` executes the run as before issue 15, one client per transaction through
`invoice_finalise`'s own code: the reference the set-based run is compared with (the
comparison test and bench/invoice_run.py), not for production.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceRun
from billing.services.invoices import (
    _draft_build,
    _issue,
    approved_entries,
    invoice_date_check,
    vat_percentage_on,
)
from billing.services.locks import lock_client
from billing.services.run_batch import invoice_batch_issue
from core.services import audit_record
from placements.models import Assignment

logger = logging.getLogger(__name__)

# Clients per transaction. bench/invoice_run.py --batch, 5,000 clients with 69 entries each,
# back to back under the same load: 500 a batch 10.1 s, 1,000 10.2 s (250 and 2,500 measured
# under other loads: no gain either). 500 holds the batch's locks (its clients, their
# assignments and entries, the number counter at the end) about a second, and a crash gives
# back at most 500 invoices' work. INVOICE_RUN_BATCH_CLIENTS overrides it (crash_recovery_smoke
# uses batches of one to kill a worker between two committed batches).
BATCH_CLIENTS = settings.INVOICE_RUN_BATCH_CLIENTS
# A run that issued at least this many invoices vacuums the tables it rewrote.
VACUUM_AFTER_INVOICES = 100


def _check(*, month: datetime.date, invoice_date: datetime.date) -> None:
    if month.day != 1:
        raise ValidationError({"month": _("Give the month as its first day.")}, code="month")
    invoice_date_check(month=month, invoice_date=invoice_date)
    vat_percentage_on(invoice_date)


def _run_record(*, month: datetime.date, invoice_date: datetime.date, actor) -> InvoiceRun:
    """The run under way for `month`, or a new pending one."""
    _check(month=month, invoice_date=invoice_date)
    active = InvoiceRun.objects.filter(
        month=month, status__in=[InvoiceRun.Status.PENDING, InvoiceRun.Status.RUNNING]
    ).first()
    if active is None:
        try:
            with transaction.atomic():
                active = InvoiceRun.objects.create(
                    month=month,
                    invoice_date=invoice_date,
                    started_by=actor if actor is not None and actor.is_authenticated else None,
                )
        except IntegrityError:
            # Started at the same moment elsewhere: that one is the run.
            active = InvoiceRun.objects.get(
                month=month, status__in=[InvoiceRun.Status.PENDING, InvoiceRun.Status.RUNNING]
            )
        else:
            audit_record(
                actor=actor,
                action="invoice_run.start",
                obj=active,
                after={"month": str(month), "invoice_date": str(invoice_date)},
            )
    if active.invoice_date != invoice_date:
        raise ValidationError(
            _("The run for %(month)s is under way with invoice date %(date)s.")
            % {"month": f"{month:%m-%Y}", "date": f"{active.invoice_date:%d-%m-%Y}"},
            code="run_under_way",
        )
    return active


@transaction.atomic
def invoice_run_start(*, month: datetime.date, invoice_date: datetime.date, actor) -> InvoiceRun:
    """Record the month's run (or find the one under way) and queue its task on commit."""
    run = _run_record(month=month, invoice_date=invoice_date, actor=actor)
    run_id = run.pk
    transaction.on_commit(lambda: _queue_run(run_id))
    return run


def _queue_run(run_id: int) -> None:
    from billing.tasks import invoice_run_task

    invoice_run_task.delay(run_id)


def invoice_run_month(
    *, month: datetime.date, invoice_date: datetime.date, actor, per_client: bool = False
) -> InvoiceRun:
    """Start the month's run and execute it in this process (command line, benchmark)."""
    with transaction.atomic():
        run = _run_record(month=month, invoice_date=invoice_date, actor=actor)
    return invoice_run_execute(run_id=run.pk, actor=actor, per_client=per_client)


def _client_ids(month: datetime.date) -> list[int]:
    """The clients with approved hours in the month, in id order. Two reads by index (the
    entries by status and date, then their assignments by primary key) rather than a join,
    whose plan depended on the planner's statistics."""
    assignment_ids = set(
        approved_entries(month=month).values_list("assignment_id", flat=True).distinct()
    )
    return sorted(
        set(
            Assignment.objects.filter(pk__in=sorted(assignment_ids)).values_list(
                "client_id", flat=True
            )
        )
    )


def _invoice_client(*, run: InvoiceRun, client_id: int, vat_percentage, actor) -> Invoice | None:
    with transaction.atomic():
        lock_client(client_id)
        if Invoice.objects.filter(run=run, client_id=client_id).exists():
            return None  # done by an earlier execution of this run
        invoice = _draft_build(client_id=client_id, month=run.month, run=run)
        if invoice is None:
            return None
        _issue(invoice, actor=actor, invoice_date=run.invoice_date, vat_percentage=vat_percentage)
        # progress_at: what the stalled-work sweeper watches (billing.sweeps).
        InvoiceRun.objects.filter(pk=run.pk).update(
            clients_done=F("clients_done") + 1, progress_at=timezone.now()
        )
        return invoice


def _invoice_batch(*, run: InvoiceRun, client_ids: list[int], vat_percentage, actor) -> list[int]:
    with transaction.atomic():
        return invoice_batch_issue(
            run=run, client_ids=client_ids, vat_percentage=vat_percentage, actor=actor
        )


def invoice_run_execute(*, run_id: int, actor=None, per_client: bool = False) -> InvoiceRun:
    """Invoice every client of the run still to do; safe to call again, also concurrently.

    A finished run returns at once. A failure marks the run failed (with the error) and is
    raised; the invoices committed so far stay, and a new run for the month picks up the rest.
    """
    run = InvoiceRun.objects.get(pk=run_id)
    if not run.is_active:
        return run
    try:
        # Checked when the run was recorded; again here for a run recorded otherwise (or
        # before the month had to have ended): such a run issues nothing and fails.
        _check(month=run.month, invoice_date=run.invoice_date)
    except ValidationError as error:
        InvoiceRun.objects.filter(
            pk=run.pk, status__in=[InvoiceRun.Status.PENDING, InvoiceRun.Status.RUNNING]
        ).update(
            status=InvoiceRun.Status.FAILED,
            error=" ".join(error.messages)[:2000],
            finished_at=timezone.now(),
        )
        raise
    vat_percentage = vat_percentage_on(run.invoice_date)
    client_ids = _client_ids(run.month)
    now = timezone.now()
    InvoiceRun.objects.filter(pk=run.pk).update(
        status=InvoiceRun.Status.RUNNING,
        clients_total=F("clients_done") + len(client_ids),
        started_at=run.started_at or now,
        progress_at=now,
    )
    issued = 0
    try:
        if per_client:
            for client_id in client_ids:
                _invoice_client(
                    run=run, client_id=client_id, vat_percentage=vat_percentage, actor=actor
                )
        else:
            for start in range(0, len(client_ids), BATCH_CLIENTS):
                issued += len(
                    _invoice_batch(
                        run=run,
                        client_ids=client_ids[start : start + BATCH_CLIENTS],
                        vat_percentage=vat_percentage,
                        actor=actor,
                    )
                )
    except Exception as error:
        logger.exception("Invoice run %s failed", run.pk)
        InvoiceRun.objects.filter(pk=run.pk, status=InvoiceRun.Status.RUNNING).update(
            status=InvoiceRun.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        run = InvoiceRun.objects.select_for_update().get(pk=run.pk)
        if run.is_active:
            run.status = InvoiceRun.Status.DONE
            run.clients_total = max(run.clients_total, run.clients_done)
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "clients_total", "finished_at"])
            audit_record(
                actor=actor,
                action="invoice_run.finish",
                obj=run,
                summary=f"{run.clients_done} invoices issued.",
            )
    if issued >= VACUUM_AFTER_INVOICES:
        _vacuum_after_run()
    return run


def _vacuum_after_run() -> None:
    """VACUUM (ANALYZE) the tables a run rewrote: every invoiced entry's old row version (its
    status was approved) and every invoice's draft version are dead. Left to autovacuum, which
    waits for a fifth of the table, a month's dead entries slowed the next run's reads by half.

    Only outside a transaction (VACUUM cannot run in one: in tests the run is inside the test's
    transaction). A role that does not own the tables gets a warning from PostgreSQL, no error,
    and autovacuum is left to do it; any other failure is logged, never raised: the run is done.
    """
    if connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) placements_timeentry, billing_invoice")
    except DatabaseError:
        logger.exception("VACUUM after the invoice run failed")
