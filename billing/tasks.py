"""Celery tasks for billing: thin, by primary key, safe to run twice (acks late is global)."""

from celery import shared_task

from billing.services import invoice_run_execute


@shared_task
def invoice_run_task(run_id: int) -> None:
    """Execute an invoice run; a finished run returns at once, a redelivered one resumes."""
    invoice_run_execute(run_id=run_id)


@shared_task
def invoice_render_pdf_task(invoice_id: int) -> None:
    """Render and store an issued invoice's PDF. Queued on commit by the finalisation.

    TODO (PDF helper, issue 4 item 4): render with WeasyPrint (imported inside the rendering
    function), store it in `Invoice.pdf` and set `pdf_rendered_at` once; return at once when
    `pdf_rendered_at` is set. Until then this does nothing: no PDF is produced yet.
    """
    return None


@shared_task
def credit_note_render_pdf_task(credit_note_id: int) -> None:
    """Render and store a credit note's PDF. Queued on commit by `credit_note_create`.

    TODO (PDF helper, issue 4 item 4): as `invoice_render_pdf_task`, for `CreditNote.pdf`.
    Until then this does nothing: no PDF is produced yet.
    """
    return None
