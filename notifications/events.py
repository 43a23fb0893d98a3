"""What each kind of notification is about, who receives it and where its link goes.

One `Event` per `Notification.Kind`: `load` returns the object if the event still stands
(an assignment still requested, a payout run still waiting, a settlement still in the state
the event put it in), else None and nothing is sent; `recipients` are active users with an
e-mail address, scoped by municipality where the work is a municipality's, never the actor
who caused the event; `occurrence` tells a repeated event (a settlement submitted again after
a rejection) from a doubled one; `path` is the page where the work is done.

E-mails name people and municipalities only: never a BSN, an IBAN or a client number.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from notifications.models import Notification
from placements.models import Assignment
from premiums.models import PayoutRun
from settlements.models import Settlement


def _users(**filters) -> QuerySet:
    return User.objects.filter(is_active=True, **filters).exclude(email="").distinct()


def _coordinators(municipality_id: int) -> QuerySet:
    return _users(groups__name=Role.COORDINATOR, coordinated_municipalities=municipality_id)


@dataclass(frozen=True)
class Event:
    kind: str
    load: Callable[[int], object | None]
    recipients: Callable[[object], QuerySet]
    path: Callable[[object], str]
    occurrence: Callable[[object], str] = lambda obj: ""
    # The treasurer's four-eyes requests cannot be switched off.
    mandatory: bool = False


def _assignment(pk: int):
    return (
        Assignment.objects.select_related("candidate__municipality", "client")
        .filter(pk=pk, status=Assignment.Status.REQUESTED)
        .first()
    )


def _payout_run(pk: int):
    return (
        PayoutRun.objects.select_related("municipality")
        .filter(pk=pk, status=PayoutRun.Status.PREPARED, line_count__gt=0)
        .first()
    )


def _settlement(status: str):
    def load(pk: int):
        return (
            Settlement.objects.select_related("municipality").filter(pk=pk, status=status).first()
        )

    return load


def _stamp(value) -> str:
    return value.isoformat() if value else ""


EVENTS: dict[str, Event] = {
    event.kind: event
    for event in (
        Event(
            kind=Notification.Kind.ASSIGNMENT_REQUESTED,
            load=_assignment,
            recipients=lambda a: _coordinators(a.candidate.municipality_id),
            path=lambda a: reverse("placements:assignment_detail", args=[a.pk]),
        ),
        Event(
            kind=Notification.Kind.PAYOUT_RUN_PREPARED,
            load=_payout_run,
            recipients=lambda run: _coordinators(run.municipality_id),
            path=lambda run: reverse("premiums:run_detail", args=[run.pk]),
        ),
        Event(
            kind=Notification.Kind.SETTLEMENT_SUBMITTED,
            load=_settlement(Settlement.Status.SUBMITTED),
            # Never the submitter: they may not decide on their own submission.
            recipients=lambda s: _users(groups__name=Role.TREASURER).exclude(
                pk=s.submitted_by_id or 0
            ),
            path=lambda s: reverse("settlements:detail", args=[s.pk]),
            occurrence=lambda s: _stamp(s.submitted_at),
            mandatory=True,
        ),
        Event(
            kind=Notification.Kind.SETTLEMENT_REJECTED,
            load=_settlement(Settlement.Status.REJECTED),
            recipients=lambda s: _users(groups__name=Role.BACK_OFFICE, is_staff=True),
            path=lambda s: reverse("admin:settlements_settlement_change", args=[s.pk]),
            occurrence=lambda s: _stamp(s.decided_at),
        ),
        Event(
            kind=Notification.Kind.SETTLEMENT_APPROVED,
            load=_settlement(Settlement.Status.APPROVED),
            recipients=lambda s: _coordinators(s.municipality_id),
            path=lambda s: reverse("settlements:detail", args=[s.pk]),
        ),
    )
}
