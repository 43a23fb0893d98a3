"""Writes for the placements app.

Every service is keyword-only, runs in one transaction, locks the rows it changes and writes
its audit record in that same transaction. Rows are always locked in this order, so two
services never wait on each other in a circle: client, candidate, assignment, time entries
(several of one kind in primary-key order).

The plain BSN passes through `candidate_create` / `candidate_update` and comes out of
`candidate_bsn_reveal` only; it is never logged, never part of an audit record.
"""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.roles import is_coordinator
from core.services import audit_record, audit_snapshot
from core.validators import iban_normalise
from members.models import Municipality
from members.selectors import FrameworkNotInForce, FrameworkTerms, framework_in_force
from placements.bsn import bsn_decrypt, bsn_encrypt, bsn_lookup_hash
from placements.models import (
    MAX_HOURS_PER_DAY,
    Assignment,
    Candidate,
    Client,
    DisplacementCheck,
    TimeEntry,
)
from placements.signals import time_entries_approved, time_entries_withdrawn
from placements.validators import (
    bsn_normalise,
    kvk_normalise,
    vat_normalise,
)

CANDIDATE_FIELDS = [
    "client_number",
    "first_name",
    "last_name",
    "birth_date",
    "iban",
    "status",
    "left_for_work_on",
    "wage_cost_subsidy",
]
CLIENT_FIELDS = [
    "name",
    "kvk_number",
    "vat_number",
    "billing_address",
    "billing_email",
    "contact_person",
    "framework_agreement_date",
]
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
CHECK_FIELDS = [
    "temporary_or_peak_work",
    "no_open_vacancy",
    "no_recent_layoffs",
    "works_council_informed",
    "client_signatory_name",
    "client_signed_on",
    "notes",
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
# Hours may be entered or changed only while the assignment is approved or active.
HOURS_OPEN_STATUSES = frozenset({Assignment.Status.APPROVED, Assignment.Status.ACTIVE})
CONCURRENT_STATUSES = (Assignment.Status.APPROVED, Assignment.Status.ACTIVE)
TWO_DECIMALS = Decimal("0.01")


# --- Helpers -------------------------------------------------------------------------------


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _field_error(field: str, message: str, *, code: str) -> ValidationError:
    """A ValidationError on one field that keeps its code (a dict of plain strings drops it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _require_decimal(value: Any, *, field: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"{field} must be a Decimal, not a float.")
    if isinstance(value, int | str):
        value = Decimal(value)
    return value


def _candidate_snapshot(candidate: Candidate) -> dict[str, Any]:
    data = audit_snapshot(candidate, fields=["municipality_id", *CANDIDATE_FIELDS])
    data["bsn"] = candidate.bsn_masked
    data["iban"] = candidate.iban_masked
    return data


def _is_coordinator_of(user, municipality: Municipality) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and is_coordinator(user)
        and municipality.coordinators.filter(pk=user.pk).exists()
    )


def _require_coordinator_of(user, municipality: Municipality, *, what: str) -> None:
    if not _is_coordinator_of(user, municipality):
        raise PermissionDenied(
            _("Only a coordinator of %(municipality)s may %(what)s.")
            % {"municipality": municipality.name, "what": what}
        )


def _terms(*, municipality: Municipality, on: datetime.date) -> FrameworkTerms:
    try:
        return framework_in_force(municipality=municipality, on=on)
    except FrameworkNotInForce as error:
        raise ValidationError({"start_date": str(error)}) from error


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


# --- Candidates ----------------------------------------------------------------------------


def _apply_bsn(candidate: Candidate, bsn: str) -> None:
    if not bsn:
        candidate.bsn_encrypted = candidate.bsn_hash = candidate.bsn_last_digits = ""
        return
    try:
        number = bsn_normalise(bsn)
    except ValidationError as error:
        raise ValidationError({"bsn": error.messages}) from None
    candidate.bsn_encrypted = bsn_encrypt(number)
    candidate.bsn_hash = bsn_lookup_hash(number)
    candidate.bsn_last_digits = number[-4:]


def _apply_candidate_fields(candidate: Candidate, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(CANDIDATE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown candidate fields: {', '.join(sorted(unknown))}")
    if fields.get("iban"):
        try:
            fields["iban"] = iban_normalise(fields["iban"])
        except ValidationError as error:
            raise ValidationError({"iban": error.messages}) from None
    for name, value in fields.items():
        setattr(candidate, name, value)
    if candidate.status != Candidate.Status.LEFT_FOR_WORK:
        candidate.left_for_work_on = None


def _apply_candidate_changes(
    candidate: Candidate, *, fields: dict[str, Any], bsn: str | None
) -> None:
    """Apply fields and BSN, reporting the IBAN and BSN errors together."""
    errors: dict[str, list] = {}
    try:
        _apply_candidate_fields(candidate, fields)
    except ValidationError as error:
        errors.update(error.error_dict)
    if bsn is not None:
        try:
            _apply_bsn(candidate, bsn)
        except ValidationError as error:
            errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)


def candidate_check(*, candidate: Candidate, bsn: str | None = None, **fields: Any) -> None:
    """Apply `fields` and `bsn` to `candidate` in memory and validate it, as the services
    below do (they call it; so does the admin, on a copy, while its form validates). Raises
    ValidationError; writes nothing."""
    _apply_candidate_changes(candidate, fields=fields, bsn=bsn)
    candidate.full_clean()


@transaction.atomic
def candidate_create(
    *, actor, municipality: Municipality, bsn: str = "", **fields: Any
) -> Candidate:
    """Register a candidate. `fields`: client number, names, birth date, IBAN, status, ..."""
    candidate = Candidate(municipality=municipality)
    candidate_check(candidate=candidate, bsn=bsn, **fields)
    candidate.save()
    audit_record(
        actor=actor, action="candidate.create", obj=candidate, after=_candidate_snapshot(candidate)
    )
    return candidate


@transaction.atomic
def candidate_update(
    *, candidate: Candidate, actor, bsn: str | None = None, **fields: Any
) -> Candidate:
    """Change a candidate. `bsn`: None leaves it, "" removes it, a number replaces it."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    before = _candidate_snapshot(candidate)
    candidate_check(candidate=candidate, bsn=bsn, **fields)
    candidate.save()
    audit_record(
        actor=actor,
        action="candidate.update",
        obj=candidate,
        before=before,
        after=_candidate_snapshot(candidate),
    )
    return candidate


@transaction.atomic
def candidate_bsn_reveal(*, candidate: Candidate, actor) -> str:
    """The full BSN, for someone who may see the candidate; every call is in the audit trail."""
    from placements.selectors import candidate_list_for_user

    if not candidate_list_for_user(user=actor).filter(pk=candidate.pk).exists():
        raise PermissionDenied(_("You may not see this candidate."))
    stored = Candidate.objects.only("pk", "bsn_encrypted").get(pk=candidate.pk)
    if not stored.bsn_encrypted:
        return ""
    audit_record(
        actor=actor,
        action="candidate.bsn_reveal",
        obj=candidate,
        summary="The full BSN was shown.",
    )
    return bsn_decrypt(stored.bsn_encrypted)


def candidate_find_by_bsn(*, municipality: Municipality, bsn: str) -> Candidate | None:
    """The municipality's candidate with this BSN, found by its keyed hash (no decryption)."""
    return Candidate.objects.filter(
        municipality=municipality, bsn_hash=bsn_lookup_hash(bsn_normalise(bsn))
    ).first()


# --- Clients -------------------------------------------------------------------------------


def _apply_client_fields(client: Client, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown client fields: {', '.join(sorted(unknown))}")
    errors = {}
    if "kvk_number" in fields:
        try:
            fields["kvk_number"] = kvk_normalise(fields["kvk_number"])
        except ValidationError as error:
            errors["kvk_number"] = error.messages
    if fields.get("vat_number"):
        try:
            fields["vat_number"] = vat_normalise(fields["vat_number"])
        except ValidationError as error:
            errors["vat_number"] = error.messages
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(client, name, value)


def client_check(*, client: Client, **fields: Any) -> None:
    """Apply `fields` to `client` in memory and validate it, as the services below do (and
    the admin, on a copy). Raises ValidationError; writes nothing."""
    _apply_client_fields(client, fields)
    client.full_clean()


@transaction.atomic
def client_create(*, actor, **fields: Any) -> Client:
    client = Client()
    client_check(client=client, **fields)
    client.save()
    audit_record(
        actor=actor,
        action="client.create",
        obj=client,
        after=audit_snapshot(client, fields=CLIENT_FIELDS),
    )
    return client


@transaction.atomic
def client_update(*, client: Client, actor, **fields: Any) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = audit_snapshot(client, fields=CLIENT_FIELDS)
    client_check(client=client, **fields)
    client.save()
    audit_record(
        actor=actor,
        action="client.update",
        obj=client,
        before=before,
        after=audit_snapshot(client, fields=CLIENT_FIELDS),
    )
    return client


# --- Assignments ---------------------------------------------------------------------------


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
    return _save_assignment(
        assignment, actor=actor, action="assignment.request", before={}, checked=True
    )


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


# --- Hours ---------------------------------------------------------------------------------


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
