"""NVSI supervises its account: read-only pages for the treasurer and the board.

- /toezicht/: what there is, with counts, linking the pages below.
- /toezicht/bankafschriften/: imported camt.053 statements with their lines by status.
- /toezicht/bankregels/: every statement line, matched or not, and to whom (invoices,
  clients, municipalities); filters; /toezicht/bankregels/<pk>/ one line in full.
- /toezicht/betalingen/: payments received, from the bank or recorded by hand.
- /toezicht/debiteuren/: receivables on a date with ageing, per invoice, client and
  municipality.
- /toezicht/betaalmomenten/: premium payout runs; /toezicht/overboekingen/: settlement
  transfer files; each with its SEPA file to download (the download is audited; IBANs are
  masked on screen, the file itself is the file the bank gets).
- /toezicht/audittrail/: the audit trail with filters (who, what, when, which object).
- /toezicht/cijfers/: NVSI's figures, all members together: revenue, premiums, the operator's
  fee, the contribution and the results per half-year and per year, as inline SVG charts with
  the same figures in tables, and the trend of the contribution (supervision.figures).

Every list exports as CSV or XLSX (`?format=csv|xlsx`) with the rows of the page's filters.
Only the treasurer, the board and superusers pass (`supervision_required`); anyone else gets
the 404 of every page outside one's scope, and the MFA middleware keeps money roles without
a second factor at enrolment. Reads come from supervision.selectors only.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from core.charts import bar_chart
from core.decorators import role_required
from core.exports import Column
from core.lists import Export, list_response
from core.validators import mask_iban
from supervision.figures import nvsi_figures
from supervision.forms import (
    AuditFilterForm,
    BankLineFilterForm,
    NvsiFiguresForm,
    PaymentFilterForm,
    PayoutRunFilterForm,
    ReceivableFilterForm,
)
from supervision.selectors import (
    Bucket,
    ageing_by_client,
    ageing_by_municipality,
    ageing_totals,
    audit_event_filter,
    audit_event_list_for_user,
    bank_line_filter,
    bank_line_get_for_user,
    bank_line_list_for_user,
    bank_statement_list_for_user,
    payment_filter,
    payment_invoices,
    payment_list_for_user,
    payout_run_get_for_user,
    payout_run_lines,
    payout_run_list_for_user,
    payout_run_with_file,
    receivable_filter,
    receivable_list_for_user,
    supervises,
    supervision_overview,
    transfer_file_get_for_user,
    transfer_file_list_for_user,
    transfer_file_payments,
)
from supervision.services import sepa_file_download_record

PAGE_SIZE = 50

supervision_required = role_required(supervises)


def _today_stamp() -> str:
    return timezone.localdate().isoformat()


@supervision_required
def index(request):
    overview = supervision_overview(user=request.user, today=timezone.localdate())
    return render(request, "supervision/index.html", {"overview": overview})


# --- Bank statements and lines ---------------------------------------------------------------

STATEMENT_COLUMNS = [
    Column("Afschrift", lambda s: s.statement_id, 24),
    Column("Rekening", lambda s: s.account_iban, 22),
    Column("Van", lambda s: s.from_date, 12),
    Column("Tot en met", lambda s: s.to_date, 12),
    Column("Beginsaldo", lambda s: s.opening_balance, 14),
    Column("Eindsaldo", lambda s: s.closing_balance, 14),
    Column("Regels", lambda s: s.line_count, 8),
    Column("Gekoppeld", lambda s: s.matched_count, 10),
    Column("Te koppelen", lambda s: s.unmatched_count, 10),
    Column("Geen klantbetaling", lambda s: s.ignored_count, 10),
    Column("Bij", lambda s: s.credit_total, 14),
    Column("Af", lambda s: s.debit_total, 14),
    Column("Bestand", lambda s: s.file_name, 24),
    Column("Ingelezen op", lambda s: s.imported_at, 16),
]


@supervision_required
def statement_list(request):
    statements = bank_statement_list_for_user(user=request.user).order_by(
        "-to_date", "-imported_at", "-pk"
    )
    return list_response(
        request,
        template="supervision/statement_list.html",
        objects=statements,
        page_size=PAGE_SIZE,
        export=Export(
            columns=STATEMENT_COLUMNS,
            filename=f"bankafschriften-{_today_stamp()}",
            title="Bankafschriften",
        ),
    )


BANK_LINE_COLUMNS = [
    Column("Boekdatum", lambda line: line.booking_date, 12),
    Column("Afschrift", lambda line: line.statement.statement_id, 20),
    Column("Bankreferentie", lambda line: line.reference, 20),
    Column("Bij/af", lambda line: "bij" if line.is_credit else "af", 6),
    Column("Bedrag", lambda line: line.amount, 14),
    Column("Tegenpartij", lambda line: line.counterparty_name, 28),
    Column("IBAN tegenpartij", lambda line: mask_iban(line.counterparty_iban), 22),
    Column("Omschrijving", lambda line: line.remittance_information, 36),
    Column("Betalingskenmerk", lambda line: line.structured_reference, 26),
    Column("Status", lambda line: line.get_status_display(), 16),
    Column("Facturen", lambda line: line.invoice_numbers or "", 24),
    Column("Opdrachtgevers", lambda line: line.client_names or "", 28),
    Column("Gemeenten", lambda line: line.municipality_names or "", 28),
    Column("Notitie", lambda line: line.note, 28),
]


@supervision_required
def bank_line_list(request):
    form = BankLineFilterForm(request.GET, user=request.user)
    lines = bank_line_list_for_user(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        lines = bank_line_filter(
            lines,
            status=data["status"],
            statement=data["statement"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            municipality=data["municipality"],
            text=data["q"].strip(),
        )
    else:
        lines = lines.none()
    return list_response(
        request,
        template="supervision/bank_line_list.html",
        objects=lines,
        page_size=PAGE_SIZE,
        form=form,
        export=Export(
            columns=BANK_LINE_COLUMNS,
            filename=f"bankregels-{_today_stamp()}",
            title="Bankregels",
        ),
    )


@supervision_required
def bank_line_detail(request, pk: int):
    line = bank_line_get_for_user(user=request.user, pk=pk)
    payment = getattr(line, "payment", None)
    return render(
        request,
        "supervision/bank_line_detail.html",
        {"line": line, "payment": payment, "paid_invoices": payment_invoices(payment)},
    )


# --- Payments --------------------------------------------------------------------------------

PAYMENT_COLUMNS = [
    Column("Betaaldatum", lambda p: p.payment_date, 12),
    Column("Bedrag", lambda p: p.amount, 14),
    Column("Toegewezen aan facturen", lambda p: p.allocated, 16),
    Column("Niet toegewezen", lambda p: p.unallocated, 14),
    Column("Betaald door", lambda p: p.payer, 28),
    Column("Bron", lambda p: p.get_source_display(), 16),
    Column("Bankreferentie", lambda p: p.statement_line.reference if p.statement_line else "", 20),
    Column("Facturen", lambda p: p.invoice_numbers or "", 24),
    Column("Opdrachtgevers", lambda p: p.client_names or "", 28),
    Column("Notitie", lambda p: p.note, 28),
    Column("Vastgelegd op", lambda p: p.created_at, 16),
]


@supervision_required
def payment_list(request):
    form = PaymentFilterForm(request.GET, user=request.user)
    payments = payment_list_for_user(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        payments = payment_filter(
            payments,
            source=data["source"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            municipality=data["municipality"],
            text=data["q"].strip(),
        )
    else:
        payments = payments.none()
    return list_response(
        request,
        template="supervision/payment_list.html",
        objects=payments,
        page_size=PAGE_SIZE,
        form=form,
        export=Export(
            columns=PAYMENT_COLUMNS,
            filename=f"betalingen-{_today_stamp()}",
            title="Betalingen",
        ),
    )


# --- Receivables -----------------------------------------------------------------------------


def _receivable_columns(as_of) -> list[Column]:
    return [
        Column("Factuurnummer", lambda i: i.number, 14),
        Column("Opdrachtgever", lambda i: i.client_name or i.client.name, 30),
        Column("KvK-nummer", lambda i: i.client_kvk_number, 10),
        Column("Factuurdatum", lambda i: i.invoice_date, 12),
        Column("Vervaldatum", lambda i: i.due_date, 12),
        Column("Dagen over vervaldatum", lambda i: max(0, (as_of - i.due_date).days), 10),
        Column("Ouderdom", lambda i: str(Bucket.labels[i.bucket]), 20),
        Column("Totaal incl. btw", lambda i: i.total, 14),
        Column("Gecrediteerd", lambda i: i.amount_credited, 14),
        Column("Betaald", lambda i: i.amount_paid, 14),
        Column("Open", lambda i: i.amount_open, 14),
        Column("Peildatum", lambda i: as_of, 12),
    ]


@supervision_required
def receivable_list(request):
    form = ReceivableFilterForm(request.GET, user=request.user)
    valid = form.is_valid()
    as_of = form.as_of_date()
    invoices = receivable_list_for_user(user=request.user, as_of=as_of)
    if valid:
        data = form.cleaned_data
        invoices = receivable_filter(
            invoices,
            bucket=data["bucket"],
            municipality=data["municipality"],
            text=data["q"].strip(),
        )
    else:
        invoices = invoices.none()

    def page_context(page) -> dict:
        for invoice in page.object_list:
            invoice.days_overdue = max(0, (as_of - invoice.due_date).days)
            invoice.bucket_label = Bucket.labels[invoice.bucket]
        return {
            "as_of": as_of,
            "buckets": [Bucket.labels[b] for b in Bucket.order],
            "totals": ageing_totals(invoices),
            "by_client": ageing_by_client(invoices),
            "by_municipality": ageing_by_municipality(invoices),
        }

    return list_response(
        request,
        template="supervision/receivable_list.html",
        objects=invoices,
        page_size=PAGE_SIZE,
        form=form,
        filters=["bucket", "municipality", "q"],
        export=Export(
            columns=_receivable_columns(as_of),
            filename=f"debiteuren-{as_of.isoformat()}",
            title=f"Debiteuren {as_of:%d-%m-%Y}",
        ),
        extra_context=page_context,
    )


# --- Payout runs and settlement transfer files ------------------------------------------------

PAYOUT_RUN_COLUMNS = [
    Column("Gemeente", lambda r: r.municipality.name, 22),
    Column("CBS-code", lambda r: r.municipality.cbs_code, 10),
    Column("Betaaldatum", lambda r: r.payout_date, 12),
    Column("Status", lambda r: r.get_status_display(), 14),
    Column("Kandidaten", lambda r: r.line_count, 10),
    Column("Totaal", lambda r: r.total, 14),
    Column("Voorbereid door", lambda r: r.prepared_by.email, 28),
    Column("Goedgekeurd door", lambda r: r.approved_by.email if r.approved_by else "", 28),
    Column("Goedgekeurd op", lambda r: r.approved_at, 16),
    Column("Betaald op", lambda r: r.paid_on, 12),
    Column("SEPA-berichtkenmerk", lambda r: r.sepa_message_id, 30),
]


@supervision_required
def payout_run_list(request):
    form = PayoutRunFilterForm(request.GET, user=request.user)
    runs = payout_run_list_for_user(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            runs = runs.filter(status=data["status"])
        if data["year"]:
            runs = runs.filter(payout_date__year=data["year"])
        if data["municipality"]:
            runs = runs.filter(municipality=data["municipality"])
    else:
        runs = runs.none()
    return list_response(
        request,
        template="supervision/payout_run_list.html",
        objects=runs.defer("sepa_xml"),
        page_size=PAGE_SIZE,
        form=form,
        export=Export(
            columns=PAYOUT_RUN_COLUMNS,
            filename=f"betaalmomenten-{_today_stamp()}",
            title="Betaalmomenten",
        ),
    )


PAYOUT_LINE_COLUMNS = [
    Column("Kandidaat", lambda line: line.candidate_name, 28),
    Column("IBAN", lambda line: line.iban_masked, 22),
    Column("Jaar", lambda line: line.year, 6),
    Column("Uitbetaling in het jaar", lambda line: line.sequence, 8),
    Column("Uren", lambda line: line.hours, 10),
    Column("Bedrag", lambda line: line.amount, 14),
]


@supervision_required
def payout_run_detail(request, pk: int):
    run = payout_run_get_for_user(user=request.user, pk=pk)
    return list_response(
        request,
        template="supervision/payout_run_detail.html",
        objects=payout_run_lines(run),
        page_size=PAGE_SIZE * 2,
        export=Export(
            columns=PAYOUT_LINE_COLUMNS,
            filename=f"betaalmoment-{run.municipality.cbs_code}-{run.payout_date:%Y-%m-%d}",
            title="Betaalmoment",
        ),
        extra_context=lambda page: {"run": run, "has_file": payout_run_with_file(run)},
    )


def _sepa_response(request, *, obj, xml: str, file_name: str) -> HttpResponse:
    sepa_file_download_record(actor=request.user, obj=obj, file_name=file_name)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    response["Cache-Control"] = "no-store"
    return response


@supervision_required
def payout_run_sepa(request, pk: int):
    run = payout_run_get_for_user(user=request.user, pk=pk)
    if not payout_run_with_file(run):
        raise Http404
    file_name = f"premie-{run.municipality.cbs_code}-{run.payout_date:%Y-%m-%d}.xml"
    return _sepa_response(request, obj=run, xml=run.sepa_xml, file_name=file_name)


TRANSFER_FILE_COLUMNS = [
    Column("Halfjaar", lambda f: str(f.period), 10),
    Column("Volgnummer", lambda f: f.sequence, 8),
    Column("Betalingen", lambda f: f.payment_count, 10),
    Column("Totaal", lambda f: f.total, 14),
    Column("SEPA-berichtkenmerk", lambda f: f.message_id, 30),
    Column("Gemaakt door", lambda f: f.created_by.email if f.created_by else "", 28),
    Column("Gemaakt op", lambda f: f.created_at, 16),
]


@supervision_required
def transfer_file_list(request):
    return list_response(
        request,
        template="supervision/transfer_file_list.html",
        objects=transfer_file_list_for_user(user=request.user).defer("xml"),
        page_size=PAGE_SIZE,
        export=Export(
            columns=TRANSFER_FILE_COLUMNS,
            filename=f"afrekenoverboekingen-{_today_stamp()}",
            title="Overboekingen",
        ),
    )


TRANSFER_PAYMENT_COLUMNS = [
    Column("Gemeente", lambda p: p.settlement.municipality.name, 22),
    Column("Halfjaar", lambda p: str(p.settlement.period), 10),
    Column("Begunstigde", lambda p: p.get_payee_display(), 14),
    Column("Naam", lambda p: p.name, 28),
    Column("IBAN", lambda p: mask_iban(p.iban), 22),
    Column("Bedrag", lambda p: p.amount, 14),
]


@supervision_required
def transfer_file_detail(request, pk: int):
    transfer_file = transfer_file_get_for_user(user=request.user, pk=pk)
    return list_response(
        request,
        template="supervision/transfer_file_detail.html",
        objects=transfer_file_payments(transfer_file),
        page_size=PAGE_SIZE * 2,
        export=Export(
            columns=TRANSFER_PAYMENT_COLUMNS,
            filename=(
                f"overboeking-{transfer_file.year}-H{transfer_file.half}-{transfer_file.sequence}"
            ),
            title="Overboeking",
        ),
        extra_context=lambda page: {"transfer_file": transfer_file},
    )


@supervision_required
def transfer_file_sepa(request, pk: int):
    transfer_file = transfer_file_get_for_user(user=request.user, pk=pk)
    file_name = (
        f"afrekening-{transfer_file.year}-H{transfer_file.half}-{transfer_file.sequence}.xml"
    )
    return _sepa_response(request, obj=transfer_file, xml=transfer_file.xml, file_name=file_name)


# --- The audit trail -------------------------------------------------------------------------

AUDIT_COLUMNS = [
    Column("Wanneer", lambda e: e.created_at, 16),
    Column("Wie", lambda e: e.actor.email if e.actor else "systeem", 28),
    Column("Actie", lambda e: e.action, 24),
    Column("Objecttype", lambda e: e.content_type.model if e.content_type else "", 18),
    Column("Objectnummer", lambda e: e.object_id, 10),
    Column("Object", lambda e: e.object_repr, 30),
    Column("Samenvatting", lambda e: e.summary, 40),
    Column(
        "Wijzigingen",
        lambda e: "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in e.changes.items()),
        40,
    ),
]


@supervision_required
def audit_event_list(request):
    form = AuditFilterForm(request.GET)
    events = audit_event_list_for_user(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        start, end = form.period()
        events = audit_event_filter(
            events,
            actor=data["actor"].strip(),
            action=data["action"],
            start=start,
            end=end,
            content_type=data["content_type"],
            object_id=data["object_id"].strip(),
            text=data["q"].strip(),
        )
    else:
        events = events.none()
    return list_response(
        request,
        template="supervision/audit_event_list.html",
        objects=events,
        page_size=PAGE_SIZE,
        form=form,
        export=Export(
            columns=AUDIT_COLUMNS,
            filename=f"audittrail-{_today_stamp()}",
            title="Audittrail",
        ),
    )


# --- NVSI's figures ----------------------------------------------------------------------------


@supervision_required
def nvsi_figures_view(request):
    """All members together per half-year and per year, charts with tables (no JavaScript)."""
    form = NvsiFiguresForm(request.GET)
    figures = nvsi_figures(user=request.user, approved_only=form.approved_only)
    money = [
        ("gross", _("Revenue (G)"), "series-gross"),
        ("premiums", _("Premiums (P)"), "series-premiums"),
        ("result", _("Result"), "series-result"),
    ]
    return render(
        request,
        "supervision/nvsi_figures.html",
        {
            "form": form,
            "figures": figures,
            "half_year_chart": bar_chart(
                months=figures.half_years, series=money, label=lambda row: row.label
            ),
            "year_chart": bar_chart(
                months=figures.years, series=money, label=lambda row: row.label
            ),
            "contribution_chart": bar_chart(
                months=figures.half_years,
                series=[("contribution", _("Contribution (Cm + Co)"), "series-hours")],
                label=lambda row: row.label,
            ),
        },
    )
