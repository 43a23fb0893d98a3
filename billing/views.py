"""Billing pages for the portal: the revenue and the invoices of the coordinator's own
municipalities.

- /omzet/: revenue by client and month (below).
- /facturen/: the issued invoices carrying the user's municipalities' candidates, with the
  amount of their own lines and the payment status; /facturen/<pk>/ shows only their own
  lines (an invoice may carry candidates of several municipalities); /facturen/<pk>/
  factuur.pdf is the invoice as sent when every line is theirs, else an extract with their
  lines only. Another municipality's invoice is a 404.

The figures come from `billing.selectors` (`revenue_by_client_and_month`): only the invoice
lines and credit note lines tagged with the user's municipalities, excluding VAT, by the
month of the document date.
"""

import datetime

from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower
from django.http import FileResponse, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.http import content_disposition_header

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from billing.forms import InvoiceFilterForm
from billing.models import CreditNote
from billing.pdf import invoice_pdf_bytes, invoice_pdf_context
from billing.selectors import (
    MONTHS,
    ZERO,
    ClientRevenue,
    credit_note_line_list_for_user,
    invoice_get_for_user,
    invoice_line_list_for_user,
    invoice_list_for_user,
    revenue_by_client_and_month,
    revenue_month_totals,
    revenue_years_for_user,
)
from billing.selectors_payments import (
    PaymentStatus,
    invoice_payment_status,
    invoices_with_payment_status,
)
from core.decorators import role_required
from core.exports import Column
from core.lists import Export, Sort, list_response
from core.pdf import render_pdf

MONEY = DecimalField(max_digits=14, decimal_places=2)


def _export_rows(rows: list[ClientRevenue], year: int):
    for client in rows:
        for month in MONTHS:
            if month in client.invoiced or month in client.credited:
                yield {
                    "client": client.name,
                    "month": f"{month:02d}-{year}",
                    "hours": client.hours.get(month, ZERO),
                    "invoiced": client.invoiced.get(month, ZERO),
                    "credited": client.credited.get(month, ZERO),
                    "net": client.net(month),
                }


REVENUE_COLUMNS = [
    Column("Opdrachtgever", lambda r: r["client"], width=36),
    Column("Maand", lambda r: r["month"], width=10),
    Column("Uren (netto)", lambda r: r["hours"], width=12),
    Column("Gefactureerd excl. btw", lambda r: r["invoiced"], width=18),
    Column("Gecrediteerd excl. btw", lambda r: r["credited"], width=18),
    Column("Omzet excl. btw", lambda r: r["net"], width=16),
]


@role_required(is_coordinator, is_treasurer, is_back_office)
def revenue(request):
    """/omzet/?jaar=2026: revenue by client and month of the user's municipalities."""
    years = revenue_years_for_user(user=request.user)
    this_year = timezone.localdate().year
    # Without a choice: this year, or the latest year with revenue when this one has none yet.
    default = this_year if this_year in years or not years else years[0]
    try:
        year = int(request.GET.get("jaar", ""))
    except ValueError:
        year = default
    if not 2000 <= year <= 2100:
        year = default
    rows = revenue_by_client_and_month(user=request.user, year=year)

    def page_context(page) -> dict:
        month_totals = revenue_month_totals(rows)
        return {
            "year": year,
            "years": years if year in years else sorted([*years, year], reverse=True),
            "rows": rows,
            "month_names": [
                formats.date_format(datetime.date(year, m, 1), "M").capitalize() for m in MONTHS
            ],
            "month_totals": month_totals,
            "grand_total": sum(month_totals, ZERO),
            # The download is the year shown (an invalid choice falls back to this year).
            "export_query": QueryDict(f"jaar={year}"),
        }

    return list_response(
        request,
        template="billing/revenue.html",
        objects=rows,
        export=Export(
            columns=REVENUE_COLUMNS,
            filename=f"omzet-{year}",
            title=f"Omzet {year}",
            rows=lambda clients: _export_rows(clients, year),
        ),
        extra_context=page_context,
    )


# --- Invoices: a coordinator's own municipalities ---------------------------------------------

INVOICE_PAGE_SIZE = 50


def _own_amount(user):
    """The sum of the lines of `user`'s scope on each invoice (excluding VAT)."""
    own_lines = (
        invoice_line_list_for_user(user=user)
        .filter(invoice_id=OuterRef("pk"))
        .order_by()
        .values("invoice_id")
        .annotate(s=Sum("amount"))
        .values("s")[:1]
    )
    return Coalesce(Subquery(own_lines, output_field=MONEY), Value(ZERO), output_field=MONEY)


INVOICE_COLUMNS = [
    Column("Factuurnummer", lambda i: i.number, 14),
    Column("Factuurdatum", lambda i: i.invoice_date, 12),
    Column("Maand", lambda i: f"{i.period:%m-%Y}", 10),
    Column("Opdrachtgever", lambda i: i.client_name, 30),
    Column("Vervaldatum", lambda i: i.due_date, 12),
    Column("Uw regels excl. btw", lambda i: i.own_amount, 16),
    Column("Factuur excl. btw", lambda i: i.subtotal, 16),
    Column("Factuur incl. btw", lambda i: i.total, 16),
    Column("Betaalstatus", lambda i: str(PaymentStatus.labels[i.payment_status]), 14),
]


INVOICE_SORT = Sort(
    options={
        "number": ["number"],
        "date": ["invoice_date", "number"],
        "client": [Lower("client_name"), "number"],
        "own": ["own_amount"],
        "total": ["total"],
        "status": ["payment_status", "invoice_date"],
    },
    default="-date",
)


@role_required(is_coordinator, is_treasurer, is_back_office)
def invoice_list(request):
    """/facturen/: the issued invoices carrying the user's municipalities' candidates."""
    form = InvoiceFilterForm(request.GET, user=request.user)
    invoices = invoices_with_payment_status(
        invoice_list_for_user(user=request.user), today=timezone.localdate()
    ).annotate(own_amount=_own_amount(request.user))
    if form.is_valid():
        data = form.cleaned_data
        if data["year"]:
            invoices = invoices.filter(invoice_date__year=data["year"])
        if data["municipality"]:
            invoices = invoices.filter(
                pk__in=invoice_line_list_for_user(user=request.user)
                .filter(municipality=data["municipality"])
                .values("invoice_id")
            )
        if data["payment_status"]:
            invoices = invoices.filter(payment_status=data["payment_status"])
        if data["q"].strip():
            text = data["q"].strip()
            invoices = invoices.filter(Q(number__icontains=text) | Q(client_name__icontains=text))
    else:
        invoices = invoices.none()
    return list_response(
        request,
        template="billing/invoice_list.html",
        objects=invoices,
        sort=INVOICE_SORT,
        page_size=INVOICE_PAGE_SIZE,
        form=form,
        export=Export(
            columns=INVOICE_COLUMNS,
            filename=f"facturen-{timezone.localdate().isoformat()}",
            title="Facturen",
        ),
        extra_context=lambda page: {"payment_labels": PaymentStatus.labels},
    )


def _lines_in_scope(request, invoice):
    return (
        invoice_line_list_for_user(user=request.user)
        .filter(invoice=invoice)
        .order_by("candidate_name", "pk")
    )


def _is_extract(invoice, lines) -> bool:
    """True when the invoice also carries lines the user may not see."""
    return len(lines) != invoice.lines.count()


@role_required(is_coordinator, is_treasurer, is_back_office)
def invoice_detail(request, pk: int):
    """/facturen/<pk>/: the invoice with the lines of the user's municipalities only."""
    invoice = invoice_get_for_user(user=request.user, pk=pk)
    lines = list(_lines_in_scope(request, invoice))
    status = invoice_payment_status(invoice, today=timezone.localdate())
    credit_lines = list(
        credit_note_line_list_for_user(user=request.user)
        .filter(credit_note__invoice=invoice, credit_note__status=CreditNote.Status.ISSUED)
        .order_by("credit_note__credit_date", "candidate_name", "pk")
    )
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": lines,
            "own_amount": sum((line.amount for line in lines), ZERO),
            "own_hours": sum((line.hours for line in lines), ZERO),
            "is_extract": _is_extract(invoice, lines),
            "payment_status": status,
            "payment_label": PaymentStatus.labels[status],
            "credit_lines": credit_lines,
        },
    )


@role_required(is_coordinator, is_treasurer, is_back_office)
def invoice_pdf(request, pk: int):
    """/facturen/<pk>/factuur.pdf: the invoice as sent to the client, when every line is in
    the user's scope; otherwise an extract with only the user's lines (another
    municipality's candidates are not theirs to see)."""
    invoice = invoice_get_for_user(user=request.user, pk=pk)
    lines = list(_lines_in_scope(request, invoice))
    if not _is_extract(invoice, lines):
        file_name = f"factuur-{invoice.number}.pdf"
        if invoice.pdf:
            return FileResponse(
                invoice.pdf.open("rb"),
                as_attachment=True,
                filename=file_name,
                content_type="application/pdf",
            )
        content = invoice_pdf_bytes(invoice)
    else:
        file_name = f"factuur-{invoice.number}-uittreksel.pdf"
        context = {**invoice_pdf_context(invoice), "lines": lines, "extract": True}
        content = render_pdf(template_name="billing/pdf/invoice.html", context=context)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response
