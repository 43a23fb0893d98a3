"""Celery tasks for billing: thin, by primary key, safe to run twice (acks late is global)."""

from celery import shared_task

from billing.services import invoice_run_execute


@shared_task
def invoice_run_task(run_id: int) -> None:
    """Execute an invoice run; a finished run returns at once, a redelivered one resumes."""
    invoice_run_execute(run_id=run_id)


@shared_task
def invoice_render_pdf_task(invoice_id: int) -> None:
    """Render and store an issued invoice's PDF once (billing.pdf); queued on commit by the
    finalisation, one task per invoice so the workers share a month's PDFs."""
    from billing.pdf import invoice_pdf_store

    invoice_pdf_store(invoice_id=invoice_id)


@shared_task
def credit_note_render_pdf_task(credit_note_id: int) -> None:
    """Render and store a credit note's PDF once (billing.pdf); queued on commit by
    `credit_note_create`."""
    from billing.pdf import credit_note_pdf_store

    credit_note_pdf_store(credit_note_id=credit_note_id)


@shared_task
def invoice_reminders_task() -> None:
    """Daily (CELERY_BEAT_SCHEDULE): create the first reminder of each invoice overdue by
    INVOICE_REMINDER_DAYS; each is mailed by its own task."""
    from billing.services.payments import invoice_reminders_create

    invoice_reminders_create()


@shared_task
def invoice_reminder_send_task(reminder_id: int) -> None:
    """Mail one payment reminder; a sent one is not sent again."""
    from billing.services.payments import invoice_reminder_send

    invoice_reminder_send(reminder_id=reminder_id)
