"""Celery tasks for governance: thin, by primary key, safe to run twice (acks late is global)."""

from celery import shared_task


@shared_task
def notification_send_task(notification_id: int) -> None:
    """Mail one notification to the representatives; a sent one is not sent again."""
    from governance.services import notification_send

    notification_send(notification_id=notification_id)


@shared_task
def proposal_votes_close_due_task() -> None:
    """Beat, daily just after midnight: close every vote whose last day has passed (one
    decision per proposal however often it runs)."""
    from governance.services import proposal_votes_close_due

    proposal_votes_close_due()


@shared_task
def proposal_vote_reminders_task() -> None:
    """Beat, daily: remind the representatives two days before a vote's last day, once."""
    from governance.services import proposal_vote_reminders

    proposal_vote_reminders()
