"""The settlement pages of the portal.

- /afrekeningen/: the settlements in the user's scope; submitted ones first (the
  treasurer's queue), filter by half-year, status and municipality; CSV/XLSX.
- /afrekeningen/<pk>/: the figures with their meanings, the breakdown by month and client,
  the treasurer's approve and reject forms, the statement PDF once stored; drill-down pages
  to the invoice lines and credit note lines it was computed from.
- /contributie/: the contribution of every member per half-year (?period=2026-H1) or year
  (?year=2026), totals by the database; CSV/XLSX. Treasurer and back office only.
- /dashboard/: a year's hours, revenue, premiums and result by month, as an inline SVG bar
  chart with the same figures in a table (no JavaScript).

Scope comes from settlements.selectors only; writes go through settlements.services, whose
errors come back on the forms. Every page works without JavaScript; htmx (where loaded)
only swaps the results of the list filter in place.
"""

import dataclasses
import datetime
import math
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from core.decorators import role_required
from core.exports import FORMATS, Column, export_response
from placements.forms import add_service_error
from settlements.figures import settlement_figures
from settlements.forms import (
    ApproveForm,
    ContributionFilterForm,
    DashboardFilterForm,
    RejectForm,
    SettlementFilterForm,
)
from settlements.models import Period, Settlement, SettlementLine
from settlements.selectors import (
    contribution_rows,
    contribution_settlements,
    contribution_totals,
    members_without_settlement,
    settlement_credit_lines,
    settlement_get_for_user,
    settlement_invoice_lines,
    settlement_lines_for,
    settlement_list_for_user,
    settlement_queue_order,
    settlement_run_list_for_user,
    settlement_statement_for,
)
from settlements.services import (
    settlement_amounts,
    settlement_approve,
    settlement_reject,
    settlement_terms,
)

PAGE_SIZE = 50
LINES_PAGE_SIZE = 100
ZERO = Decimal("0.00")

settlement_roles_required = role_required(is_coordinator, is_treasurer, is_back_office)
treasurer_required = role_required(is_treasurer)
overview_roles_required = role_required(is_treasurer, is_back_office)


def _export_format(request) -> str | None:
    export_format = request.GET.get("format")
    return export_format if export_format in FORMATS else None


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _settlement_years() -> list[int]:
    years = set(Settlement.objects.values_list("year", flat=True).distinct())
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


# --- The list (the treasurer's queue) -------------------------------------------------------

SETTLEMENT_COLUMNS = [
    Column("Gemeente", lambda s: s.municipality.name, 22),
    Column("CBS-code", lambda s: s.municipality.cbs_code, 10),
    Column("Halfjaar", lambda s: str(s.period), 10),
    Column("Status", lambda s: s.get_status_display(), 14),
    Column("Uren", lambda s: s.hours, 12),
    Column("Bruto-omzet (G)", lambda s: s.gross, 16),
    Column("Premies (P)", lambda s: s.premiums, 14),
    Column("Vergoeding uitvoerder (F)", lambda s: s.fee, 16),
    Column("Contributie gemeente (Cm)", lambda s: s.contribution_municipality, 16),
    Column("Contributie uitvoerder (Co)", lambda s: s.contribution_operator, 16),
    Column("Resultaat gemeente", lambda s: s.result, 16),
    Column("Uitvoerder ontvangt (F - Co)", lambda s: s.operator_receives, 16),
    Column("NVSI ontvangt (Cm + Co)", lambda s: s.nvsi_receives, 16),
    Column("Ingediend op", lambda s: s.submitted_at, 16),
    Column("Besloten op", lambda s: s.decided_at, 16),
    Column("Reden afwijzing", lambda s: s.rejection_reason, 28),
    Column("Vingerafdruk", lambda s: s.fingerprint, 40),
]


@settlement_roles_required
def settlement_list(request):
    form = SettlementFilterForm(request.GET, user=request.user)
    settlements = settlement_list_for_user(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["period"]:
            settlements = settlements.filter(year=data["period"].year, half=data["period"].half)
        if data["status"]:
            settlements = settlements.filter(status=data["status"])
        if data["municipality"]:
            settlements = settlements.filter(municipality=data["municipality"])
    else:
        settlements = settlements.none()
    settlements = settlement_queue_order(settlements).select_related("statement")
    export_format = _export_format(request)
    if export_format:
        return export_response(
            export_format=export_format,
            filename=f"afrekeningen-{timezone.localdate().isoformat()}",
            title="Afrekeningen",
            columns=SETTLEMENT_COLUMNS,
            objects=settlements.iterator(chunk_size=2000),
        )
    page = Paginator(settlements, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = (
        settlement_list_for_user(user=request.user)
        .filter(status=Settlement.Status.SUBMITTED)
        .count()
    )
    return render(
        request,
        "settlements/settlement_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(request.GET.get(name) for name in form.fields),
            "query": _query_without(request, "page", "format"),
            "waiting_count": waiting,
            "runs": settlement_run_list_for_user(user=request.user)[:3],
        },
    )


# --- One settlement ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Figure:
    code: str
    label: str
    meaning: str
    amount: Decimal
    percentage: Decimal | None = None
    emphasis: bool = False


def _figures(settlement: Settlement) -> list[Figure]:
    return [
        Figure(
            "G",
            _("Gross revenue"),
            _(
                "What the clients were invoiced for this municipality's candidates in the "
                "half-year, minus credit notes, excluding VAT."
            ),
            settlement.gross,
        ),
        Figure(
            "P",
            _("Premiums"),
            _("The premiums the candidates accrued on those hours (2 euro net an hour)."),
            settlement.premiums,
        ),
        Figure(
            "F",
            _("Operator fee"),
            _("The operator's fee for running the instrument: a percentage of G."),
            settlement.fee,
            settlement.fee_percentage,
        ),
        Figure(
            "Cm",
            _("Contribution borne by the municipality"),
            _("The municipality's half of the NVSI contribution: a percentage of G."),
            settlement.contribution_municipality,
            settlement.contribution_municipality_percentage,
        ),
        Figure(
            "Co",
            _("Contribution borne by the operator"),
            _("The operator's half of the NVSI contribution, taken from its fee."),
            settlement.contribution_operator,
            settlement.contribution_operator_percentage,
        ),
        Figure(
            "",
            _("Result for the municipality"),
            _("G − P − F − Cm: what the municipality receives for re-integration.")
            if settlement.result >= 0
            else _("G − P − F − Cm is negative: an amount the municipality owes NVSI."),
            settlement.result,
            emphasis=True,
        ),
        Figure(
            "",
            _("Operator receives"),
            _("F − Co: the fee net of the operator's half of the contribution."),
            settlement.operator_receives,
        ),
        Figure(
            "",
            _("NVSI receives"),
            _("Cm + Co: the whole contribution, which stays on NVSI's account."),
            settlement.nvsi_receives,
            settlement.contribution_percentage,
        ),
    ]


def _breakdown(settlement: Settlement, kind: str) -> tuple[list[SettlementLine], dict]:
    lines = settlement_lines_for(settlement, kind=kind)
    totals = lines.aggregate(
        hours=Coalesce(Sum("hours"), ZERO),
        gross=Coalesce(Sum("gross"), ZERO),
        premiums=Coalesce(Sum("premiums"), ZERO),
    )
    return list(lines), totals


def _documents(settlement: Settlement) -> dict:
    """The documents as they are now, to reconcile with the stored G."""
    invoiced = settlement_invoice_lines(settlement).aggregate(
        count=Count("pk"), amount=Coalesce(Sum("amount"), ZERO)
    )
    credited = settlement_credit_lines(settlement).aggregate(
        count=Count("pk"), amount=Coalesce(Sum("amount"), ZERO)
    )
    net = invoiced["amount"] - credited["amount"]
    return {"invoiced": invoiced, "credited": credited, "net": net}


def _settlement_page(request, settlement: Settlement, *, status: int = 200, **forms):
    user = request.user
    own_submission = settlement.submitted_by_id is not None and settlement.submitted_by_id == (
        user.pk
    )
    decidable = settlement.status == Settlement.Status.SUBMITTED
    months, month_totals = _breakdown(settlement, SettlementLine.Kind.MONTH)
    clients, client_totals = _breakdown(settlement, SettlementLine.Kind.CLIENT)
    context = {
        "settlement": settlement,
        "figures": _figures(settlement),
        "adds_up": settlement.premiums
        + settlement.operator_receives
        + settlement.nvsi_receives
        + settlement.result
        == settlement.gross,
        "months": months,
        "month_totals": month_totals,
        "clients": clients,
        "client_totals": client_totals,
        "documents": _documents(settlement),
        "statement": settlement_statement_for(settlement),
        "is_treasurer_here": is_treasurer(user),
        "own_submission": own_submission,
        "can_decide": is_treasurer(user) and decidable and not own_submission,
        "approve_form": forms.get("approve_form") or ApproveForm(prefix="approve"),
        "reject_form": forms.get("reject_form") or RejectForm(prefix="reject"),
    }
    context["failed_form"] = next(
        (form for form in forms.values() if form is not None and form.errors), None
    )
    return render(request, "settlements/settlement_detail.html", context, status=status)


@settlement_roles_required
def settlement_detail(request, pk: int):
    settlement = settlement_get_for_user(user=request.user, pk=pk)
    return _settlement_page(request, settlement)


def _decide(request, pk: int, *, form_class, prefix: str, decide, done: str):
    settlement = settlement_get_for_user(user=request.user, pk=pk)
    form = form_class(request.POST, prefix=prefix)
    status = 400
    if form.is_valid():
        try:
            decide(settlement, form.cleaned_data)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            status = 403
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, done)
            return redirect("settlements:detail", pk=settlement.pk)
    settlement.refresh_from_db()
    return _settlement_page(request, settlement, status=status, **{f"{prefix}_form": form})


@treasurer_required
@require_POST
def settlement_approve_view(request, pk: int):
    return _decide(
        request,
        pk,
        form_class=ApproveForm,
        prefix="approve",
        decide=lambda s, data: settlement_approve(settlement=s, actor=request.user),
        done=_(
            "The settlement has been approved and is final. The statement and the payment "
            "instructions are being prepared."
        ),
    )


@treasurer_required
@require_POST
def settlement_reject_view(request, pk: int):
    return _decide(
        request,
        pk,
        form_class=RejectForm,
        prefix="reject",
        decide=lambda s, data: settlement_reject(
            settlement=s, actor=request.user, reason=data["reason"]
        ),
        done=_("The settlement has been rejected; the back office sees your reason."),
    )


@settlement_roles_required
def settlement_statement(request, pk: int):
    """The stored PDF statement of an approved settlement, through its scope (never the
    media URL)."""
    settlement = settlement_get_for_user(user=request.user, pk=pk)
    statement = settlement_statement_for(settlement)
    if statement is None:
        raise Http404
    response = FileResponse(
        statement.pdf.open("rb"),
        as_attachment=True,
        filename=f"afrekening-{settlement.municipality.cbs_code}-{settlement.period}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Drill-down: the documents of a settlement -------------------------------------------------

INVOICE_LINE_COLUMNS = [
    Column("Factuurnummer", lambda line: line.invoice.number, 14),
    Column("Factuurdatum", lambda line: line.invoice.invoice_date, 12),
    Column("Opdrachtgever", lambda line: line.invoice.client_name, 28),
    Column("Kandidaat", lambda line: line.candidate_name, 24),
    Column("Uren", lambda line: line.hours, 10),
    Column("Uurtarief", lambda line: line.rate, 10),
    Column("Bedrag excl. btw", lambda line: line.amount, 14),
]

CREDIT_LINE_COLUMNS = [
    Column("Creditnotanummer", lambda line: line.credit_note.number, 14),
    Column("Creditnotadatum", lambda line: line.credit_note.credit_date, 12),
    Column("Bij factuur", lambda line: line.credit_note.invoice.number, 14),
    Column("Opdrachtgever", lambda line: line.credit_note.invoice.client_name, 28),
    Column("Kandidaat", lambda line: line.candidate_name, 24),
    Column("Uren", lambda line: line.hours, 10),
    Column("Uurtarief", lambda line: line.rate, 10),
    Column("Gecrediteerd excl. btw", lambda line: line.amount, 14),
]


def _document_lines(request, pk: int, *, kind: str):
    settlement = settlement_get_for_user(user=request.user, pk=pk)
    if kind == "invoice":
        lines, columns, name = settlement_invoice_lines(settlement), INVOICE_LINE_COLUMNS, "factuur"
    else:
        lines, columns, name = settlement_credit_lines(settlement), CREDIT_LINE_COLUMNS, "credit"
    export_format = _export_format(request)
    if export_format:
        stem = f"{name}regels-{settlement.municipality.cbs_code}-{settlement.period}"
        return export_response(
            export_format=export_format,
            filename=stem,
            title=stem,
            columns=columns,
            objects=lines.iterator(chunk_size=2000),
        )
    totals = lines.aggregate(
        count=Count("pk"),
        hours=Coalesce(Sum("hours"), ZERO),
        amount=Coalesce(Sum("amount"), ZERO),
    )
    return render(
        request,
        "settlements/document_lines.html",
        {
            "settlement": settlement,
            "kind": kind,
            "page": Paginator(lines, LINES_PAGE_SIZE).get_page(request.GET.get("page")),
            "totals": totals,
            "query": _query_without(request, "page", "format"),
        },
    )


@settlement_roles_required
def settlement_invoice_lines_view(request, pk: int):
    return _document_lines(request, pk, kind="invoice")


@settlement_roles_required
def settlement_credit_lines_view(request, pk: int):
    return _document_lines(request, pk, kind="credit")


# --- The contribution overview -------------------------------------------------------------------

CONTRIBUTION_COLUMNS = [
    Column("Gemeente", lambda r: r["municipality__name"], 22),
    Column("CBS-code", lambda r: r["municipality__cbs_code"], 10),
    Column("Bruto-omzet (G)", lambda r: r["gross"], 16),
    Column("Contributie gemeente (Cm)", lambda r: r["cm"], 16),
    Column("Contributie uitvoerder (Co)", lambda r: r["co"], 16),
    Column("Contributie totaal (Cm + Co)", lambda r: r["total"], 16),
    Column("Status H1", lambda r: r["h1_label"], 14),
    Column("Status H2", lambda r: r["h2_label"], 14),
]


def _with_status_labels(rows):
    labels = dict(Settlement.Status.choices)
    for row in rows:
        row["h1_label"] = str(labels.get(row["h1_status"], "")) if row["h1_status"] else ""
        row["h2_label"] = str(labels.get(row["h2_status"], "")) if row["h2_status"] else ""
        yield row


@overview_roles_required
def contribution_overview(request):
    """/contributie/?period=2026-H1 or ?year=2026: every member's contribution."""
    form = ContributionFilterForm(request.GET)
    if not form.is_valid():
        form = ContributionFilterForm({})
        form.is_valid()
    periods = form.periods
    year = form.cleaned_data.get("year")
    label = str(year) if year else str(periods[0])
    settlements = contribution_settlements(user=request.user, periods=periods)
    rows = contribution_rows(settlements)
    export_format = _export_format(request)
    if export_format:
        return export_response(
            export_format=export_format,
            filename=f"contributie-{label}",
            title=f"Contributie {label}",
            columns=CONTRIBUTION_COLUMNS,
            objects=_with_status_labels(rows.iterator(chunk_size=2000)),
        )
    rows = list(_with_status_labels(rows))
    totals = contribution_totals(settlements)
    years = _settlement_years()
    return render(
        request,
        "settlements/contribution.html",
        {
            "form": form,
            "label": label,
            "year": year,
            "period": None if year else periods[0],
            "periods": periods,
            "rows": rows,
            "totals": totals,
            "provisional_count": settlements.exclude(status=Settlement.Status.APPROVED).count(),
            "missing": members_without_settlement(user=request.user, periods=periods),
            "years": years,
            "period_options": [str(Period(y, h)) for y in years for h in (2, 1)],
            "query": f"year={year}" if year else f"period={periods[0]}",
        },
    )


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


def dashboard_months(*, municipalities, year: int, today: datetime.date) -> dict:
    """Hours, G, P and the result by month of the document date for `municipalities` (already
    scoped). A half-year with a settlement reads its stored month lines (the figures that are
    settled); a started half-year without one is computed live with the same aggregates
    (settlements.figures) and the percentages in force at its end. The result of a month is
    G − P − F − Cm of that month, each rounded per month: an estimate that may differ by
    cents from the settlement's own result, which is rounded once on the half-year."""
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
    for municipality in municipalities:
        for period in (Period(year, 1), Period(year, 2)):
            if (municipality.pk, period.half) in settled or period.start > today:
                continue
            figures = settlement_figures(municipality_id=municipality.pk, period=period)
            try:
                terms = settlement_terms(municipality=municipality, period=period)
            except ValidationError:
                terms = None
            for month in period.months():
                if month <= today:
                    rows[month].sources.add("live")
            for month, part in figures.by_month.items():
                rows[month].add(
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


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks if span > 0 else 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


CHART = {"width": 760, "height": 280, "left": 84, "right": 12, "top": 12, "bottom": 36}


def bar_chart(*, months: list[MonthRow], series: list[tuple[str, str, str]]) -> dict:
    """Geometry of a grouped bar chart for inline SVG: one group per month, one bar per
    series (attribute, label, css class); a negative value is a bar below the zero line.
    Numbers for display only: the figures themselves stay Decimals in the table."""
    values = [0.0] + [
        float(getattr(row, attr))
        for row in months
        for attr, _label, _css in series
        if getattr(row, attr) is not None and not row.future
    ]
    high, low = max(values), min(values)
    step = _nice_step(high - low)
    top = math.ceil(high / step) * step if high > 0 else 0
    bottom = math.floor(low / step) * step if low < 0 else 0
    if top == bottom:
        top = step
    plot_w = CHART["width"] - CHART["left"] - CHART["right"]
    plot_h = CHART["height"] - CHART["top"] - CHART["bottom"]

    def y_of(value: float) -> float:
        return CHART["top"] + (top - value) / (top - bottom) * plot_h

    group_w = plot_w / max(len(months), 1)
    bar_w = group_w * 0.8 / len(series)
    bars, labels = [], []
    for index, row in enumerate(months):
        x0 = CHART["left"] + index * group_w + group_w * 0.1
        month_name = formats.date_format(row.month, "YEAR_MONTH_FORMAT")
        labels.append(
            {
                "x": round(CHART["left"] + (index + 0.5) * group_w, 1),
                "text": formats.date_format(row.month, "M").capitalize(),
            }
        )
        for position, (attr, label, css) in enumerate(series):
            value = getattr(row, attr)
            if value is None or row.future:
                continue
            y_value, y_zero = y_of(float(value)), y_of(0.0)
            bars.append(
                {
                    "x": round(x0 + position * bar_w, 1),
                    "y": round(min(y_value, y_zero), 1),
                    "width": round(bar_w - 1, 1),
                    "height": round(max(abs(y_zero - y_value), 0.5), 1),
                    "css": css,
                    "title": f"{month_name}: {label} "
                    + formats.number_format(value, 2, use_l10n=True, force_grouping=True),
                }
            )
    grid = []
    value = bottom
    while value <= top + step / 1000:
        grid.append(
            {
                "y": round(y_of(value), 1),
                "text": formats.number_format(
                    Decimal(str(round(value, 2))), 0, use_l10n=True, force_grouping=True
                ),
                "zero": abs(value) < step / 1000,
            }
        )
        value += step
    return {
        **CHART,
        "plot_right": CHART["width"] - CHART["right"],
        "label_y": CHART["height"] - CHART["bottom"] + 22,
        "bars": bars,
        "labels": labels,
        "grid": grid,
        "series": [{"label": label, "css": css} for _attr, label, css in series],
    }


@settlement_roles_required
def dashboard(request):
    """A year by month. Coordinators: all their municipalities or one; the treasurer and
    back office choose one municipality (every member at once is the contribution page)."""
    require_one = not is_coordinator(request.user)
    form = DashboardFilterForm(request.GET, user=request.user, require_municipality=require_one)
    form.is_valid()  # an invalid choice is shown on the form; the valid ones still apply
    year = form.cleaned_data.get("year") or timezone.localdate().year
    chosen = form.cleaned_data.get("municipality")
    if chosen is not None:
        municipalities = [chosen]
    elif require_one:
        municipalities = []
    else:
        municipalities = list(form.fields["municipality"].queryset)
    data = dashboard_months(municipalities=municipalities, year=year, today=timezone.localdate())
    settlements = (
        settlement_list_for_user(user=request.user)
        .filter(year=year, municipality__in=[m.pk for m in municipalities])
        .order_by("half", "municipality__name")
    )
    return render(
        request,
        "settlements/dashboard.html",
        {
            "form": form,
            "year": year,
            "years": _settlement_years(),
            "municipalities": municipalities,
            "choose_first": require_one and chosen is None,
            "hours_chart": bar_chart(
                months=data["rows"], series=[("hours", _("Hours"), "series-hours")]
            ),
            "money_chart": bar_chart(
                months=data["rows"],
                series=[
                    ("gross", _("Revenue (G)"), "series-gross"),
                    ("premiums", _("Premiums (P)"), "series-premiums"),
                    ("result", _("Result"), "series-result"),
                ],
            ),
            "settlements": settlements,
            **data,
        },
    )
