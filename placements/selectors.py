"""Reads for the placements app, already scoped to the user.

Coordinators see the candidates of their own municipalities, and everything hanging off
them; the back office and NVSI's treasurer see all. Anyone else sees nothing. The `*_get_*`
functions raise Http404 outside the scope, so a URL never confirms that an object exists.
"""

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from core.formatting import number
from members.selectors import framework_in_force
from placements.models import Assignment, Candidate, Client, TimeEntry


def _scope(*, user, municipality_path: str) -> Q | None:
    """None: everything; otherwise the filter to apply (a never-true one for nobody)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if is_back_office(user) or is_treasurer(user):
        return None
    if is_coordinator(user):
        return Q(**{f"{municipality_path}__coordinators": user})
    return Q(pk__in=[])


def _scoped(qs: QuerySet, *, user, municipality_path: str) -> QuerySet:
    scope = _scope(user=user, municipality_path=municipality_path)
    return qs if scope is None else qs.filter(scope)


def candidate_list_for_user(*, user) -> QuerySet[Candidate]:
    qs = Candidate.objects.select_related("municipality")
    return _scoped(qs, user=user, municipality_path="municipality")


def candidate_get_for_user(*, user, pk: int) -> Candidate:
    return get_object_or_404(candidate_list_for_user(user=user), pk=pk)


def client_list_for_user(*, user) -> QuerySet[Client]:
    """Back office and treasurer: every client; a coordinator: those their candidates work for."""
    scope = _scope(user=user, municipality_path="assignments__candidate__municipality")
    if scope is None:
        return Client.objects.all()
    return Client.objects.filter(pk__in=Client.objects.filter(scope).values("pk"))


def assignment_list_for_user(*, user) -> QuerySet[Assignment]:
    qs = Assignment.objects.select_related("candidate__municipality", "client")
    return _scoped(qs, user=user, municipality_path="candidate__municipality")


def assignment_get_for_user(*, user, pk: int) -> Assignment:
    return get_object_or_404(assignment_list_for_user(user=user), pk=pk)


def assignment_list_flagged(*, user) -> QuerySet[Assignment]:
    """The large-or-long overview: everything for the treasurer and back office."""
    return assignment_list_for_user(user=user).filter(is_large_or_long=True)


def time_entry_list_for_user(*, user) -> QuerySet[TimeEntry]:
    qs = TimeEntry.objects.select_related(
        "assignment__candidate__municipality", "assignment__client"
    )
    return _scoped(qs, user=user, municipality_path="assignment__candidate__municipality")


def assignment_thresholds(*, assignment: Assignment, terms_cache: dict | None = None) -> list[str]:
    """Each large-or-long threshold the assignment crosses, with its figure and the framework's
    limit ("long: 30 weeks, at most 20"), against the framework in force on its start date.
    `terms_cache` keeps the terms per (municipality, start date) over a list of assignments."""
    if not assignment.is_large_or_long:
        return []
    municipality = assignment.candidate.municipality
    key = (municipality.pk, assignment.start_date)
    cache = {} if terms_cache is None else terms_cache
    if key not in cache:
        cache[key] = framework_in_force(municipality=municipality, on=assignment.start_date)
    terms = cache[key]
    reasons = []
    if assignment.is_long:
        days = (assignment.end_date - assignment.start_date).days + 1
        weeks = Decimal(days) / 7
        reasons.append(
            _("long: %(weeks)s weeks, at most %(limit)s")
            % {"weeks": number(weeks, 0 if days % 7 == 0 else 1), "limit": terms.long_after_weeks}
        )
    if assignment.is_large_hours:
        reasons.append(
            _("many hours: %(hours)s hours a week, at most %(limit)s")
            % {
                "hours": number(assignment.hours_per_week),
                "limit": number(terms.large_hours_per_week),
            }
        )
    if assignment.is_large_concurrent:
        concurrent = (
            Assignment.objects.filter(
                client_id=assignment.client_id,
                status__in=(Assignment.Status.APPROVED, Assignment.Status.ACTIVE),
                start_date__lte=assignment.end_date,
                end_date__gte=assignment.start_date,
            )
            .exclude(candidate_id=assignment.candidate_id)
            .values("candidate_id")
            .distinct()
            .count()
            + 1
        )
        reasons.append(
            _("many candidates: %(count)s at this client at once, flagged from %(limit)s")
            % {"count": concurrent, "limit": terms.large_concurrent_candidates}
        )
    return reasons
