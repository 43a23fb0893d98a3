"""The settlement pages of the portal.

- /afrekeningen/: the settlements in the user's scope; submitted ones first (the
  treasurer's queue), filter by half-year, status and municipality; CSV/XLSX.
- /afrekeningen/<pk>/: the figures with their meanings, the breakdown by month and client,
  the treasurer's approve and reject forms, the statement PDF once stored; drill-down pages
  to the invoice lines and credit note lines it was computed from. A settlement that went
  back and forth shows its rejections and the figures of each submission at the top
  (settlements.history); /afrekeningen/<pk>/concept.pdf is the statement of one not yet
  approved, marked CONCEPT, for the treasurer and the board only (audited download).
- the list totals every half-year the filters select, by the database.
- /contributie/: the contribution of every member per half-year (?period=2026-H1) or year
  (?year=2026), 50 members a page, sorted by name or an amount (?sort=-total), totals over
  every member by the database; CSV/XLSX of every member. Treasurer and back office only.
- /dashboard/: a year's hours, revenue, premiums and result by month, as an inline SVG bar
  chart with the same figures in a table (no JavaScript).

Scope comes from settlements.selectors only; writes go through settlements.services, whose
errors come back on the forms. Every page works without JavaScript; htmx (where loaded)
only swaps the results of the list filter in place.
"""

import dataclasses
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from core.charts import bar_chart
from core.decorators import role_required
from core.exports import Column
from core.lists import Export, Sort, list_response
from placements.forms import add_service_error
from settlements.forms import (
    ApproveForm,
    ContributionFilterForm,
    DashboardFilterForm,
    RejectForm,
    SettlementFilterForm,
)
from settlements.history import settlement_history
from settlements.models import Period, Settlement, SettlementLine
from settlements.selectors import (
    contribution_rows,
    contribution_settlements,
    contribution_totals,
    dashboard_months,
    document_line_totals,
    members_without_settlement,
    previews_statements,
    settlement_breakdown,
    settlement_credit_lines,
    settlement_documents,
    settlement_get_for_user,
    settlement_invoice_lines,
    settlement_list_for_user,
    settlement_preview_get_for_user,
    settlement_queue_order,
    settlement_run_list_for_user,
    settlement_statement_for,
    settlement_totals,
    settlement_totals_by_half_year,
    settlement_years,
)
from settlements.services import settlement_approve, settlement_preview_pdf, settlement_reject

PAGE_SIZE = 50
LINES_PAGE_SIZE = 100

settlement_roles_required = role_required(is_coordinator, is_treasurer, is_back_office)
treasurer_required = role_required(is_treasurer)
overview_roles_required = role_required(is_treasurer, is_back_office)


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
    return list_response(
        request,
        template="settlements/settlement_list.html",
        objects=settlement_queue_order(settlements).select_related("statement"),
        page_size=PAGE_SIZE,
        form=form,
        export=Export(
            columns=SETTLEMENT_COLUMNS,
            filename=f"afrekeningen-{timezone.localdate().isoformat()}",
            title="Afrekeningen",
        ),
        extra_context=lambda page: {
            # The totals of every settlement the filters select (not only this page's).
            "period_totals": settlement_totals_by_half_year(settlements)[::-1],
            "all_totals": settlement_totals(settlements),
            "waiting_count": settlement_list_for_user(user=request.user)
            .filter(status=Settlement.Status.SUBMITTED)
            .count(),
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


def _settlement_page(request, settlement: Settlement, *, status: int = 200, **forms):
    user = request.user
    own_submission = settlement.submitted_by_id is not None and settlement.submitted_by_id == (
        user.pk
    )
    decidable = settlement.status == Settlement.Status.SUBMITTED
    months, month_totals = settlement_breakdown(settlement, kind=SettlementLine.Kind.MONTH)
    clients, client_totals = settlement_breakdown(settlement, kind=SettlementLine.Kind.CLIENT)
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
        "documents": settlement_documents(settlement),
        "statement": settlement_statement_for(settlement),
        "is_treasurer_here": is_treasurer(user),
        "history": settlement_history(settlement),
        "can_preview": previews_statements(user)
        and settlement.status != Settlement.Status.APPROVED,
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


@role_required(previews_statements)
def settlement_preview(request, pk: int):
    """The statement of a settlement not yet approved, marked CONCEPT, for the treasurer and
    the board (404 for anyone else); the download is audited."""
    settlement = settlement_preview_get_for_user(user=request.user, pk=pk)
    content = settlement_preview_pdf(settlement=settlement, actor=request.user)
    response = HttpResponse(content, content_type="application/pdf")
    name = f"concept-afrekening-{settlement.municipality.cbs_code}-{settlement.period}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
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
    stem = f"{name}regels-{settlement.municipality.cbs_code}-{settlement.period}"
    return list_response(
        request,
        template="settlements/document_lines.html",
        objects=lines,
        page_size=LINES_PAGE_SIZE,
        export=Export(columns=columns, filename=stem, title=stem),
        extra_context=lambda page: {
            "settlement": settlement,
            "kind": kind,
            "totals": document_line_totals(lines),
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


# The members' rows (grouped by the database) ordered by name or by an amount; the
# municipality's id ends every order so that pages never overlap.
CONTRIBUTION_SORT = Sort(
    options={
        "name": ["municipality__name"],
        "gross": ["gross"],
        "cm": ["cm"],
        "co": ["co"],
        "total": ["total"],
    },
    default="name",
    tiebreaker="municipality_id",
)


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
    sort_key = CONTRIBUTION_SORT.key(request)

    def page_context(page) -> dict:
        years = settlement_years(today=timezone.localdate())
        export_query = QueryDict(f"year={year}" if year else f"period={periods[0]}", mutable=True)
        if sort_key != CONTRIBUTION_SORT.default:
            export_query["sort"] = sort_key
        return {
            "form": form,
            "label": label,
            "year": year,
            "period": None if year else periods[0],
            "periods": periods,
            # One page of members; the totals are the database's over all of them.
            "rows": list(_with_status_labels(page.object_list)),
            "totals": contribution_totals(settlements),
            "provisional_count": settlements.exclude(status=Settlement.Status.APPROVED).count(),
            "missing": members_without_settlement(user=request.user, periods=periods),
            "years": years,
            "period_options": [str(Period(y, h)) for y in years for h in (2, 1)],
            # The download is the half-year or year shown (an invalid choice falls back),
            # every member, in the order shown.
            "export_query": export_query,
        }

    return list_response(
        request,
        template="settlements/contribution.html",
        objects=rows,
        page_size=PAGE_SIZE,
        sort=CONTRIBUTION_SORT,
        export=Export(
            columns=CONTRIBUTION_COLUMNS,
            filename=f"contributie-{label}",
            title=f"Contributie {label}",
            rows=_with_status_labels,
        ),
        extra_context=page_context,
    )


# --- The dashboard ---------------------------------------------------------------------------


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
            "years": settlement_years(today=timezone.localdate()),
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
