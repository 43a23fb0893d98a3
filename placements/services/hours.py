"""Hours: time entries entered, changed, deleted and approved, and the billing transitions
the billing services make. What happens to the hours is announced through
placements.signals (premiums accrues and reverses its premium there)."""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.services import audit_record, audit_snapshot
from placements.models import (
    MAX_HOURS_PER_DAY,
    Assignment,
    Candidate,
    TimeEntry,
)
from placements.services._common import _date, _field_error
from placements.signals import time_entries_approved, time_entries_withdrawn

# Hours may be entered or changed only while the assignment is approved or active.
HOURS_OPEN_STATUSES = frozenset({Assignment.Status.APPROVED, Assignment.Status.ACTIVE})
TWO_DECIMALS = Decimal("0.01")


def _hours_errors(hours: Any) -> list[str]:
    if isinstance(hours, float):
        raise TypeError("hours must be a Decimal, not a float.")
    try:
        hours = Decimal(hours)
    except (ArithmeticError, TypeError, ValueError):
        return [_("Enter the hours as a number.")]
    if not hours.is_finite():
        return [_("Enter the hours as a number.")]
    if hours <= 0:
        return [_("Hours must be more than 0.")]
    if hours > MAX_HOURS_PER_DAY:
        return [_("At most 24 hours a day.")]
    if hours != hours.quantize(TWO_DECIMALS):
        return [_("Hours have at most two decimals.")]
    return []


def time_entry_check(
    *,
    assignment: Assignment,
    work_date: datetime.date,
    hours: Any,
    other_hours: Callable[[], Decimal],
    today: datetime.date | None = None,
) -> Decimal:
    """The hours rules, shared by the services below, the admin's hours grid (through them)
    and the hours import; returns the hours.

    Raises ValidationError: the assignment must be approved or active, the date within it and
    not after today (`today`, by default the portal's: Europe/Amsterdam, not UTC), 0 < hours
    <= 24 with two decimals, and with `other_hours()` (the candidate's other hours that day,
    asked only when the rest holds) at most 24 together.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if assignment.status not in HOURS_OPEN_STATUSES:
        raise ValidationError(
            _(
                "Hours can only be entered on an approved or active assignment; this one is “%(status)s”."
            )
            % {"status": assignment.get_status_display()},
            code="assignment_not_open",
        )
    if not assignment.start_date <= work_date <= assignment.end_date:
        errors["work_date"] = [
            _("%(date)s lies outside the assignment (%(start)s to %(end)s).")
            % {
                "date": _date(work_date),
                "start": _date(assignment.start_date),
                "end": _date(assignment.end_date),
            }
        ]
    elif work_date > today:
        errors["work_date"] = [
            _("%(date)s lies after today (%(today)s): that day has not been worked yet.")
            % {"date": _date(work_date), "today": _date(today)}
        ]
    hour_errors = _hours_errors(hours)
    if hour_errors:
        errors["hours"] = hour_errors
    if errors:
        raise ValidationError(errors)
    hours = Decimal(hours)
    other = other_hours()
    if other + hours > MAX_HOURS_PER_DAY:
        raise _field_error(
            "hours",
            _("The candidate already has %(other)s hours on %(date)s: together more than 24.")
            % {"other": formats.localize(other), "date": _date(work_date)},
            code="day_over_24",
        )
    return hours


def _check_time_entry(entry: TimeEntry, *, assignment: Assignment) -> None:
    def other_hours() -> Decimal:
        return (
            TimeEntry.objects.filter(
                assignment__candidate_id=assignment.candidate_id, work_date=entry.work_date
            )
            .exclude(pk=entry.pk)
            .exclude(status=TimeEntry.Status.CREDITED)
            .aggregate(total=Sum("hours"))["total"]
        ) or Decimal("0")

    entry.hours = time_entry_check(
        assignment=assignment, work_date=entry.work_date, hours=entry.hours, other_hours=other_hours
    )


def _lock_for_hours(assignment_pk: int) -> Assignment:
    """Lock the candidate (which serialises every entry of that person), then the assignment."""
    candidate_pk = Assignment.objects.values_list("candidate_id", flat=True).get(pk=assignment_pk)
    Candidate.objects.select_for_update().filter(pk=candidate_pk).first()
    return Assignment.objects.select_for_update().get(pk=assignment_pk)


def _entry_snapshot(entry: TimeEntry) -> dict[str, Any]:
    return audit_snapshot(entry, fields=["assignment_id", "work_date", "hours", "status"])


def time_entry_create_check(
    *, assignment: Assignment, actor, work_date: datetime.date, hours: Decimal
) -> TimeEntry:
    """The entry `time_entry_create` would save, validated; for the service and the admin.
    Raises ValidationError; writes nothing."""
    entry = TimeEntry(
        assignment=assignment,
        work_date=work_date,
        hours=hours,
        entered_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _check_time_entry(entry, assignment=assignment)
    entry.full_clean()
    return entry


@transaction.atomic
def time_entry_create(
    *, assignment: Assignment, actor, work_date: datetime.date, hours: Decimal
) -> TimeEntry:
    assignment = _lock_for_hours(assignment.pk)
    entry = time_entry_create_check(
        assignment=assignment, actor=actor, work_date=work_date, hours=hours
    )
    entry.save()
    audit_record(actor=actor, action="time_entry.create", obj=entry, after=_entry_snapshot(entry))
    return entry


def time_entry_refuse_invoiced(entry: TimeEntry) -> None:
    """Invoiced and credited hours are locked (shared with the hours import)."""
    if entry.status == TimeEntry.Status.INVOICED:
        raise ValidationError(
            _(
                "These hours are invoiced and locked: correct them with a credit note and a new entry."
            ),
            code="invoiced_locked",
        )
    if entry.status == TimeEntry.Status.CREDITED:
        raise ValidationError(
            _("These hours are credited and kept as history: enter the correction as new hours."),
            code="credited_locked",
        )


# The moves billing makes: invoicing approved hours, releasing them from a deleted draft
# invoice, and crediting invoiced hours.
BILLING_TRANSITIONS = frozenset(
    {
        (TimeEntry.Status.APPROVED, TimeEntry.Status.INVOICED),
        (TimeEntry.Status.INVOICED, TimeEntry.Status.APPROVED),
        (TimeEntry.Status.INVOICED, TimeEntry.Status.CREDITED),
    }
)


def time_entries_billing_transition(
    *, entry_ids: Iterable[int], from_status: str, to_status: str
) -> int:
    """Move the given entries from one billing status to the next; all or none.

    For the billing services only, inside their transaction, after they locked the entries
    (the invoice or credit note they write carries the audit record). Raises ValidationError
    when an entry is not in `from_status` any more, so the caller's transaction rolls back.
    """
    if (from_status, to_status) not in BILLING_TRANSITIONS:
        raise ValueError(f"Not a billing transition: {from_status} -> {to_status}")
    ids = sorted(set(entry_ids))
    count = TimeEntry.objects.filter(pk__in=ids, status=from_status).update(
        status=to_status, updated_at=timezone.now()
    )
    if count != len(ids):
        raise ValidationError(
            _("Some of these hours changed meanwhile; nothing was done. Try again."),
            code="time_entries_changed",
        )
    if to_status == TimeEntry.Status.CREDITED:
        # Credited hours earn nothing: their correction is a new entry that accrues anew.
        time_entries_withdrawn.send(sender=TimeEntry, entry_ids=ids, actor=None)
    return count


def time_entry_update_check(
    *,
    entry: TimeEntry,
    assignment: Assignment,
    hours: Decimal | None = None,
    work_date: datetime.date | None = None,
) -> None:
    """Apply a change to `entry` in memory as `time_entry_update` does (back to entered, for
    re-approval) and validate it; for the service and the admin (on a copy). Raises
    ValidationError; writes nothing."""
    time_entry_refuse_invoiced(entry)
    if hours is not None:
        entry.hours = hours
    if work_date is not None:
        entry.work_date = work_date
    _check_time_entry(entry, assignment=assignment)
    entry.status = TimeEntry.Status.ENTERED
    entry.approved_by = None
    entry.approved_at = None
    entry.full_clean()


@transaction.atomic
def time_entry_update(
    *,
    entry: TimeEntry,
    actor,
    hours: Decimal | None = None,
    work_date: datetime.date | None = None,
) -> TimeEntry:
    """Change entered or approved hours; approved ones go back to entered for re-approval."""
    assignment = _lock_for_hours(entry.assignment_id)
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    time_entry_refuse_invoiced(entry)
    if entry.status == TimeEntry.Status.APPROVED:
        time_entries_withdrawn.send(sender=TimeEntry, entry_ids=[entry.pk], actor=actor)
    before = _entry_snapshot(entry)
    time_entry_update_check(entry=entry, assignment=assignment, hours=hours, work_date=work_date)
    entry.save()
    audit_record(
        actor=actor,
        action="time_entry.update",
        obj=entry,
        before=before,
        after=_entry_snapshot(entry),
    )
    return entry


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor) -> None:
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    time_entry_refuse_invoiced(entry)
    audit_record(actor=actor, action="time_entry.delete", obj=entry, before=_entry_snapshot(entry))
    time_entries_withdrawn.send(sender=TimeEntry, entry_ids=[entry.pk], actor=actor)
    entry.delete()


@transaction.atomic
def time_entries_approve(*, entries: Iterable[TimeEntry] | Any, actor) -> int:
    """Approve the entered entries among `entries` (a queryset or objects); returns the count.

    Approved and invoiced entries are left as they are. One audit record per assignment.
    """
    pks = (
        list(entries.values_list("pk", flat=True))
        if hasattr(entries, "values_list")
        else [entry.pk for entry in entries]
    )
    # The candidates first (the lock order), which serialises the premium accrual per person.
    # Their ids are read step by step by primary key, not through a subquery with a join:
    # that plan looped over whole tables when the statistics said they were empty.
    assignment_ids = set(
        TimeEntry.objects.filter(pk__in=sorted(set(pks))).values_list("assignment_id", flat=True)
    )
    candidate_ids = set(
        Assignment.objects.filter(pk__in=sorted(assignment_ids)).values_list(
            "candidate_id", flat=True
        )
    )
    list(
        Candidate.objects.select_for_update()
        .filter(pk__in=sorted(candidate_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    locked = list(
        TimeEntry.objects.select_for_update()
        .filter(pk__in=pks, status=TimeEntry.Status.ENTERED)
        .order_by("pk")
        .values_list("pk", "assignment_id")
    )
    if not locked:
        return 0
    now = timezone.now()
    count = TimeEntry.objects.filter(pk__in=[pk for pk, _a in locked]).update(
        status=TimeEntry.Status.APPROVED,
        approved_by=actor if actor is not None and actor.is_authenticated else None,
        approved_at=now,
        updated_at=now,
    )
    time_entries_approved.send(sender=TimeEntry, entry_ids=[pk for pk, _a in locked], actor=actor)
    per_assignment: dict[int, int] = {}
    for _pk, assignment_id in locked:
        per_assignment[assignment_id] = per_assignment.get(assignment_id, 0) + 1
    for assignment in Assignment.objects.filter(pk__in=per_assignment).select_related(
        "candidate", "client"
    ):
        audit_record(
            actor=actor,
            action="time_entry.approve",
            obj=assignment,
            summary=f"{per_assignment[assignment.pk]} time entries approved.",
        )
    return count
