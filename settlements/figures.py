"""The figures of a settlement, read with database aggregates (no loop over documents).

Documents of the half-year for municipality M:
- invoice lines of issued invoices whose invoice date lies in the half-year, tagged M;
- credit note lines of issued credit notes whose credit note date lies in the half-year,
  tagged M (subtracted).
So each document belongs to exactly one settlement: the one of its own date.

Premiums on those hours: the premium accrued on each time entry the line invoices, i.e. the
entry's last accrual row (an invoiced entry cannot be approved anew, so its last accrual is
the one that was live when it was invoiced; earlier ones were reversed in pairs before the
invoice). A credited entry's premium is subtracted in the settlement of the credit note.

Grouped by month of the document date and by client: the month rows and the client rows
each add up to the totals.
"""

import dataclasses
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from premiums.models import PremiumAccrual
from settlements.models import Period

ZERO = Decimal("0.00")


@dataclasses.dataclass
class Part:
    hours: Decimal = ZERO
    gross: Decimal = ZERO
    premiums: Decimal = ZERO


@dataclasses.dataclass
class Figures:
    """G, P and hours of a municipality's half-year, by month and by client."""

    by_month: dict  # month (date) -> Part
    by_client: dict  # client id -> Part
    client_names: dict  # client id -> name on the (latest) invoice
    invoice_line_count: int
    credit_line_count: int

    @property
    def gross(self) -> Decimal:
        return sum((part.gross for part in self.by_month.values()), ZERO)

    @property
    def premiums(self) -> Decimal:
        return sum((part.premiums for part in self.by_month.values()), ZERO)

    @property
    def hours(self) -> Decimal:
        return sum((part.hours for part in self.by_month.values()), ZERO)


def _last_accruals():
    """Accrual rows that are the last accrual of their time entry."""
    later = PremiumAccrual.objects.filter(
        time_entry_id=OuterRef("time_entry_id"),
        kind=PremiumAccrual.Kind.ACCRUAL,
        pk__gt=OuterRef("pk"),
    )
    return PremiumAccrual.objects.filter(kind=PremiumAccrual.Kind.ACCRUAL).exclude(Exists(later))


def settlement_figures(*, municipality_id: int, period: Period) -> Figures:
    """Aggregate the half-year's documents of one municipality (five grouped queries)."""
    span = (period.start, period.end)
    invoice_lines = InvoiceLine.objects.filter(
        municipality_id=municipality_id,
        invoice__status=Invoice.Status.ISSUED,
        invoice__invoice_date__range=span,
    )
    credit_lines = CreditNoteLine.objects.filter(
        municipality_id=municipality_id,
        credit_note__status=CreditNote.Status.ISSUED,
        credit_note__credit_date__range=span,
    )
    invoiced = (
        invoice_lines.annotate(
            m=TruncMonth("invoice__invoice_date"), client=F("invoice__client_id")
        )
        .values("m", "client")
        .annotate(
            hours=Sum("hours"),
            gross=Sum("amount"),
            lines=Count("pk"),
            name=Max("invoice__client_name"),
        )
        .order_by()
    )
    credited = (
        credit_lines.annotate(
            m=TruncMonth("credit_note__credit_date"), client=F("credit_note__invoice__client_id")
        )
        .values("m", "client")
        .annotate(
            hours=Sum("hours"),
            gross=Sum("amount"),
            lines=Count("pk"),
            name=Max("credit_note__invoice__client_name"),
        )
        .order_by()
    )
    premium_invoiced = (
        _last_accruals()
        .filter(
            time_entry__invoice_link__line__municipality_id=municipality_id,
            time_entry__invoice_link__line__invoice__status=Invoice.Status.ISSUED,
            time_entry__invoice_link__line__invoice__invoice_date__range=span,
        )
        .annotate(
            m=TruncMonth("time_entry__invoice_link__line__invoice__invoice_date"),
            client=F("time_entry__invoice_link__line__invoice__client_id"),
        )
        .values("m", "client")
        .annotate(premiums=Coalesce(Sum("amount"), Value(ZERO)))
        .order_by()
    )
    premium_credited = (
        _last_accruals()
        .filter(
            time_entry__credit_link__line__municipality_id=municipality_id,
            time_entry__credit_link__line__credit_note__status=CreditNote.Status.ISSUED,
            time_entry__credit_link__line__credit_note__credit_date__range=span,
        )
        .annotate(
            m=TruncMonth("time_entry__credit_link__line__credit_note__credit_date"),
            client=F("time_entry__credit_link__line__credit_note__invoice__client_id"),
        )
        .values("m", "client")
        .annotate(premiums=Coalesce(Sum("amount"), Value(ZERO)))
        .order_by()
    )

    by_month: dict = defaultdict(Part)
    by_client: dict = defaultdict(Part)
    names: dict = {}
    counts = {"invoice": 0, "credit": 0}

    def add(key_month, key_client, *, hours=ZERO, gross=ZERO, premiums=ZERO):
        for part in (by_month[key_month], by_client[key_client]):
            part.hours += hours
            part.gross += gross
            part.premiums += premiums

    for row in invoiced:
        add(row["m"], row["client"], hours=row["hours"], gross=row["gross"])
        names[row["client"]] = row["name"]
        counts["invoice"] += row["lines"]
    for row in credited:
        add(row["m"], row["client"], hours=-row["hours"], gross=-row["gross"])
        names.setdefault(row["client"], row["name"])
        counts["credit"] += row["lines"]
    for row in premium_invoiced:
        add(row["m"], row["client"], premiums=row["premiums"])
    for row in premium_credited:
        add(row["m"], row["client"], premiums=-row["premiums"])

    return Figures(
        by_month=dict(by_month),
        by_client=dict(by_client),
        client_names=names,
        invoice_line_count=counts["invoice"],
        credit_line_count=counts["credit"],
    )
