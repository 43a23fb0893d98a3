"""Reads for settlements, already scoped to the user.

The treasurer and the back office see every settlement; a coordinator sees those of their
own municipalities; anyone else sees none. `settlement_get_for_user` raises Http404 outside
the scope, so a URL never confirms that a settlement exists.

The drill-down of a settlement is the documents it was computed from: the invoice lines and
credit note lines of issued documents tagged with its municipality and dated in its
half-year, with exactly the filters of `settlements.figures.settlement_figures`. They are
reached only through a settlement the user may see.
"""

from django.db.models import Case, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.shortcuts import get_object_or_404

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from settlements.models import (
    Period,
    Settlement,
    SettlementLine,
    SettlementRun,
    SettlementStatement,
)
from settlements.runs import settlement_run_municipalities


def _sees_all(user) -> bool:
    return user.is_authenticated and (is_treasurer(user) or is_back_office(user))


def settlement_list_for_user(*, user) -> QuerySet[Settlement]:
    qs = Settlement.objects.select_related("municipality", "submitted_by", "decided_by")
    if _sees_all(user):
        return qs
    if user.is_authenticated and is_coordinator(user):
        return qs.filter(municipality__coordinators=user)
    return qs.none()


def settlement_get_for_user(*, user, pk: int) -> Settlement:
    return get_object_or_404(settlement_list_for_user(user=user), pk=pk)


def settlement_run_list_for_user(*, user) -> QuerySet[SettlementRun]:
    """The runs and their progress: for the treasurer and the back office."""
    if not _sees_all(user):
        return SettlementRun.objects.none()
    return SettlementRun.objects.select_related("municipality").order_by("-started_at", "-pk")


def settlement_queue_order(qs: QuerySet[Settlement]) -> QuerySet[Settlement]:
    """Submitted settlements first (the treasurer's queue, oldest submission first), then
    the rest by half-year (latest first) and municipality."""
    return qs.annotate(
        queue_rank=Case(
            When(status=Settlement.Status.SUBMITTED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("queue_rank", "-year", "-half", "submitted_at", "municipality__name", "pk")


def settlement_lines_for(settlement: Settlement, *, kind: str) -> QuerySet[SettlementLine]:
    """The stored breakdown (by month or by client) of a settlement already in scope."""
    lines = settlement.lines.filter(kind=kind)
    if kind == SettlementLine.Kind.MONTH:
        return lines.order_by("month")
    return lines.order_by("client_name", "client_id")


def settlement_invoice_lines(settlement: Settlement) -> QuerySet[InvoiceLine]:
    """The invoice lines the settlement counted: issued, dated in its half-year, tagged with
    its municipality (the filters of settlements.figures)."""
    period = settlement.period
    return (
        InvoiceLine.objects.filter(
            municipality_id=settlement.municipality_id,
            invoice__status=Invoice.Status.ISSUED,
            invoice__invoice_date__range=(period.start, period.end),
        )
        .select_related("invoice")
        .order_by("invoice__invoice_date", "invoice__number", "candidate_name", "pk")
    )


def settlement_credit_lines(settlement: Settlement) -> QuerySet[CreditNoteLine]:
    """The credit note lines the settlement subtracted: issued, dated in its half-year,
    tagged with its municipality (the filters of settlements.figures)."""
    period = settlement.period
    return (
        CreditNoteLine.objects.filter(
            municipality_id=settlement.municipality_id,
            credit_note__status=CreditNote.Status.ISSUED,
            credit_note__credit_date__range=(period.start, period.end),
        )
        .select_related("credit_note__invoice")
        .order_by("credit_note__credit_date", "credit_note__number", "candidate_name", "pk")
    )


def settlement_statement_for(settlement: Settlement) -> SettlementStatement | None:
    """The stored PDF statement of a settlement already in scope (None until rendered)."""
    if settlement.status != Settlement.Status.APPROVED:
        return None
    return SettlementStatement.objects.filter(settlement=settlement).exclude(pdf="").first()


def _in_periods(periods: list[Period]) -> Q:
    condition = Q(pk__in=[])
    for period in periods:
        condition |= Q(year=period.year, half=period.half)
    return condition


def contribution_settlements(*, user, periods: list[Period]) -> QuerySet[Settlement]:
    """The settlements of the given half-years, for the contribution overview: only the
    treasurer and the back office see it (every member)."""
    if not _sees_all(user):
        return Settlement.objects.none()
    return Settlement.objects.filter(_in_periods(periods))


CONTRIBUTION_SUMS = {
    "gross": Sum("gross"),
    "cm": Sum("contribution_municipality"),
    "co": Sum("contribution_operator"),
    "total": Sum("contribution_municipality") + Sum("contribution_operator"),
}


def contribution_rows(settlements: QuerySet[Settlement]) -> QuerySet:
    """Per municipality: G, Cm, Co and Cm + Co of its settlements, and the status of each
    half-year, grouped and summed by the database."""
    return (
        settlements.values("municipality_id", "municipality__name", "municipality__cbs_code")
        .annotate(
            **CONTRIBUTION_SUMS,
            h1_status=Max("status", filter=Q(half=1)),
            h2_status=Max("status", filter=Q(half=2)),
        )
        .order_by("municipality__name", "municipality_id")
    )


def contribution_totals(settlements: QuerySet[Settlement]) -> dict:
    """The totals over every member, by the database: total Cm (borne by the
    municipalities), total Co (borne by the operator) and the whole contribution."""
    return settlements.aggregate(**CONTRIBUTION_SUMS)


def members_without_settlement(*, user, periods: list[Period]) -> list[tuple[Period, list]]:
    """Per half-year, the members a run settles (settlements.runs: a membership covering a
    day of it) that have no settlement there yet. Treasurer and back office only."""
    if not _sees_all(user):
        return []
    missing = []
    for period in periods:
        settled = Settlement.objects.filter(year=period.year, half=period.half).values(
            "municipality_id"
        )
        municipalities = list(settlement_run_municipalities(period=period).exclude(pk__in=settled))
        if municipalities:
            missing.append((period, municipalities))
    return missing
