"""Deciding a request: the displacement check, the extra sign-off of a large-or-long
assignment, approval, and recording an assignment approved before go-live."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import audit_record, audit_snapshot
from placements.models import (
    Assignment,
    Candidate,
    Client,
    DisplacementCheck,
)
from placements.services._common import (
    _date,
    _field_error,
    _is_coordinator_of,
    _require_coordinator_of,
)
from placements.services.assignments import (
    ASSIGNMENT_AUDIT_FIELDS,
    _apply_terms,
    _lock_assignment,
    _save_assignment,
    _transition,
    assignment_request,
)

CHECK_FIELDS = [
    "temporary_or_peak_work",
    "no_open_vacancy",
    "no_recent_layoffs",
    "works_council_informed",
    "client_signatory_name",
    "client_signed_on",
    "notes",
]


@transaction.atomic
def displacement_check_record(
    *,
    assignment: Assignment,
    actor,
    temporary_or_peak_work: bool,
    no_open_vacancy: bool,
    no_recent_layoffs: bool,
    works_council_informed: bool,
    client_signatory_name: str,
    client_signed_on: datetime.date | None,
    notes: str = "",
    today: datetime.date | None = None,
) -> DisplacementCheck:
    """Record (or redo) the displacement check of a requested assignment: coordinators only."""
    assignment = _lock_assignment(assignment)
    _require_coordinator_of(
        actor, assignment.candidate.municipality, what=_("perform the displacement check")
    )
    return _displacement_check_write(
        assignment,
        actor=actor,
        performed_by=actor,
        performed_at=timezone.now(),
        today=today or timezone.localdate(),
        temporary_or_peak_work=temporary_or_peak_work,
        no_open_vacancy=no_open_vacancy,
        no_recent_layoffs=no_recent_layoffs,
        works_council_informed=works_council_informed,
        client_signatory_name=client_signatory_name,
        client_signed_on=client_signed_on,
        notes=notes,
    )


def _displacement_check_write(
    assignment: Assignment,
    *,
    actor,
    performed_by,
    performed_at: datetime.datetime,
    today: datetime.date,
    summary: str = "",
    **fields: Any,
) -> DisplacementCheck:
    """The check's rules and record, for the locked request `assignment`, performed by a
    coordinator of its municipality (the caller makes sure); `actor` is who the audit names."""
    if assignment.status != Assignment.Status.REQUESTED:
        raise ValidationError(
            _("The displacement check belongs to the request; this assignment is “%(status)s”.")
            % {"status": assignment.get_status_display()},
            code="not_requested",
        )
    if fields["client_signed_on"] is not None and fields["client_signed_on"] > today:
        raise ValidationError({"client_signed_on": _("This date lies in the future.")})
    check = DisplacementCheck.objects.filter(assignment=assignment).first()
    before = audit_snapshot(check, fields=CHECK_FIELDS) if check else {}
    check = check or DisplacementCheck(assignment=assignment)
    for name in CHECK_FIELDS:
        setattr(check, name, fields[name])
    check.client_signatory_name = check.client_signatory_name.strip()
    check.performed_by = performed_by
    check.performed_at = performed_at
    check.full_clean()
    check.save()
    audit_record(
        actor=actor,
        action="displacement_check.record",
        obj=assignment,
        summary=summary,
        before=before,
        after=audit_snapshot(check, fields=CHECK_FIELDS),
    )
    return check


def _sign_off(
    assignment: Assignment, *, actor, reason: str, at: datetime.datetime | None = None
) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise _field_error(
            "sign_off_reason",
            _("Give the reason for signing off this large-or-long assignment."),
            code="sign_off_reason_required",
        )
    assignment.sign_off_by = actor
    assignment.sign_off_at = at or timezone.now()
    assignment.sign_off_reason = reason


@transaction.atomic
def assignment_sign_off(*, assignment: Assignment, actor, reason: str) -> Assignment:
    """The extra sign-off a large-or-long request needs before approval."""
    assignment = _lock_assignment(assignment, lock_client=True)
    _require_coordinator_of(
        actor, assignment.candidate.municipality, what=_("sign off a large-or-long assignment")
    )
    if assignment.status != Assignment.Status.REQUESTED:
        raise ValidationError(
            _("Only a requested assignment can be signed off; this one is “%(status)s”.")
            % {"status": assignment.get_status_display()},
            code="not_requested",
        )
    before = audit_snapshot(assignment, fields=ASSIGNMENT_AUDIT_FIELDS)
    _apply_terms(assignment)
    if not assignment.is_large_or_long:
        raise ValidationError(
            _("This assignment is not large or long: it needs no extra sign-off."),
            code="not_large_or_long",
        )
    _sign_off(assignment, actor=actor, reason=reason)
    return _save_assignment(assignment, actor=actor, action="assignment.sign_off", before=before)


@transaction.atomic
def assignment_approve(*, assignment: Assignment, actor, sign_off_reason: str = "") -> Assignment:
    """Approve a request: a coordinator of the candidate's municipality, after a complete
    displacement check by such a coordinator. A large-or-long assignment needs the extra
    sign-off, given before or here with `sign_off_reason`.

    The client is locked so that concurrent approvals at one client count each other.
    """
    assignment = _lock_assignment(assignment, lock_client=True)
    before = audit_snapshot(assignment, fields=ASSIGNMENT_AUDIT_FIELDS)
    _transition(assignment, Assignment.Status.APPROVED)
    _require_coordinator_of(
        actor, assignment.candidate.municipality, what=_("approve this assignment")
    )
    _approve(assignment, approver=actor, at=timezone.now(), sign_off_reason=sign_off_reason)
    return _save_assignment(assignment, actor=actor, action="assignment.approve", before=before)


def _approve(
    assignment: Assignment, *, approver, at: datetime.datetime, sign_off_reason: str
) -> None:
    """The approval's rules once `approver` may approve (a coordinator of the municipality)
    and the locked assignment moved to approved: a complete displacement check by such a
    coordinator, the terms and flags again, and the extra sign-off where large or long."""
    municipality = assignment.candidate.municipality
    check = DisplacementCheck.objects.filter(assignment=assignment).first()
    if check is None:
        raise ValidationError(
            _("Approval needs the displacement check first."), code="displacement_check_missing"
        )
    if not check.is_complete:
        raise ValidationError(
            _("The displacement check is not complete: %(missing)s.")
            % {"missing": ", ".join(check.missing_items())},
            code="displacement_check_incomplete",
        )
    if not _is_coordinator_of(check.performed_by, municipality):
        raise ValidationError(
            _("The displacement check was not performed by a coordinator of %(municipality)s.")
            % {"municipality": municipality.name},
            code="displacement_check_not_by_coordinator",
        )
    _apply_terms(assignment)
    if assignment.needs_sign_off:
        if not (sign_off_reason or "").strip():
            raise ValidationError(
                _(
                    "This assignment is large or long (%(reasons)s): it needs the extra "
                    "sign-off with a reason."
                )
                % {"reasons": ", ".join(assignment.large_or_long_reasons)},
                code="sign_off_required",
            )
        _sign_off(assignment, actor=approver, reason=sign_off_reason, at=at)
    assignment.decided_by = approver
    assignment.decided_at = at


def _noon(day: datetime.date) -> datetime.datetime:
    """A day known only as a date, as a moment: noon in the portal's time zone, so the
    moment's date is that day in any zone from UTC-11 to UTC+11."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(12)), timezone.get_default_timezone()
    )


@transaction.atomic
def assignment_approval_record(
    *,
    actor,
    candidate: Candidate,
    client: Client,
    start_date: datetime.date,
    end_date: datetime.date,
    hours_per_week: Decimal,
    work_description: str,
    hourly_rate: Decimal | None = None,
    approved_by,
    approved_on: datetime.date,
    checked_on: datetime.date,
    client_signatory_name: str,
    source: str,
    today: datetime.date | None = None,
) -> Assignment:
    """Record an assignment approved before go-live, outside the portal (the opening import).

    It goes the way of any assignment, by the same rules: requested (`assignment_request`:
    active candidate, rate at least the minimum, large-or-long flags), its displacement check
    (complete: the approval attests it; the client's signatory and the check's date given),
    then approved, and signed off where large or long, by `approved_by`, who must be a
    coordinator of the candidate's municipality, on `approved_on`, which is not before the
    check. Neither date lies in the future (Amsterdam's today). The moments are those days at
    noon. `actor` (the back office, or None for the system) is who the audit trail names as
    recording it; `source` (e.g. the import and its file) is named in each of its events.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if checked_on > today:
        errors["checked_on"] = [_("This date lies in the future.")]
    if approved_on > today:
        errors["approved_on"] = [_("This date lies in the future.")]
    elif approved_on < checked_on:
        errors["approved_on"] = [
            _("The approval (%(approved)s) lies before the displacement check (%(checked)s).")
            % {"approved": _date(approved_on), "checked": _date(checked_on)}
        ]
    if not _is_coordinator_of(approved_by, candidate.municipality):
        errors["approved_by"] = [
            _("%(user)s is not a coordinator of %(municipality)s.")
            % {"user": approved_by.email, "municipality": candidate.municipality}
        ]
    if not (client_signatory_name or "").strip():
        errors["client_signatory_name"] = [_("Name who signed the check for the client.")]
    if errors:
        raise ValidationError(errors)
    summary = (
        f"Approved before go-live by {approved_by.email} on {approved_on:%d-%m-%Y} "
        f"(displacement check of {checked_on:%d-%m-%Y}); recorded from {source}."
    )
    assignment = assignment_request(
        actor=actor,
        candidate=candidate,
        client=client,
        start_date=start_date,
        end_date=end_date,
        hours_per_week=hours_per_week,
        work_description=work_description,
        hourly_rate=hourly_rate,
    )
    assignment = _lock_assignment(assignment, lock_client=True)
    _displacement_check_write(
        assignment,
        actor=actor,
        performed_by=approved_by,
        performed_at=_noon(checked_on),
        today=today,
        summary=summary,
        temporary_or_peak_work=True,
        no_open_vacancy=True,
        no_recent_layoffs=True,
        works_council_informed=True,
        client_signatory_name=client_signatory_name,
        client_signed_on=checked_on,
        notes=_("Checked before go-live; recorded from %(source)s.") % {"source": source},
    )
    before = audit_snapshot(assignment, fields=ASSIGNMENT_AUDIT_FIELDS)
    _transition(assignment, Assignment.Status.APPROVED)
    _approve(
        assignment,
        approver=approved_by,
        at=_noon(approved_on),
        sign_off_reason=_("Approved before go-live; recorded from %(source)s.")
        % {"source": source},
    )
    return _save_assignment(
        assignment,
        actor=actor,
        action="assignment.approval_record",
        before=before,
        summary=summary,
    )
