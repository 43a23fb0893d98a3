"""Celery tasks for settlements: thin, by primary key, safe to run twice (acks late is global)."""

from celery import shared_task


@shared_task
def settlement_approved_task(settlement_id: int) -> None:
    """After approval: store the PDF statement once and make the payment instructions once.
    Each step is idempotent, so a redelivered task finishes what a killed one started."""
    from settlements.payments import settlement_payments_create
    from settlements.statement import settlement_statement_store

    settlement_payments_create(settlement_id=settlement_id)
    settlement_statement_store(settlement_id=settlement_id)
