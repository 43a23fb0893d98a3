"""Reads for billing, already scoped to the user.

Back office and treasurer see every invoice, credit note and run. A coordinator sees the
invoice lines tagged with their own municipalities only (an invoice may carry candidates of
several municipalities); the invoices and credit notes they may open are those with such a
line, and what they show of them must come from `invoice_line_list_for_user`. Anyone else
sees nothing. The `*_get_*` functions raise Http404 outside the scope.

The revenue of the user's municipalities (`revenue_by_client_and_month`) is built only from
those lines: an invoice that also carries another municipality's candidates contributes only
the lines of the user's own. Amounts exclude VAT; months are those of the document dates
(invoice date, credit note date), the dates that decide the half-year settlement.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.shortcuts import get_object_or_404

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceRun

ZERO = Decimal("0.00")
MONTHS = range(1, 13)


def _sees_all(user) -> bool:
    return user.is_authenticated and (is_back_office(user) or is_treasurer(user))


def _coordinates(user) -> bool:
    return user.is_authenticated and is_coordinator(user)


def invoice_line_list_for_user(*, user) -> QuerySet[InvoiceLine]:
    qs = InvoiceLine.objects.select_related("invoice", "municipality")
    if _sees_all(user):
        return qs
    if _coordinates(user):
        return qs.filter(municipality__coordinators=user)
    return qs.none()


def credit_note_line_list_for_user(*, user) -> QuerySet[CreditNoteLine]:
    qs = CreditNoteLine.objects.select_related("credit_note__invoice", "municipality")
    if _sees_all(user):
        return qs
    if _coordinates(user):
        return qs.filter(municipality__coordinators=user)
    return qs.none()


def invoice_list_for_user(*, user) -> QuerySet[Invoice]:
    """Issued invoices (and drafts for the back office)."""
    qs = Invoice.objects.select_related("client")
    if user.is_authenticated and is_back_office(user):
        return qs
    qs = qs.filter(status=Invoice.Status.ISSUED)
    if _sees_all(user):
        return qs
    if _coordinates(user):
        return qs.filter(
            pk__in=InvoiceLine.objects.filter(municipality__coordinators=user).values("invoice_id")
        )
    return qs.none()


def invoice_get_for_user(*, user, pk: int) -> Invoice:
    return get_object_or_404(invoice_list_for_user(user=user), pk=pk)


def credit_note_list_for_user(*, user) -> QuerySet[CreditNote]:
    qs = CreditNote.objects.select_related("invoice__client").filter(
        status=CreditNote.Status.ISSUED
    )
    if _sees_all(user):
        return qs
    if _coordinates(user):
        return qs.filter(
            pk__in=CreditNoteLine.objects.filter(municipality__coordinators=user).values(
                "credit_note_id"
            )
        )
    return qs.none()


def credit_note_get_for_user(*, user, pk: int) -> CreditNote:
    return get_object_or_404(credit_note_list_for_user(user=user), pk=pk)


def invoice_run_list_for_user(*, user) -> QuerySet[InvoiceRun]:
    """Runs are the back office's business."""
    if user.is_authenticated and is_back_office(user):
        return InvoiceRun.objects.all()
    return InvoiceRun.objects.none()


# --- Revenue ---------------------------------------------------------------------------------


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


def revenue_years_for_user(*, user) -> list[int]:
    """The years with issued invoice lines the user may see (only those), latest first."""
    years = set(
        invoice_line_list_for_user(user=user)
        .filter(invoice__status=Invoice.Status.ISSUED)
        .annotate(year=ExtractYear("invoice__invoice_date"))
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(years, reverse=True)


def revenue_month_totals(rows: list[ClientRevenue]) -> list[Decimal]:
    """The net revenue of every client together, per month (January first)."""
    return [sum((client.net(m) for client in rows), ZERO) for m in MONTHS]
