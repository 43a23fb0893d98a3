"""Billing's work for the stalled-work sweeper (core.sweeps), registered in `BillingConfig`.

- `invoice_runs_sweep`: an invoice run pending or running without progress (`progress_at`:
  recorded, an execution began, a client invoiced) since `stalled_before` gets its task
  again. The task resumes where the run stopped: a client whose invoice committed is not
  invoiced again, one whose transaction died with the worker is (billing.services.runs).
- `invoice_pdfs_sweep`, `credit_note_pdfs_sweep`: issued documents without their PDF since
  before `stalled_before`, when no PDF of that kind was stored since then (the workers are
  not working through a queue of them), get their render task again, all at once, once per
  stall window. A render task stores a PDF once (billing.pdf), so a duplicate does nothing.
"""

import datetime

from billing.models import CreditNote, Invoice, InvoiceRun
from core.sweeps import sweep_requeue


def _queue_run(run_id: int) -> None:
    from billing.tasks import invoice_run_task

    invoice_run_task.delay(run_id)


def invoice_runs_sweep(*, stalled_before: datetime.datetime) -> int:
    stalled = InvoiceRun.objects.filter(
        status__in=[InvoiceRun.Status.PENDING, InvoiceRun.Status.RUNNING],
        progress_at__lt=stalled_before,
    ).order_by("pk")
    requeued = 0
    for run in stalled:
        summary = (
            f"invoice run {run.month:%Y-%m} {run.get_status_display()}, "
            f"{run.clients_done} of {run.clients_total} clients invoiced, "
            f"no progress since {run.progress_at.isoformat(timespec='seconds')}"
        )
        requeued += sweep_requeue(
            key=f"billing.invoice_run:{run.pk}",
            stalled_before=stalled_before,
            obj=run,
            summary=summary,
            queue=lambda pk=run.pk: _queue_run(pk),
        )
    return requeued


def _pdfs_sweep(model, *, task_name: str, stalled_before: datetime.datetime) -> int:
    missing = model.objects.filter(
        status=model.Status.ISSUED, pdf_rendered_at__isnull=True, issued_at__lt=stalled_before
    )
    ids = list(missing.order_by("issued_at", "pk").values_list("pk", flat=True))
    if not ids or model.objects.filter(pdf_rendered_at__gte=stalled_before).exists():
        return 0  # nothing missing, or the workers are still rendering a backlog

    def queue() -> None:
        from billing import tasks

        task = getattr(tasks, task_name)
        for pk in ids:
            task.delay(pk)

    label = model._meta.model_name
    claimed = sweep_requeue(
        key=f"billing.{label}_pdfs",
        stalled_before=stalled_before,
        obj=None,
        summary=f"{len(ids)} {label} PDFs missing (first id {ids[0]}), none stored since "
        f"{stalled_before.isoformat(timespec='seconds')}",
        queue=queue,
    )
    return len(ids) if claimed else 0


def invoice_pdfs_sweep(*, stalled_before: datetime.datetime) -> int:
    return _pdfs_sweep(Invoice, task_name="invoice_render_pdf_task", stalled_before=stalled_before)


def credit_note_pdfs_sweep(*, stalled_before: datetime.datetime) -> int:
    return _pdfs_sweep(
        CreditNote, task_name="credit_note_render_pdf_task", stalled_before=stalled_before
    )
