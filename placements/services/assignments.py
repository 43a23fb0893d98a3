"""Assignments: the large-or-long flags, request and change a request, reject, activate,
end. The displacement check, sign-off and approval are in placements.services.approvals."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.services import audit_record, audit_snapshot
from core.signals import announce_on_commit
from members.selectors import FrameworkTerms
from placements.models import (
    Assignment,
    Candidate,
    Client,
    DisplacementCheck,
)
from placements.services._common import (
    _date,
    _field_error,
    _require_coordinator_of,
    _require_decimal,
    _terms,
)
from placements.signals import assignment_requested

ASSIGNMENT_FIELDS = [
    "client",
    "start_date",
    "end_date",
    "hours_per_week",
    "work_description",
    "hourly_rate",
]
ASSIGNMENT_AUDIT_FIELDS = [
    "candidate_id",
    "client_id",
    *ASSIGNMENT_FIELDS[1:],
    "status",
    "rejection_reason",
    "is_long",
    "is_large_hours",
    "is_large_concurrent",
    "is_large_or_long",
    "sign_off_by_id",
    "sign_off_reason",
]

# The assignment life cycle: from-state -> the states it may move to.
ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    Assignment.Status.REQUESTED: frozenset(
        {Assignment.Status.APPROVED, Assignment.Status.REJECTED}
    ),
    Assignment.Status.APPROVED: frozenset({Assignment.Status.ACTIVE}),
    Assignment.Status.ACTIVE: frozenset({Assignment.Status.ENDED}),
    Assignment.Status.REJECTED: frozenset(),
    Assignment.Status.ENDED: frozenset(),
}
# Approved and active assignments count towards concurrency at a client.
CONCURRENT_STATUSES = (Assignment.Status.APPROVED, Assignment.Status.ACTIVE)


def _transition(assignment: Assignment, to: str) -> None:
    if to not in ASSIGNMENT_TRANSITIONS[assignment.status]:
        raise ValidationError(
            _("An assignment cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": Assignment.Status(assignment.status).label,
                "to": Assignment.Status(to).label,
            },
            code="illegal_transition",
        )
    assignment.status = to


def _save_assignment(
    assignment: Assignment,
    *,
    actor,
    action: str,
    before: dict,
    summary: str = "",
    checked: bool = False,
) -> Assignment:
    """Validate (unless a `*_check` function just did), save and audit."""
    if not checked:
        assignment.full_clean()
    assignment.save()
    audit_record(
        actor=actor,
        action=action,
        obj=assignment,
        summary=summary,
        before=before,
        after=audit_snapshot(assignment, fields=ASSIGNMENT_AUDIT_FIELDS),
    )
    return assignment


def _lock_assignment(assignment: Assignment, *, lock_client: bool = False) -> Assignment:
    if lock_client:
        Client.objects.select_for_update().filter(pk=assignment.client_id).first()
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("candidate__municipality", "client")
        .get(pk=assignment.pk)
    )


def assignment_flags(*, assignment: Assignment, terms: FrameworkTerms) -> tuple[bool, bool, bool]:
    """(long, many hours, many concurrent candidates) against the framework thresholds.

    Long: more than `long_after_weeks` weeks from start to end date (both included). Many
    hours: more than `large_hours_per_week`. Concurrent: the candidates with an approved or
    active assignment at the same client overlapping these dates, this one included, number
    at least `large_concurrent_candidates`.
    """
    days = (assignment.end_date - assignment.start_date).days + 1
    is_long = days > terms.long_after_weeks * 7
    is_large_hours = assignment.hours_per_week > terms.large_hours_per_week
    others = (
        Assignment.objects.filter(
            client_id=assignment.client_id,
            status__in=CONCURRENT_STATUSES,
            start_date__lte=assignment.end_date,
            end_date__gte=assignment.start_date,
        )
        .exclude(candidate_id=assignment.candidate_id)
        .values("candidate_id")
        .distinct()
        .count()
    )
    is_large_concurrent = others + 1 >= terms.large_concurrent_candidates
    return is_long, is_large_hours, is_large_concurrent


def _apply_terms(assignment: Assignment) -> None:
    """Default and check the rate, and set the large-or-long flags, from the framework."""
    if assignment.end_date < assignment.start_date:
        raise ValidationError({"end_date": _("The end date lies before the start date.")})
    terms = _terms(municipality=assignment.candidate.municipality, on=assignment.start_date)
    if assignment.hourly_rate is None:
        assignment.hourly_rate = terms.client_hourly_rate_min
    if assignment.hourly_rate < terms.client_hourly_rate_min:
        raise _field_error(
            "hourly_rate",
            _("At least %(minimum)s: the minimum client hourly rate in force on %(date)s.")
            % {
                "minimum": formats.localize(terms.client_hourly_rate_min, use_l10n=True),
                "date": _date(assignment.start_date),
            },
            code="rate_below_minimum",
        )
    flags = assignment_flags(assignment=assignment, terms=terms)
    assignment.is_long, assignment.is_large_hours, assignment.is_large_concurrent = flags
    was_flagged = assignment.is_large_or_long
    assignment.is_large_or_long = any(flags)
    if was_flagged != assignment.is_large_or_long and not assignment.is_large_or_long:
        _clear_sign_off(assignment)


def _clear_sign_off(assignment: Assignment) -> None:
    assignment.sign_off_by = None
    assignment.sign_off_at = None
    assignment.sign_off_reason = ""


def assignment_request_check(
    *,
    actor,
    candidate: Candidate,
    client: Client,
    start_date: datetime.date,
    end_date: datetime.date,
    hours_per_week: Decimal,
    work_description: str,
    hourly_rate: Decimal | None = None,
) -> Assignment:
    """The assignment `assignment_request` would save (rate and flags from the framework),
    validated; for the service and the admin. Raises ValidationError; writes nothing."""
    if candidate.status != Candidate.Status.ACTIVE:
        raise ValidationError(
            {"candidate": _("Only an active candidate can be given an assignment.")}
        )
    assignment = Assignment(
        candidate=candidate,
        client=client,
        start_date=start_date,
        end_date=end_date,
        hours_per_week=_require_decimal(hours_per_week, field="hours_per_week"),
        work_description=work_description,
        hourly_rate=None
        if hourly_rate is None
        else _require_decimal(hourly_rate, field="hourly_rate"),
        status=Assignment.Status.REQUESTED,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _apply_terms(assignment)
    assignment.full_clean()
    return assignment


@transaction.atomic
def assignment_request(
    *,
    actor,
    candidate: Candidate,
    client: Client,
    start_date: datetime.date,
    end_date: datetime.date,
    hours_per_week: Decimal,
    work_description: str,
    hourly_rate: Decimal | None = None,
) -> Assignment:
    """Request an assignment; the rate defaults to the framework's minimum on the start date."""
    assignment = assignment_request_check(
        actor=actor,
        candidate=candidate,
        client=client,
        start_date=start_date,
        end_date=end_date,
        hours_per_week=hours_per_week,
        work_description=work_description,
        hourly_rate=hourly_rate,
    )
    _save_assignment(assignment, actor=actor, action="assignment.request", before={}, checked=True)
    announce_on_commit(
        assignment_requested, sender=Assignment, object_id=assignment.pk, actor=actor
    )
    return assignment


def assignment_update_check(*, assignment: Assignment, **fields: Any) -> None:
    """Apply `fields` to `assignment` (a request) in memory and validate it, as
    `assignment_update` does (and the admin, on a copy). Raises ValidationError; writes
    nothing."""
    unknown = set(fields) - set(ASSIGNMENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown assignment fields: {', '.join(sorted(unknown))}")
    if assignment.status != Assignment.Status.REQUESTED:
        raise ValidationError(
            _("Only a requested assignment can be changed; this one is “%(status)s”.")
            % {"status": assignment.get_status_display()},
            code="not_requested",
        )
    if (
        "client" in fields
        and fields["client"].pk != assignment.client_id
        and DisplacementCheck.objects.filter(assignment=assignment).exists()
    ):
        raise ValidationError(
            {
                "client": _(
                    "The displacement check was made with this client: reject this request "
                    "and request a new assignment instead."
                )
            }
        )
    for name in ("hours_per_week", "hourly_rate"):
        if fields.get(name) is not None:
            fields[name] = _require_decimal(fields[name], field=name)
    changed = {name for name, value in fields.items() if getattr(assignment, name) != value}
    for name, value in fields.items():
        setattr(assignment, name, value)
    _apply_terms(assignment)
    if changed & {"client", "start_date", "end_date", "hours_per_week"}:
        _clear_sign_off(assignment)  # the sign-off was given for other terms
    assignment.full_clean()


@transaction.atomic
def assignment_update(*, assignment: Assignment, actor, **fields: Any) -> Assignment:
    """Change a request; once decided an assignment's terms stay (end it, or request anew)."""
    unknown = set(fields) - set(ASSIGNMENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown assignment fields: {', '.join(sorted(unknown))}")
    assignment = _lock_assignment(assignment, lock_client=True)
    before = audit_snapshot(assignment, fields=ASSIGNMENT_AUDIT_FIELDS)
    assignment_update_check(assignment=assignment, **fields)
    return _save_assignment(
        assignment, actor=actor, action="assignment.update", before=before, checked=True
    )


@transaction.atomic
def assignment_reject(*, assignment: Assignment, actor, reason: str) -> Assignment:
    assignment = _lock_assignment(assignment)
    before = audit_snapshot(assignment, fields=ASSIGNMENT_AUDIT_FIELDS)
    _transition(assignment, Assignment.Status.REJECTED)
    _require_coordinator_of(
        actor, assignment.candidate.municipality, what=_("reject this assignment")
    )
    reason = (reason or "").strip()
    if not reason:
        raise _field_error(
            "rejection_reason", _("A rejection needs a reason."), code="reason_required"
        )
    assignment.rejection_reason = reason
    assignment.decided_by = actor
    assignment.decided_at = timezone.now()
    return _save_assignment(assignment, actor=actor, action="assignment.reject", before=before)


@transaction.atomic
def assignment_activate(*, assignment: Assignment, actor) -> Assignment:
    assignment = _lock_assignment(assignment)
    before = audit_snapshot(assignment, fields=ASSIGNMENT_AUDIT_FIELDS)
    _transition(assignment, Assignment.Status.ACTIVE)
    return _save_assignment(assignment, actor=actor, action="assignment.activate", before=before)


@transaction.atomic
def assignment_end(
    *, assignment: Assignment, actor, end_date: datetime.date | None = None
) -> Assignment:
    """End an active assignment, on its planned end date or earlier."""
    assignment = _lock_assignment(assignment)
    before = audit_snapshot(assignment, fields=ASSIGNMENT_AUDIT_FIELDS)
    _transition(assignment, Assignment.Status.ENDED)
    if end_date is not None and end_date != assignment.end_date:
        if not assignment.start_date <= end_date <= assignment.end_date:
            raise ValidationError(
                {
                    "end_date": _("An assignment can end between %(start)s and %(end)s.")
                    % {"start": _date(assignment.start_date), "end": _date(assignment.end_date)}
                }
            )
        later = assignment.time_entries.filter(work_date__gt=end_date).order_by("work_date")
        first_later = later.first()
        if first_later is not None:
            raise ValidationError(
                {
                    "end_date": _("There are hours on %(date)s, after this end date.")
                    % {"date": _date(first_later.work_date)}
                }
            )
        assignment.end_date = end_date
    return _save_assignment(assignment, actor=actor, action="assignment.end", before=before)
