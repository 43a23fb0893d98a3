"""Announcing a state change once it is committed: the hook for the apps above.

A lower app announces an event with a Signal of its own (placements.signals,
premiums.signals, settlements.signals); a higher app (notifications) connects receivers in
its `AppConfig.ready()`. `announce_on_commit` sends the signal after the transaction commits,
with the changed object's primary key and the actor's (or None): a receiver never sees
uncommitted work and cannot roll it back. A receiver that fails is logged (robust on-commit);
the change stands.
"""

from django.db import transaction
from django.dispatch import Signal


def announce_on_commit(signal: Signal, *, sender, object_id: int, actor=None) -> None:
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    transaction.on_commit(
        lambda: signal.send(sender=sender, object_id=object_id, actor_id=actor_id), robust=True
    )
