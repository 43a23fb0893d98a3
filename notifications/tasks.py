"""Celery tasks for notifications: thin, by primary key, safe to run twice (acks late is
global; the unique constraint and `sent_at` make a second run send nothing)."""

from celery import shared_task


@shared_task
def notifications_create_task(kind: str, object_id: int, actor_id: int | None) -> None:
    """After an event: record who is told about it (and queue the immediate e-mails)."""
    from notifications.services import notifications_create

    notifications_create(kind=kind, object_id=object_id, actor_id=actor_id)


@shared_task
def notification_send_task(notification_id: int) -> None:
    from notifications.services import notification_send

    notification_send(notification_id=notification_id)


@shared_task
def notification_digests_send_task() -> None:
    """Beat, daily: one e-mail per user with their unsent digest notifications."""
    from notifications.services import notification_digests_send

    notification_digests_send()
