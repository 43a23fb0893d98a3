"""The receivers of the lower apps' events (core.signals.announce_on_commit): each queues
`notifications_create_task` with the kind and ids only. They run after the event's
transaction committed; the task (in-process without a broker) writes and sends."""

from contextlib import contextmanager
from contextvars import ContextVar

from notifications.models import Notification

_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def notifications_muted():
    """No notifications for the events inside (the demo seed loads months of history)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def _receiver(kind: str):
    def receive(sender, *, object_id: int, actor_id: int | None = None, **kwargs) -> None:
        if _muted.get():
            return
        from notifications.tasks import notifications_create_task

        notifications_create_task.delay(kind, object_id, actor_id)

    return receive


# Kept here: a signal holds its receivers weakly.
RECEIVERS = {kind: _receiver(kind) for kind in Notification.Kind.values}


def connect() -> None:
    from placements.models import Assignment
    from placements.signals import assignment_requested
    from premiums.models import PayoutRun
    from premiums.signals import payout_run_prepared
    from settlements.models import Settlement
    from settlements.signals import (
        settlement_approved,
        settlement_rejected,
        settlement_submitted,
    )

    for signal, sender, kind in (
        (assignment_requested, Assignment, Notification.Kind.ASSIGNMENT_REQUESTED),
        (payout_run_prepared, PayoutRun, Notification.Kind.PAYOUT_RUN_PREPARED),
        (settlement_submitted, Settlement, Notification.Kind.SETTLEMENT_SUBMITTED),
        (settlement_rejected, Settlement, Notification.Kind.SETTLEMENT_REJECTED),
        (settlement_approved, Settlement, Notification.Kind.SETTLEMENT_APPROVED),
    ):
        signal.connect(RECEIVERS[kind], sender=sender, dispatch_uid=f"notifications.{kind}")
