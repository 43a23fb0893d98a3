"""Reads for settlements, already scoped to the user.

The treasurer and the back office see every settlement; a coordinator sees those of their
own municipalities; anyone else sees none. `settlement_get_for_user` raises Http404 outside
the scope, so a URL never confirms that a settlement exists.

The drill-down of a settlement is the documents it was computed from: the invoice lines and
credit note lines of issued documents tagged with its municipality and dated in its
half-year, with exactly the filters of `settlements.figures.settlement_figures`. They are
reached only through a settlement the user may see.

The dashboard's months (`dashboard_months`) read the stored month lines of settled
half-years and compute a started half-year without a settlement live, for municipalities
already scoped to the user.
"""

import dataclasses
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.roles import is_back_office, is_coordinator, is_nvsi_board, is_treasurer
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from settlements.models import (
    Period,
    Settlement,
    SettlementLine,
    SettlementRun,
    SettlementStatement,
)
from settlements.services import settlement_amounts, settlement_terms
from settlements.services.runs import settlement_run_municipalities

ZERO = Decimal("0.00")


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


def previews_statements(user) -> bool:
    """The treasurer and the NVSI board may read a statement before it is approved."""
    return user.is_authenticated and (is_treasurer(user) or is_nvsi_board(user))


def settlement_preview_get_for_user(*, user, pk: int) -> Settlement:
    """A settlement not yet approved whose statement the user may preview (the treasurer
    and the board); Http404 for anyone else and for an approved one (it has its statement)."""
    if not previews_statements(user):
        raise Http404
    return get_object_or_404(
        Settlement.objects.select_related("municipality", "submitted_by", "decided_by").exclude(
            status=Settlement.Status.APPROVED
        ),
        pk=pk,
    )


def settlement_years(*, today: datetime.date) -> list[int]:
    """The years to choose from, latest first: every year with a settlement, and this one."""
    years = set(Settlement.objects.values_list("year", flat=True).distinct())
    years.add(today.year)
    return sorted(years, reverse=True)


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


def settlement_breakdown(settlement: Settlement, *, kind: str) -> tuple[list[SettlementLine], dict]:
    """The stored breakdown of a settlement already in scope, with its hours, G and P
    totals."""
    lines = settlement_lines_for(settlement, kind=kind)
    totals = lines.aggregate(
        hours=Coalesce(Sum("hours"), ZERO),
        gross=Coalesce(Sum("gross"), ZERO),
        premiums=Coalesce(Sum("premiums"), ZERO),
    )
    return list(lines), totals


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


def settlement_documents(settlement: Settlement) -> dict:
    """The documents as they are now, to reconcile with the stored G: the count and amount
    of the invoice lines and credit note lines, and invoiced minus credited."""
    invoiced = settlement_invoice_lines(settlement).aggregate(
        count=Count("pk"), amount=Coalesce(Sum("amount"), ZERO)
    )
    credited = settlement_credit_lines(settlement).aggregate(
        count=Count("pk"), amount=Coalesce(Sum("amount"), ZERO)
    )
    net = invoiced["amount"] - credited["amount"]
    return {"invoiced": invoiced, "credited": credited, "net": net}


def document_line_totals(lines: QuerySet) -> dict:
    """The count, hours and amount of invoice lines or credit note lines."""
    return lines.aggregate(
        count=Count("pk"),
        hours=Coalesce(Sum("hours"), ZERO),
        amount=Coalesce(Sum("amount"), ZERO),
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
    """Per half-year, the members a run settles (settlements.services.runs: a membership covering a
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


# --- The dashboard ---------------------------------------------------------------------------


@dataclasses.dataclass
class MonthRow:
    month: datetime.date
    hours: Decimal = ZERO
    gross: Decimal = ZERO
    premiums: Decimal = ZERO
    fee: Decimal = ZERO
    contribution: Decimal = ZERO
    result: Decimal | None = ZERO
    sources: set = dataclasses.field(default_factory=set)
    future: bool = False

    @property
    def final(self) -> bool:
        return self.sources == {Settlement.Status.APPROVED}

    def add(self, *, hours, gross, premiums, terms) -> None:
        self.hours += hours
        self.gross += gross
        self.premiums += premiums
        if terms is None or self.result is None:
            self.result = None
            return
        # The settlement's own formula, applied to the month: an estimate per month.
        amounts = settlement_amounts(gross=gross, premiums=premiums, terms=terms)
        self.fee += amounts["fee"]
        self.contribution += amounts["contribution_municipality"]
        self.result += amounts["result"]


def _terms_of(settlement_values: dict) -> dict:
    return {
        "fee_percentage": settlement_values["settlement__fee_percentage"],
        "contribution_municipality_percentage": settlement_values[
            "settlement__contribution_municipality_percentage"
        ],
        "contribution_operator_percentage": settlement_values[
            "settlement__contribution_operator_percentage"
        ],
    }


# The live half-year of many municipalities at once: settlements.figures.FIGURES_SQL's
# documents, filters and "last accrual" rule, grouped by municipality and month only (the
# dashboard needs no client rows). Unlike that statement (one municipality, its lines probed
# by key), the lines join their documents plainly: the planner reads a half-year that has
# barely started by the documents' (status, date) index (the running half-year: a few ms for
# 35 municipalities where probing their lines took over a second) and hashes a full one
# once for all the municipalities. Links and accruals are probed by key as there.
# %(municipalities)s (a list of ids), %(start)s, %(end)s. Rows: (source, municipality, month,
# hours, amount).
LIVE_MONTHS_SQL = """
WITH invoiced AS MATERIALIZED (
    SELECT l.id, l.municipality_id, l.hours, l.amount,
           date_trunc('month', i.invoice_date::timestamp)::date AS month
    FROM billing_invoiceline l
    JOIN billing_invoice i ON i.id = l.invoice_id
    WHERE l.municipality_id = ANY(%(municipalities)s)
      AND i.status = 'issued' AND i.invoice_date BETWEEN %(start)s AND %(end)s
), credited AS MATERIALIZED (
    SELECT l.id, l.municipality_id, l.hours, l.amount,
           date_trunc('month', c.credit_date::timestamp)::date AS month
    FROM billing_creditnoteline l
    JOIN billing_creditnote c ON c.id = l.credit_note_id
    WHERE l.municipality_id = ANY(%(municipalities)s)
      AND c.status = 'issued' AND c.credit_date BETWEEN %(start)s AND %(end)s
)
SELECT 'invoice', municipality_id, month, SUM(hours), SUM(amount)
FROM invoiced GROUP BY municipality_id, month
UNION ALL
SELECT 'credit', municipality_id, month, SUM(hours), SUM(amount)
FROM credited GROUP BY municipality_id, month
UNION ALL
SELECT 'invoice_premium', d.municipality_id, d.month, NULL, SUM(a.amount)
FROM invoiced d
CROSS JOIN LATERAL (
    SELECT e.time_entry_id FROM billing_invoicelineentry e WHERE e.line_id = d.id OFFSET 0
) e
CROSS JOIN LATERAL (
    SELECT (array_agg(a.amount ORDER BY a.id DESC))[1] AS amount
    FROM premiums_premiumaccrual a
    WHERE a.time_entry_id = e.time_entry_id AND a.kind = 'accrual'
) a
WHERE a.amount IS NOT NULL
GROUP BY d.municipality_id, d.month
UNION ALL
SELECT 'credit_premium', d.municipality_id, d.month, NULL, SUM(a.amount)
FROM credited d
CROSS JOIN LATERAL (
    SELECT e.time_entry_id FROM billing_creditnotelineentry e WHERE e.line_id = d.id OFFSET 0
) e
CROSS JOIN LATERAL (
    SELECT (array_agg(a.amount ORDER BY a.id DESC))[1] AS amount
    FROM premiums_premiumaccrual a
    WHERE a.time_entry_id = e.time_entry_id AND a.kind = 'accrual'
) a
WHERE a.amount IS NOT NULL
GROUP BY d.municipality_id, d.month
"""


@dataclasses.dataclass
class MonthPart:
    """Hours, G and P of one municipality's month, as settlement_figures' `by_month`."""

    municipality_id: int
    month: datetime.date
    hours: Decimal = ZERO
    gross: Decimal = ZERO
    premiums: Decimal = ZERO


def live_figures_by_month(*, municipality_ids: list[int], period: Period) -> list[MonthPart]:
    """Per municipality and month of the document date: what `settlement_figures` gives
    each of them by month, for all of them in one statement (municipalities already
    scoped)."""
    if not municipality_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            LIVE_MONTHS_SQL,
            {"municipalities": list(municipality_ids), "start": period.start, "end": period.end},
        )
        rows = cursor.fetchall()
    parts: dict[tuple[int, datetime.date], MonthPart] = {}
    for source, municipality_id, month, hours, amount in rows:
        part = parts.setdefault((municipality_id, month), MonthPart(municipality_id, month))
        if source == "invoice":
            part.hours += hours
            part.gross += amount
        elif source == "credit":
            part.hours -= hours
            part.gross -= amount
        elif source == "invoice_premium":
            part.premiums += amount
        else:
            part.premiums -= amount
    return [parts[key] for key in sorted(parts)]


def dashboard_months(*, municipalities, year: int, today: datetime.date) -> dict:
    """Hours, G, P and the result by month of the document date for `municipalities` (already
    scoped). A half-year with a settlement reads its stored month lines (the figures that are
    settled); a started half-year without one is computed live with the same aggregates
    (settlements.figures) and the percentages in force at its end. The result of a month is
    G − P − F − Cm of that month, each rounded per month: an estimate that may differ by
    cents from the settlement's own result, which is rounded once on the half-year.

    A constant number of queries whatever the number of municipalities: the stored lines in
    one, the settlements in one, each live half-year's documents in one grouped statement
    (`live_figures_by_month`) and its percentages once."""
    rows = {m: MonthRow(m) for p in (Period(year, 1), Period(year, 2)) for m in p.months()}
    for month, row in rows.items():
        row.future = month > today
    ids = [m.pk for m in municipalities]
    lines = SettlementLine.objects.filter(
        kind=SettlementLine.Kind.MONTH, settlement__municipality_id__in=ids, settlement__year=year
    ).values(
        "month",
        "hours",
        "gross",
        "premiums",
        "settlement__municipality_id",
        "settlement__half",
        "settlement__status",
        "settlement__fee_percentage",
        "settlement__contribution_municipality_percentage",
        "settlement__contribution_operator_percentage",
    )
    for line in lines:
        row = rows[line["month"]]
        row.add(
            hours=line["hours"],
            gross=line["gross"],
            premiums=line["premiums"],
            terms=_terms_of(line),
        )
    settled = set()
    # Every month of a settled half-year carries its settlement's status, lines or not.
    for municipality_id, half, status in Settlement.objects.filter(
        municipality_id__in=ids, year=year
    ).values_list("municipality_id", "half", "status"):
        settled.add((municipality_id, half))
        for month in Period(year, half).months():
            rows[month].sources.add(status)
    for period in (Period(year, 1), Period(year, 2)):
        live = [m for m in municipalities if (m.pk, period.half) not in settled]
        if not live or period.start > today:
            continue
        # The percentages come from the general framework and the execution contract only
        # (members.selectors.LOCAL_RULES has none of them): one municipality's terms are
        # every municipality's, read once per half-year.
        try:
            terms = settlement_terms(municipality=live[0], period=period)
        except ValidationError:
            terms = None
        for month in period.months():
            if month <= today:
                rows[month].sources.add("live")
        # Every live municipality in one statement, the result still per municipality and
        # month (rounded as before: the settlement's formula applied to each).
        for part in live_figures_by_month(municipality_ids=[m.pk for m in live], period=period):
            rows[part.month].add(
                hours=part.hours, gross=part.gross, premiums=part.premiums, terms=terms
            )
    ordered = [rows[m] for m in sorted(rows)]
    shown = [row for row in ordered if not row.future or row.sources]
    results = [row.result for row in shown]
    return {
        "rows": ordered,
        "totals": {
            "hours": sum((row.hours for row in shown), ZERO),
            "gross": sum((row.gross for row in shown), ZERO),
            "premiums": sum((row.premiums for row in shown), ZERO),
            "result": None if None in results else sum(results, ZERO),
        },
        "has_data": any(row.sources for row in ordered),
        "provisional": any(row.sources and not row.final for row in ordered),
    }


# --- Totals per half-year and per year (the settlement list, NVSI's figures) ------------------

TOTAL_SUMS = {
    "hours": Coalesce(Sum("hours"), ZERO),
    "gross": Coalesce(Sum("gross"), ZERO),
    "premiums": Coalesce(Sum("premiums"), ZERO),
    "fee": Coalesce(Sum("fee"), ZERO),
    "cm": Coalesce(Sum("contribution_municipality"), ZERO),
    "co": Coalesce(Sum("contribution_operator"), ZERO),
    "result": Coalesce(Sum("result"), ZERO),
}


@dataclasses.dataclass(frozen=True)
class Totals:
    """The summed stored figures of some settlements (a half-year, a year, all of them)."""

    label: str
    count: int
    approved: int
    hours: Decimal
    gross: Decimal
    premiums: Decimal
    fee: Decimal
    cm: Decimal
    co: Decimal
    result: Decimal
    year: int | None = None
    half: int | None = None
    future: bool = False  # for core.charts: never a month still to come

    @property
    def contribution(self) -> Decimal:
        return self.cm + self.co

    @property
    def operator_receives(self) -> Decimal:
        return self.fee - self.co

    @property
    def final(self) -> bool:
        return self.count > 0 and self.approved == self.count


def _totals(row: dict, *, label: str) -> Totals:
    return Totals(
        label=label,
        count=row["count"],
        approved=row["approved"],
        year=row.get("year"),
        half=row.get("half"),
        **{key: row[key] for key in TOTAL_SUMS},
    )


def _sums(qs: QuerySet[Settlement], *group: str) -> QuerySet:
    return (
        qs.order_by()
        .values(*group)
        .annotate(
            count=Count("pk"),
            approved=Count("pk", filter=Q(status=Settlement.Status.APPROVED)),
            **TOTAL_SUMS,
        )
        .order_by(*group)
    )


def settlement_totals_by_half_year(settlements: QuerySet[Settlement]) -> list[Totals]:
    """Per half-year (oldest first): the number of settlements, how many are approved, and
    the sum of each stored figure, grouped and summed by the database."""
    return [
        _totals(row, label=str(Period(row["year"], row["half"])))
        for row in _sums(settlements, "year", "half")
    ]


def settlement_totals_by_year(settlements: QuerySet[Settlement]) -> list[Totals]:
    """Per year (oldest first), summed by the database like the half-years."""
    return [_totals(row, label=str(row["year"])) for row in _sums(settlements, "year")]


def settlement_totals(settlements: QuerySet[Settlement]) -> Totals:
    """Everything together."""
    row = settlements.order_by().aggregate(
        count=Count("pk"),
        approved=Count("pk", filter=Q(status=Settlement.Status.APPROVED)),
        **TOTAL_SUMS,
    )
    return _totals(row, label="")


def settlement_periods(settlements: QuerySet[Settlement]) -> list[Period]:
    """The half-years that have a settlement among `settlements`, latest first."""
    pairs = settlements.order_by().values_list("year", "half").distinct()
    return sorted((Period(year, half) for year, half in pairs), reverse=True)
