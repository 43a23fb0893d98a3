"""Helpers shared by the premiums services."""

from decimal import Decimal

from placements.models import TimeEntry

ZERO = Decimal("0.00")
COUNTING_STATUSES = (TimeEntry.Status.APPROVED, TimeEntry.Status.INVOICED)


def _actor_or_none(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _euro(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")
