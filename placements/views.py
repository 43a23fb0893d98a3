"""The coordinator's placement pages: candidates, assignments with their displacement check,
hours per month, and the exports of each list.

Scope comes from the selectors only: every list starts from `*_list_for_user` and every
object from `*_get_for_user`, which answers 404 outside the coordinator's municipalities.
Writes go through the services; their ValidationErrors come back on the forms. Every page is
a full page that works without JavaScript; htmx (where loaded) only swaps the results of a
filter in place.
"""

import calendar
import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Lower, TruncMonth
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.roles import is_coordinator
from core.decorators import role_required
from core.exports import Column
from core.lists import Export, Sort, list_response
from core.names import surname_sort
from placements.forms import (
    ApproveForm,
    AssignmentFilterForm,
    CandidateFilterForm,
    DisplacementCheckForm,
    MonthFilterForm,
    RejectForm,
    add_service_error,
)
from placements.models import Assignment, Candidate, DisplacementCheck, TimeEntry
from placements.search import candidate_search
from placements.selectors import (
    assignment_get_for_user,
    assignment_list_for_user,
    assignment_thresholds,
    candidate_get_for_user,
    candidate_list_for_user,
    time_entry_list_for_user,
)
from placements.services import (
    assignment_approve,
    assignment_reject,
    candidate_bsn_reveal,
    displacement_check_record,
)

PAGE_SIZE = 50
HOURS_PAGE_SIZE = 100
ZERO = Decimal("0.00")

coordinator_required = role_required(is_coordinator)


def _status_sums(prefix: str = "") -> dict:
    """Sum of hours per time-entry status, and in total, computed by the database."""
    hours = f"{prefix}hours"
    status = f"{prefix}status"
    return {
        "entered": Sum(hours, filter=Q(**{status: TimeEntry.Status.ENTERED}), default=ZERO),
        "approved": Sum(hours, filter=Q(**{status: TimeEntry.Status.APPROVED}), default=ZERO),
        "invoiced": Sum(hours, filter=Q(**{status: TimeEntry.Status.INVOICED}), default=ZERO),
        "total": Sum(hours, default=ZERO),
    }


def _today_stamp() -> str:
    return timezone.localdate().isoformat()


# --- Candidates ----------------------------------------------------------------------------

CANDIDATE_COLUMNS = [
    Column("Klantnummer", lambda c: c.client_number, 14),
    Column("Voornaam", lambda c: c.first_name, 18),
    Column("Achternaam", lambda c: c.last_name, 22),
    Column("Geboortedatum", lambda c: c.birth_date, 14),
    Column("Gemeente", lambda c: c.municipality.name, 20),
    Column("CBS-code", lambda c: c.municipality.cbs_code, 10),
    Column("Status", lambda c: c.get_status_display(), 22),
    Column("Uitgestroomd op", lambda c: c.left_for_work_on, 14),
    Column("Doelgroep loonkostensubsidie", lambda c: c.wage_cost_subsidy, 12),
    Column("BSN geregistreerd", lambda c: c.has_bsn, 12),
    Column("IBAN (gemaskeerd)", lambda c: c.iban_masked, 24),
    Column("Lopende opdrachten", lambda c: c.open_assignments, 12),
]


def _candidates_filtered(request, form: CandidateFilterForm) -> QuerySet[Candidate]:
    candidates = candidate_list_for_user(user=request.user).annotate(
        open_assignments=Count(
            "assignments",
            filter=Q(
                assignments__status__in=[Assignment.Status.APPROVED, Assignment.Status.ACTIVE]
            ),
        )
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            candidates = candidate_search(request, candidates, data["q"])
        if data["status"]:
            candidates = candidates.filter(status=data["status"])
        if data["municipality"]:
            candidates = candidates.filter(municipality=data["municipality"])
    else:
        candidates = candidates.none()
    return candidates


CANDIDATE_SORT = Sort(
    options={
        "name": [surname_sort("last_name"), Lower("first_name")],
        "number": ["client_number"],
        "municipality": ["municipality__name", surname_sort("last_name")],
        "status": ["status", surname_sort("last_name")],
        "birth": ["birth_date"],
        "assignments": ["open_assignments"],
    },
    default="name",
)


@coordinator_required
def candidate_list(request):
    form = CandidateFilterForm(request.GET, user=request.user)
    return list_response(
        request,
        template="placements/candidate_list.html",
        objects=_candidates_filtered(request, form),
        page_size=PAGE_SIZE,
        form=form,
        export=Export(
            columns=CANDIDATE_COLUMNS, filename=f"kandidaten-{_today_stamp()}", title="Kandidaten"
        ),
        sort=CANDIDATE_SORT,
    )


def _candidate_context(request, candidate: Candidate) -> dict:
    assignments = (
        assignment_list_for_user(user=request.user)
        .filter(candidate=candidate)
        .order_by("-start_date", "pk")
    )
    months = (
        time_entry_list_for_user(user=request.user)
        .filter(assignment__candidate=candidate)
        .annotate(month=TruncMonth("work_date"))
        .values("month")
        .annotate(**_status_sums())
        .order_by("-month")
    )
    return {"candidate": candidate, "assignments": assignments, "months": months}


@coordinator_required
def candidate_detail(request, pk: int):
    candidate = candidate_get_for_user(user=request.user, pk=pk)
    return render(
        request, "placements/candidate_detail.html", _candidate_context(request, candidate)
    )


@never_cache
@coordinator_required
@require_POST
def candidate_bsn(request, pk: int):
    """Show the full BSN once, on this response only: never in a URL, a redirect or a log.

    The service writes the audit record. The page is not cached (never_cache), and going
    back or reloading shows the masked number again.
    """
    candidate = candidate_get_for_user(user=request.user, pk=pk)
    context = _candidate_context(request, candidate)
    if candidate.has_bsn:
        context["revealed_bsn"] = candidate_bsn_reveal(candidate=candidate, actor=request.user)
    else:
        messages.info(request, _("No BSN has been registered for this candidate."))
    return render(request, "placements/candidate_detail.html", context)


# --- Assignments ---------------------------------------------------------------------------

ASSIGNMENT_COLUMNS = [
    Column("Klantnummer", lambda a: a.candidate.client_number, 14),
    Column("Kandidaat", lambda a: a.candidate.list_name, 24),
    Column("Gemeente", lambda a: a.candidate.municipality.name, 20),
    Column("Opdrachtgever", lambda a: a.client.name, 28),
    Column("KvK-nummer", lambda a: a.client.kvk_number, 12),
    Column("Startdatum", lambda a: a.start_date, 12),
    Column("Einddatum", lambda a: a.end_date, 12),
    Column("Uren per week", lambda a: a.hours_per_week, 10),
    Column("Uurtarief", lambda a: a.hourly_rate, 10),
    Column("Werkzaamheden", lambda a: a.work_description, 36),
    Column("Status", lambda a: a.get_status_display(), 14),
    Column("Groot of langdurig", lambda a: a.is_large_or_long, 10),
    Column("Signalering", lambda a: ", ".join(a.large_or_long_reasons), 28),
    Column("Extra akkoord op", lambda a: a.sign_off_at, 16),
    Column("Reden afwijzing", lambda a: a.rejection_reason, 28),
    Column("Aangevraagd op", lambda a: a.created_at, 16),
]

ASSIGNMENT_ORDERS = {
    "name": [surname_sort("candidate__last_name"), Lower("candidate__first_name")],
    "client": [Lower("client__name")],
    "municipality": ["candidate__municipality__name"],
    "start": ["start_date", "created_at"],
    "requested": ["created_at"],
    "hours": ["hours_per_week"],
    "rate": ["hourly_rate"],
    "status": ["status", "start_date"],
}


def _assignment_sort(form: AssignmentFilterForm) -> Sort:
    """The requests (the queue) soonest start first; every other list latest start first."""
    queue = form.is_valid() and form.cleaned_data["status"] == Assignment.Status.REQUESTED
    return Sort(options=ASSIGNMENT_ORDERS, default="start" if queue else "-start")


def _list_query(request) -> str:
    """The list's filters and order as the request carries them (no page, no download): the
    assignment page keeps them for the way back and the next request."""
    query = request.GET.copy()
    for name in ("page", "format"):
        query.pop(name, None)
    return query.urlencode()


def _next_request(request, assignment: Assignment) -> Assignment | None:
    """The request after this one in the queue: the list's filters and order, requests only.
    For a request just decided (no longer in the queue), the first one waiting."""
    data = request.GET.copy()
    data["status"] = Assignment.Status.REQUESTED
    form = AssignmentFilterForm(data, user=request.user)
    sort = _assignment_sort(form)
    queue = sort.order(_assignments_filtered(request, form), sort.key(request))
    pks = list(queue.values_list("pk", flat=True))
    later = pks[pks.index(assignment.pk) + 1 :] if assignment.pk in pks else pks
    if not later and pks and pks[0] != assignment.pk:
        later = pks[:1]  # back to the start of the queue
    return assignment_list_for_user(user=request.user).filter(pk__in=later[:1]).first()


def _assignments_filtered(request, form: AssignmentFilterForm) -> QuerySet[Assignment]:
    assignments = assignment_list_for_user(user=request.user)
    if not form.is_valid():
        return assignments.none()
    data = form.cleaned_data
    if data["q"]:
        assignments = candidate_search(request, assignments, data["q"], prefix="candidate__")
    if data["status"]:
        assignments = assignments.filter(status=data["status"])
    if data["flag"] == "yes":
        assignments = assignments.filter(is_large_or_long=True)
    elif data["flag"] == "awaiting":
        assignments = assignments.filter(is_large_or_long=True, sign_off_at__isnull=True)
    elif data["flag"] == "no":
        assignments = assignments.filter(is_large_or_long=False)
    if data["client"]:
        assignments = assignments.filter(client=data["client"])
    if data["municipality"]:
        assignments = assignments.filter(candidate__municipality=data["municipality"])
    return assignments


@coordinator_required
def assignment_list(request):
    form = AssignmentFilterForm(request.GET, user=request.user)
    return list_response(
        request,
        template="placements/assignment_list.html",
        objects=_assignments_filtered(request, form),
        page_size=PAGE_SIZE,
        form=form,
        export=Export(
            columns=ASSIGNMENT_COLUMNS, filename=f"opdrachten-{_today_stamp()}", title="Opdrachten"
        ),
        sort=_assignment_sort(form),
        extra_context=lambda page: {
            "requested_count": assignment_list_for_user(user=request.user)
            .filter(status=Assignment.Status.REQUESTED)
            .count(),
            "list_query": _list_query(request),
        },
    )


def _assignment_page(request, assignment: Assignment, *, status: int = 200, **forms):
    """The assignment page; `forms` replaces the blank check/approve/reject forms."""
    check = DisplacementCheck.objects.filter(assignment=assignment).select_related("performed_by")
    check = check.first()
    is_open = assignment.status == Assignment.Status.REQUESTED
    context = {
        "assignment": assignment,
        "check": check,
        "is_open": is_open,
        "hours": time_entry_list_for_user(user=request.user)
        .filter(assignment=assignment)
        .aggregate(**_status_sums()),
        "check_form": forms.get("check_form")
        or DisplacementCheckForm(instance=check, prefix="check"),
        "approve_form": forms.get("approve_form")
        or ApproveForm(needs_sign_off=assignment.needs_sign_off, prefix="approve"),
        "reject_form": forms.get("reject_form") or RejectForm(prefix="reject"),
        "thresholds": assignment_thresholds(assignment=assignment),
        "list_query": _list_query(request),
        "next_request": _next_request(request, assignment),
    }
    context["failed_form"] = next(
        (form for form in forms.values() if form is not None and form.errors), None
    )
    return render(request, "placements/assignment_detail.html", context, status=status)


def _back_to(request, assignment: Assignment):
    """The assignment's page again, with the list's filters and order kept."""
    response = redirect("placements:assignment_detail", pk=assignment.pk)
    if query := _list_query(request):
        response["Location"] += f"?{query}"
    return response


@coordinator_required
def assignment_detail(request, pk: int):
    assignment = assignment_get_for_user(user=request.user, pk=pk)
    return _assignment_page(request, assignment)


@coordinator_required
@require_POST
def assignment_check(request, pk: int):
    """Record (or redo) the displacement check of a requested assignment."""
    assignment = assignment_get_for_user(user=request.user, pk=pk)
    existing = DisplacementCheck.objects.filter(assignment=assignment).first()
    form = DisplacementCheckForm(request.POST, instance=existing, prefix="check")
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in DisplacementCheckForm.Meta.fields}
        try:
            check = displacement_check_record(assignment=assignment, actor=request.user, **data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if check.is_complete:
                messages.success(
                    request,
                    _("The displacement check has been saved and is complete. You can decide now."),
                )
            else:
                messages.warning(
                    request,
                    _(
                        "The displacement check has been saved, but is not complete yet: %(missing)s."
                    )
                    % {"missing": ", ".join(check.missing_items())},
                )
            return _back_to(request, assignment)
    return _assignment_page(request, assignment, status=400, check_form=form)


@coordinator_required
@require_POST
def assignment_approve_view(request, pk: int):
    assignment = assignment_get_for_user(user=request.user, pk=pk)
    form = ApproveForm(request.POST, needs_sign_off=assignment.needs_sign_off, prefix="approve")
    if form.is_valid():
        try:
            assignment_approve(
                assignment=assignment,
                actor=request.user,
                sign_off_reason=form.cleaned_data.get("sign_off_reason", ""),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The assignment has been approved."))
            return _back_to(request, assignment)
    return _assignment_page(request, assignment, status=400, approve_form=form)


@coordinator_required
@require_POST
def assignment_reject_view(request, pk: int):
    assignment = assignment_get_for_user(user=request.user, pk=pk)
    form = RejectForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            assignment_reject(
                assignment=assignment,
                actor=request.user,
                reason=form.cleaned_data["rejection_reason"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The assignment has been rejected."))
            return _back_to(request, assignment)
    return _assignment_page(request, assignment, status=400, reject_form=form)


# --- Hours per month -----------------------------------------------------------------------

HOURS_COLUMNS = [
    Column("Maand", lambda r: r["month_label"], 10),
    Column("Klantnummer", lambda r: r["assignment__candidate__client_number"], 14),
    Column("Voornaam", lambda r: r["assignment__candidate__first_name"], 18),
    Column("Achternaam", lambda r: r["assignment__candidate__last_name"], 22),
    Column("Gemeente", lambda r: r["assignment__candidate__municipality__name"], 20),
    Column("Opdrachtgever", lambda r: r["assignment__client__name"], 28),
    Column("Startdatum opdracht", lambda r: r["assignment__start_date"], 12),
    Column("Uren ingevoerd", lambda r: r["entered"], 12),
    Column("Uren goedgekeurd", lambda r: r["approved"], 12),
    Column("Uren gefactureerd", lambda r: r["invoiced"], 12),
    Column("Uren totaal", lambda r: r["total"], 12),
]


HOURS_NAME_ORDER = [
    surname_sort("assignment__candidate__last_name"),
    Lower("assignment__candidate__first_name"),
    "assignment__candidate_id",
    "assignment__start_date",
    "assignment_id",
]
HOURS_SORT = Sort(
    options={
        "name": HOURS_NAME_ORDER,
        "client": [Lower("assignment__client__name"), *HOURS_NAME_ORDER],
        "municipality": ["assignment__candidate__municipality__name", *HOURS_NAME_ORDER],
        "entered": ["entered", *HOURS_NAME_ORDER],
        "approved": ["approved", *HOURS_NAME_ORDER],
        "invoiced": ["invoiced", *HOURS_NAME_ORDER],
        "total": ["total", *HOURS_NAME_ORDER],
    },
    default="name",
    tiebreaker="assignment_id",  # rows per assignment: never the time entry's key
)


def _month_bounds(first: datetime.date) -> tuple[datetime.date, datetime.date]:
    last_day = calendar.monthrange(first.year, first.month)[1]
    return first, first.replace(day=last_day)


def _shift_month(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@coordinator_required
def hours_month(request):
    """Hours per candidate-assignment in one month, by status; every sum by the database."""
    data = request.GET.copy()
    if not data.get("month"):
        data["month"] = f"{timezone.localdate():%Y-%m}"
    form = MonthFilterForm(data, user=request.user)
    if form.is_valid():
        month = form.cleaned_data["month"]
        municipality = form.cleaned_data["municipality"]
        entries = time_entry_list_for_user(user=request.user)
    else:
        month, municipality = None, None
        entries = TimeEntry.objects.none()
    if month is not None:
        start, end = _month_bounds(month)
        entries = entries.filter(work_date__range=(start, end))
    if municipality is not None:
        entries = entries.filter(assignment__candidate__municipality=municipality)
    rows = entries.values(
        "assignment_id",
        "assignment__candidate_id",
        "assignment__candidate__client_number",
        "assignment__candidate__first_name",
        "assignment__candidate__last_name",
        "assignment__candidate__municipality__name",
        "assignment__client__name",
        "assignment__start_date",
    ).annotate(**_status_sums())
    label = f"{month:%m-%Y}" if month else ""

    def labelled(rows):
        for row in rows:
            row["month_label"] = label
            yield row

    return list_response(
        request,
        template="placements/hours_month.html",
        objects=rows,
        sort=HOURS_SORT,
        page_size=HOURS_PAGE_SIZE,
        export=Export(
            columns=HOURS_COLUMNS,
            filename=f"uren-{month:%Y-%m}" if month else "uren",
            title="Uren per maand",
            rows=labelled,
        ),
        extra_context=lambda page: {
            "form": form,
            "month": month,
            "month_value": f"{month:%Y-%m}" if month else "",
            "month_label": formats.date_format(month, "YEAR_MONTH_FORMAT") if month else "",
            "previous_month": f"{_shift_month(month, -1):%Y-%m}" if month else "",
            "next_month": f"{_shift_month(month, 1):%Y-%m}" if month else "",
            "totals": entries.aggregate(
                **_status_sums(), candidates=Count("assignment__candidate", distinct=True)
            ),
        },
    )
