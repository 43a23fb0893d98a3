"""Billing pages for the portal: the revenue of the coordinator's own municipalities.

Built only from invoice lines and credit note lines tagged with the user's municipalities
(`billing.selectors`): an invoice that also carries another municipality's candidates
contributes only the lines of the user's own. Amounts exclude VAT (VAT is taken per invoice,
not per municipality). Months are those of the document dates (invoice date, credit note
date), the dates that decide the half-year settlement.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.shortcuts import render
from django.utils import formats, timezone

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from billing.models import CreditNote, Invoice
from billing.selectors import credit_note_line_list_for_user, invoice_line_list_for_user
from core.decorators import role_required
from core.exports import FORMATS, Column, export_response

ZERO = Decimal("0.00")
MONTHS = range(1, 13)


@dataclass
class ClientRevenue:
    client_id: int
    name: str
    invoiced: dict[int, Decimal] = field(default_factory=dict)
    credited: dict[int, Decimal] = field(default_factory=dict)
    hours: dict[int, Decimal] = field(default_factory=dict)

    def net(self, month: int) -> Decimal:
        return self.invoiced.get(month, ZERO) - self.credited.get(month, ZERO)

    @property
    def months(self) -> list[Decimal | None]:
        return [self.net(m) if m in self.invoiced or m in self.credited else None for m in MONTHS]

    @property
    def total(self) -> Decimal:
        return sum((self.net(m) for m in MONTHS), ZERO)


def revenue_by_client_and_month(*, user, year: int) -> list[ClientRevenue]:
    """Net revenue (lines minus credit note lines, excluding VAT) per client and month."""
    invoiced = (
        invoice_line_list_for_user(user=user)
        .filter(invoice__status=Invoice.Status.ISSUED, invoice__invoice_date__year=year)
        .annotate(
            client_id=F("invoice__client_id"),
            client_name=F("invoice__client_name"),
            month=ExtractMonth("invoice__invoice_date"),
        )
        .values("client_id", "client_name", "month")
        .annotate(amount=Sum("amount"), hours=Sum("hours"))
        .order_by()
    )
    credited = (
        credit_note_line_list_for_user(user=user)
        .filter(credit_note__status=CreditNote.Status.ISSUED, credit_note__credit_date__year=year)
        .annotate(
            client_id=F("credit_note__invoice__client_id"),
            client_name=F("credit_note__invoice__client_name"),
            month=ExtractMonth("credit_note__credit_date"),
        )
        .values("client_id", "client_name", "month")
        .annotate(amount=Sum("amount"), hours=Sum("hours"))
        .order_by()
    )
    clients: dict[int, ClientRevenue] = {}
    for row in invoiced:
        client = clients.setdefault(
            row["client_id"], ClientRevenue(row["client_id"], row["client_name"])
        )
        client.invoiced[row["month"]] = row["amount"]
        client.hours[row["month"]] = row["hours"]
    for row in credited:
        client = clients.setdefault(
            row["client_id"], ClientRevenue(row["client_id"], row["client_name"])
        )
        client.credited[row["month"]] = row["amount"]
        client.hours[row["month"]] = client.hours.get(row["month"], ZERO) - row["hours"]
    return sorted(clients.values(), key=lambda c: (c.name.lower(), c.client_id))


def _years(*, user) -> list[int]:
    years = set(
        invoice_line_list_for_user(user=user)
        .filter(invoice__status=Invoice.Status.ISSUED)
        .annotate(year=ExtractYear("invoice__invoice_date"))
        .values_list("year", flat=True)
        .distinct()
    )
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


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
    years = _years(user=request.user)
    try:
        year = int(request.GET.get("jaar", ""))
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= 2100:
        year = timezone.localdate().year
    rows = revenue_by_client_and_month(user=request.user, year=year)
    export_format = request.GET.get("format")
    if export_format in FORMATS:
        return export_response(
            export_format=export_format,
            filename=f"omzet-{year}",
            title=f"Omzet {year}",
            columns=REVENUE_COLUMNS,
            objects=_export_rows(rows, year),
        )
    month_totals = [sum((c.net(m) for c in rows), ZERO) for m in MONTHS]
    month_names = [formats.date_format(datetime.date(year, m, 1), "M").capitalize() for m in MONTHS]
    return render(
        request,
        "billing/revenue.html",
        {
            "year": year,
            "years": years if year in years else sorted([*years, year], reverse=True),
            "rows": rows,
            "month_names": month_names,
            "month_totals": month_totals,
            "grand_total": sum(month_totals, ZERO),
            "query": f"jaar={year}",
        },
    )
