"""Celery tasks for settlements: thin, by primary key, safe to run twice (acks late is global)."""

from celery import shared_task


@shared_task
def settlement_approved_task(settlement_id: int) -> None:
    """After approval: store the PDF statement once and make the payment instructions once.
    Each step is idempotent, so a redelivered task finishes what a killed one started."""
    from settlements.services.payments import settlement_payments_create
    from settlements.services.statement import settlement_statement_store

    settlement_payments_create(settlement_id=settlement_id)
    settlement_statement_store(settlement_id=settlement_id)


@shared_task
def settlement_run_task(run_id: int) -> None:
    """Queue a task per municipality still pending in the run (settlements.services.runs); a
    finished run has none, a redelivered or resumed one queues what is left."""
    from settlements.services.runs import settlement_run_dispatch

    settlement_run_dispatch(run_id=run_id)


@shared_task
def settlement_run_municipality_task(run_id: int, municipality_id: int) -> None:
    """One municipality of a run in one transaction; counted once however often it runs."""
    from settlements.services.runs import settlement_run_municipality

    settlement_run_municipality(run_id=run_id, municipality_id=municipality_id)


@shared_task
def settlement_run_scheduled_task() -> None:
    """Beat, on SETTLEMENT_RUN_DAY of January and July: the half-year just ended (January:
    H2 of last year; July: H1), once per half-year however often beat fires."""
    from django.utils import timezone

    from settlements.services.runs import settlement_run_scheduled

    settlement_run_scheduled(today=timezone.localdate())


@shared_task
def settlement_approved_catch_up_task() -> None:
    """Beat, daily: an approved settlement whose statement is missing (its task failed, or a
    worker was lost) gets its approval task again; each task does only what is missing."""
    from settlements.models import Settlement

    for pk in Settlement.objects.filter(
        status=Settlement.Status.APPROVED, statement__isnull=True
    ).values_list("pk", flat=True):
        settlement_approved_task.delay(pk)
