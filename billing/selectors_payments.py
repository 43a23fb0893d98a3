"""Reads for payments: an invoice's payment status from the stored parts.

    due      = total - the totals of its credit notes
    paid     = the sum of its payment allocations
    open     = due - paid
    status   = paid          when open <= 0
               overdue       when open > 0 and the due date has passed
               partly paid   when 0 < paid, open > 0, not overdue
               open          otherwise

Each sum is a subquery (not a join), so one invoice row stays one row whatever the number
of payments and credit notes. A fully credited invoice has nothing due: it counts as paid.
"""

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import CreditNote, Invoice, PaymentAllocation

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


class PaymentStatus:
    OPEN = "open"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"

    labels = {
        OPEN: _("Open"),
        PARTLY_PAID: _("Partly paid"),
        PAID: _("Paid"),
        OVERDUE: _("Overdue"),
    }
    choices = list(labels.items())


def _sum_of(queryset, field: str) -> Subquery:
    return Subquery(
        queryset.values("invoice_id").annotate(s=Sum(field)).values("s")[:1], output_field=MONEY
    )


def invoices_with_payment_status(
    queryset: QuerySet[Invoice] | None = None, *, today: datetime.date | None = None
) -> QuerySet[Invoice]:
    """Issued invoices annotated with `amount_credited`, `amount_paid`, `amount_open` and
    `payment_status` (see the module docstring), as of `today`."""
    today = today or timezone.localdate()
    queryset = Invoice.objects.all() if queryset is None else queryset
    credited = CreditNote.objects.filter(invoice_id=OuterRef("pk"), status=CreditNote.Status.ISSUED)
    allocated = PaymentAllocation.objects.filter(invoice_id=OuterRef("pk"))
    return (
        queryset.filter(status=Invoice.Status.ISSUED)
        .annotate(
            amount_credited=Coalesce(_sum_of(credited, "total"), Value(ZERO), output_field=MONEY),
            amount_paid=Coalesce(_sum_of(allocated, "amount"), Value(ZERO), output_field=MONEY),
        )
        .annotate(
            amount_open=F("total") - F("amount_credited") - F("amount_paid"),
        )
        .annotate(
            payment_status=Case(
                When(amount_open__lte=0, then=Value(PaymentStatus.PAID)),
                When(due_date__lt=today, then=Value(PaymentStatus.OVERDUE)),
                When(amount_paid__gt=0, then=Value(PaymentStatus.PARTLY_PAID)),
                default=Value(PaymentStatus.OPEN),
                output_field=CharField(),
            )
        )
    )


def invoice_payment_status(invoice: Invoice, *, today: datetime.date | None = None) -> str:
    return (
        invoices_with_payment_status(Invoice.objects.filter(pk=invoice.pk), today=today)
        .values_list("payment_status", flat=True)
        .get()
    )


def invoice_list_overdue(*, today: datetime.date | None = None) -> QuerySet[Invoice]:
    return invoices_with_payment_status(today=today).filter(payment_status=PaymentStatus.OVERDUE)
