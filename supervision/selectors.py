"""Reads for NVSI's supervision of its account: bank statements and their lines, payments,
receivables with ageing, payout runs, settlement transfer files and the audit trail.

Only NVSI's treasurer, NVSI's board and superusers supervise (`supervises`); every selector
returns nothing for anyone else, so a page that forgets its gate still shows nothing.

Every list is one query per page, whatever the number of rows: what a row says about other
tables (the invoices a bank line paid, their clients and municipalities) comes from
correlated subqueries that aggregate in the database, not from a query per row.

Receivables on a date (`receivable_list_for_user(as_of=...)`) are built from the stored
parts as they stood that day: an invoice issued on or before it, minus its credit notes
dated on or before it, minus its payment allocations paid on or before it. Overdue days
count from the due date (an invoice due that very day is not overdue yet):

    not yet due   due date >= the date
    1-30          1 to 30 days past the due date
    31-60, 61-90  and so on
    over 90       more than 90 days past it
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_nvsi_board, is_treasurer
from billing.models import (
    BankStatement,
    BankStatementLine,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)
from core.models import AuditEvent
from premiums.models import PayoutLine, PayoutRun
from settlements.models import SettlementPayment, SettlementTransferFile

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
TEXT = CharField()


def supervises(user) -> bool:
    """NVSI's treasurer and board (and superusers) supervise NVSI's account."""
    return user.is_authenticated and (
        user.is_superuser or is_treasurer(user) or is_nvsi_board(user)
    )


def _names(queryset, *, key: str, name: str) -> Subquery:
    """The distinct values of `name` over `queryset` (filtered on OuterRef), sorted, joined
    with ", ": one string per outer row, computed by the database."""
    return Subquery(
        queryset.order_by()
        .values(key)
        .annotate(names=StringAgg(name, delimiter=", ", distinct=True, order_by=name))
        .values("names")[:1],
        output_field=TEXT,
    )


# --- Bank statements and their lines -------------------------------------------------------


def bank_statement_list_for_user(*, user) -> QuerySet[BankStatement]:
    """Imported statements with the count of their lines by status and their credit and
    debit totals."""
    if not supervises(user):
        return BankStatement.objects.none()
    return BankStatement.objects.select_related("imported_by").annotate(
        line_count=Count("lines"),
        matched_count=Count("lines", filter=Q(lines__status=BankStatementLine.Status.MATCHED)),
        unmatched_count=Count("lines", filter=Q(lines__status=BankStatementLine.Status.UNMATCHED)),
        ignored_count=Count("lines", filter=Q(lines__status=BankStatementLine.Status.IGNORED)),
        credit_total=Coalesce(
            Sum("lines__amount", filter=Q(lines__is_credit=True)), Value(ZERO), output_field=MONEY
        ),
        debit_total=Coalesce(
            Sum("lines__amount", filter=Q(lines__is_credit=False)),
            Value(ZERO),
            output_field=MONEY,
        ),
    )


def bank_statement_get_for_user(*, user, pk: int) -> BankStatement:
    return get_object_or_404(bank_statement_list_for_user(user=user), pk=pk)


def bank_line_list_for_user(*, user) -> QuerySet[BankStatementLine]:
    """Statement lines, newest first, each with the payment made from it and, as text, the
    invoices that payment paid, their clients and the municipalities of their lines."""
    if not supervises(user):
        return BankStatementLine.objects.none()
    allocations = PaymentAllocation.objects.filter(payment__statement_line=OuterRef("pk"))
    invoice_lines = InvoiceLine.objects.filter(
        invoice__payment_allocations__payment__statement_line=OuterRef("pk")
    )
    return (
        BankStatementLine.objects.select_related("statement", "payment", "handled_by")
        .annotate(
            invoice_numbers=_names(
                allocations, key="payment__statement_line", name="invoice__number"
            ),
            client_names=_names(
                allocations, key="payment__statement_line", name="invoice__client_name"
            ),
            municipality_names=_names(
                invoice_lines,
                key="invoice__payment_allocations__payment__statement_line",
                name="municipality__name",
            ),
        )
        .order_by("-booking_date", "-pk")
    )


def bank_line_filter(
    lines: QuerySet[BankStatementLine],
    *,
    status: str = "",
    statement: BankStatement | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    municipality=None,
    text: str = "",
) -> QuerySet[BankStatementLine]:
    if status:
        lines = lines.filter(status=status)
    if statement is not None:
        lines = lines.filter(statement=statement)
    if date_from:
        lines = lines.filter(booking_date__gte=date_from)
    if date_to:
        lines = lines.filter(booking_date__lte=date_to)
    if municipality is not None:
        lines = lines.filter(
            pk__in=InvoiceLine.objects.filter(municipality=municipality).values(
                "invoice__payment_allocations__payment__statement_line"
            )
        )
    if text:
        lines = lines.filter(
            Q(counterparty_name__icontains=text)
            | Q(remittance_information__icontains=text)
            | Q(reference__icontains=text)
            | Q(structured_reference__icontains=text)
            | Q(end_to_end_id__icontains=text)
            | Q(
                pk__in=PaymentAllocation.objects.filter(
                    Q(invoice__number__icontains=text) | Q(invoice__client_name__icontains=text)
                ).values("payment__statement_line")
            )
        )
    return lines


def bank_line_get_for_user(*, user, pk: int) -> BankStatementLine:
    return get_object_or_404(bank_line_list_for_user(user=user), pk=pk)


@dataclass(frozen=True)
class PaidInvoice:
    """One invoice paid (partly) by a payment: how much, and whose candidates it billed."""

    invoice: Invoice
    amount: Decimal
    municipalities: list[str]


def payment_invoices(payment: Payment | None) -> list[PaidInvoice]:
    """The invoices a payment paid, with the municipalities of their lines (two queries)."""
    if payment is None:
        return []
    allocations = list(
        payment.allocations.select_related("invoice__client").order_by("invoice__number")
    )
    names = invoice_municipality_names([a.invoice_id for a in allocations])
    return [PaidInvoice(a.invoice, a.amount, names.get(a.invoice_id, [])) for a in allocations]


def invoice_municipality_names(invoice_ids) -> dict[int, list[str]]:
    """The names of the municipalities each invoice's lines are tagged with, sorted."""
    names: dict[int, set[str]] = defaultdict(set)
    for invoice_id, name in (
        InvoiceLine.objects.filter(invoice_id__in=list(invoice_ids))
        .values_list("invoice_id", "municipality__name")
        .distinct()
    ):
        names[invoice_id].add(name)
    return {invoice_id: sorted(values) for invoice_id, values in names.items()}


# --- Payments received -----------------------------------------------------------------------


def payment_list_for_user(*, user) -> QuerySet[Payment]:
    """Payments received, newest first, with the amount allocated to invoices and, as text,
    the invoices they paid and their clients."""
    if not supervises(user):
        return Payment.objects.none()
    allocations = PaymentAllocation.objects.filter(payment=OuterRef("pk"))
    allocated = Subquery(
        allocations.order_by().values("payment").annotate(s=Sum("amount")).values("s")[:1],
        output_field=MONEY,
    )
    return (
        Payment.objects.select_related("statement_line__statement", "recorded_by")
        .annotate(
            allocated=Coalesce(allocated, Value(ZERO), output_field=MONEY),
            invoice_numbers=_names(allocations, key="payment", name="invoice__number"),
            client_names=_names(allocations, key="payment", name="invoice__client_name"),
        )
        .annotate(unallocated=F("amount") - F("allocated"))
        .order_by("-payment_date", "-pk")
    )


def payment_filter(
    payments: QuerySet[Payment],
    *,
    source: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    municipality=None,
    text: str = "",
) -> QuerySet[Payment]:
    if source:
        payments = payments.filter(source=source)
    if date_from:
        payments = payments.filter(payment_date__gte=date_from)
    if date_to:
        payments = payments.filter(payment_date__lte=date_to)
    if municipality is not None:
        payments = payments.filter(
            pk__in=InvoiceLine.objects.filter(municipality=municipality).values(
                "invoice__payment_allocations__payment"
            )
        )
    if text:
        payments = payments.filter(
            Q(payer__icontains=text)
            | Q(note__icontains=text)
            | Q(
                pk__in=PaymentAllocation.objects.filter(
                    Q(invoice__number__icontains=text) | Q(invoice__client_name__icontains=text)
                ).values("payment")
            )
        )
    return payments


# --- Receivables with ageing ---------------------------------------------------------------


class Bucket:
    CURRENT = "current"
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    OVER_90 = "90+"

    labels = {
        CURRENT: _("Not yet due"),
        DAYS_1_30: _("1-30 days overdue"),
        DAYS_31_60: _("31-60 days overdue"),
        DAYS_61_90: _("61-90 days overdue"),
        OVER_90: _("More than 90 days overdue"),
    }
    order = [CURRENT, DAYS_1_30, DAYS_31_60, DAYS_61_90, OVER_90]
    choices = list(labels.items())


def _sum_per_invoice(queryset, field: str) -> Coalesce:
    total = Subquery(
        queryset.order_by().values("invoice_id").annotate(s=Sum(field)).values("s")[:1],
        output_field=MONEY,
    )
    return Coalesce(total, Value(ZERO), output_field=MONEY)


def receivable_list_for_user(*, user, as_of: datetime.date) -> QuerySet[Invoice]:
    """Invoices with something open on `as_of`, annotated with `amount_credited`,
    `amount_paid`, `amount_open` and `bucket` as they stood that day; oldest due first."""
    if not supervises(user):
        return Invoice.objects.none()
    credited = CreditNote.objects.filter(
        invoice_id=OuterRef("pk"), status=CreditNote.Status.ISSUED, credit_date__lte=as_of
    )
    paid = PaymentAllocation.objects.filter(
        invoice_id=OuterRef("pk"), payment__payment_date__lte=as_of
    )
    day = datetime.timedelta(days=1)
    return (
        Invoice.objects.filter(status=Invoice.Status.ISSUED, invoice_date__lte=as_of)
        .select_related("client")
        .annotate(
            amount_credited=_sum_per_invoice(credited, "total"),
            amount_paid=_sum_per_invoice(paid, "amount"),
        )
        .annotate(amount_open=F("total") - F("amount_credited") - F("amount_paid"))
        .filter(amount_open__gt=0)
        .annotate(
            bucket=Case(
                When(due_date__gte=as_of, then=Value(Bucket.CURRENT)),
                When(due_date__gte=as_of - 30 * day, then=Value(Bucket.DAYS_1_30)),
                When(due_date__gte=as_of - 60 * day, then=Value(Bucket.DAYS_31_60)),
                When(due_date__gte=as_of - 90 * day, then=Value(Bucket.DAYS_61_90)),
                default=Value(Bucket.OVER_90),
                output_field=TEXT,
            )
        )
        .order_by("due_date", "number")
    )


def receivable_filter(
    invoices: QuerySet[Invoice], *, bucket: str = "", municipality=None, text: str = ""
) -> QuerySet[Invoice]:
    if bucket == "overdue":
        invoices = invoices.exclude(bucket=Bucket.CURRENT)
    elif bucket:
        invoices = invoices.filter(bucket=bucket)
    if municipality is not None:
        invoices = invoices.filter(
            pk__in=InvoiceLine.objects.filter(municipality=municipality).values("invoice_id")
        )
    if text:
        invoices = invoices.filter(
            Q(number__icontains=text)
            | Q(client_name__icontains=text)
            | Q(client__name__icontains=text)
        )
    return invoices


def _bucket_sums() -> dict:
    return {
        f"open_{index}": Coalesce(
            Sum("amount_open", filter=Q(bucket=bucket)), Value(ZERO), output_field=MONEY
        )
        for index, bucket in enumerate(Bucket.order)
    }


@dataclass
class AgeingRow:
    """Open amounts of one client, one municipality or everything, per bucket."""

    name: str
    code: str = ""
    invoice_count: int = 0
    buckets: list[Decimal] = field(default_factory=lambda: [ZERO] * len(Bucket.order))

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)

    @property
    def overdue(self) -> Decimal:
        return sum(self.buckets[1:], ZERO)


def _row(name: str, values: dict, code: str = "") -> AgeingRow:
    return AgeingRow(
        name=name,
        code=code,
        invoice_count=values["invoice_count"],
        buckets=[values[f"open_{i}"] for i in range(len(Bucket.order))],
    )


def ageing_totals(invoices: QuerySet[Invoice]) -> AgeingRow:
    """The open amount of all `invoices` per bucket, summed by the database."""
    values = invoices.order_by().aggregate(invoice_count=Count("pk"), **_bucket_sums())
    return _row(str(_("Total")), values)


def ageing_by_client(invoices: QuerySet[Invoice]) -> list[AgeingRow]:
    """The open amount per client and bucket; the rows add up to `ageing_totals`."""
    rows = (
        invoices.order_by()
        .values("client_id", "client__name", "client__kvk_number")
        .annotate(invoice_count=Count("pk"), **_bucket_sums())
        .order_by("client__name", "client_id")
    )
    return [_row(r["client__name"], r, r["client__kvk_number"]) for r in rows]


def ageing_by_municipality(invoices: QuerySet[Invoice]) -> list[AgeingRow]:
    """The open amount of the invoices carrying each municipality's candidates, per bucket.

    An invoice to a client with candidates of two municipalities counts in full under both
    (what is open is the invoice, not a line), so these rows may add up to more than the
    total. Two queries: the open invoices, and their municipalities.
    """
    open_invoices = {
        row["pk"]: row for row in invoices.order_by().values("pk", "bucket", "amount_open")
    }
    rows: dict[int, AgeingRow] = {}
    for invoice_id, municipality_id, name, code in (
        InvoiceLine.objects.filter(invoice_id__in=list(open_invoices))
        .values_list(
            "invoice_id", "municipality_id", "municipality__name", "municipality__cbs_code"
        )
        .distinct()
    ):
        row = rows.setdefault(municipality_id, AgeingRow(name=name, code=code))
        invoice = open_invoices[invoice_id]
        row.invoice_count += 1
        index = Bucket.order.index(invoice["bucket"])
        row.buckets[index] += invoice["amount_open"]
    return sorted(rows.values(), key=lambda r: (r.name, r.code))


# --- Payout runs and settlement transfer files ----------------------------------------------


def payout_run_list_for_user(*, user) -> QuerySet[PayoutRun]:
    if not supervises(user):
        return PayoutRun.objects.none()
    return PayoutRun.objects.select_related(
        "municipality", "prepared_by", "approved_by", "marked_paid_by"
    ).order_by("-payout_date", "municipality__name", "pk")


def payout_run_get_for_user(*, user, pk: int) -> PayoutRun:
    return get_object_or_404(payout_run_list_for_user(user=user), pk=pk)


def payout_run_lines(run: PayoutRun) -> QuerySet[PayoutLine]:
    return run.lines.order_by("candidate_name", "pk")


def payout_run_with_file(run: PayoutRun) -> bool:
    """A run has a SEPA file once approved (and keeps it when paid)."""
    return bool(run.sepa_xml) and run.status in (PayoutRun.Status.APPROVED, PayoutRun.Status.PAID)


def transfer_file_list_for_user(*, user) -> QuerySet[SettlementTransferFile]:
    if not supervises(user):
        return SettlementTransferFile.objects.none()
    return SettlementTransferFile.objects.select_related("created_by").order_by(
        "-year", "-half", "-sequence"
    )


def transfer_file_get_for_user(*, user, pk: int) -> SettlementTransferFile:
    return get_object_or_404(transfer_file_list_for_user(user=user), pk=pk)


def transfer_file_payments(transfer_file: SettlementTransferFile) -> QuerySet[SettlementPayment]:
    return transfer_file.payments.select_related("settlement__municipality").order_by(
        "settlement__municipality__name", "payee", "pk"
    )


# --- The audit trail ------------------------------------------------------------------------


def audit_event_list_for_user(*, user) -> QuerySet[AuditEvent]:
    if not supervises(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("actor", "content_type").order_by("-created_at", "-id")


def audit_event_filter(
    events: QuerySet[AuditEvent],
    *,
    actor: str = "",
    action: str = "",
    start=None,
    end=None,
    content_type=None,
    object_id: str = "",
    text: str = "",
) -> QuerySet[AuditEvent]:
    """`start` and `end` are aware datetimes: events from `start` up to (not including)
    `end`."""
    if actor == "system":
        events = events.filter(actor__isnull=True)
    elif actor:
        events = events.filter(
            Q(actor__email__icontains=actor)
            | Q(actor__first_name__icontains=actor)
            | Q(actor__last_name__icontains=actor)
        )
    if action:
        events = events.filter(action=action)
    if start is not None:
        events = events.filter(created_at__gte=start)
    if end is not None:
        events = events.filter(created_at__lt=end)
    if content_type is not None:
        events = events.filter(content_type=content_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if text:
        events = events.filter(Q(object_repr__icontains=text) | Q(summary__icontains=text))
    return events


def audit_actions() -> list[str]:
    """The actions recorded so far, sorted.

    A plain DISTINCT reads every row of the audit trail; this walks the index on `action`
    from one value to the next (a "loose index scan"), one index probe per action, so it
    stays fast however long the trail grows.
    """
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE actions(action) AS (
                (SELECT action FROM {table} ORDER BY action LIMIT 1)
                UNION ALL
                SELECT (SELECT e.action FROM {table} e WHERE e.action > a.action
                        ORDER BY e.action LIMIT 1)
                FROM actions a WHERE a.action IS NOT NULL
            )
            SELECT action FROM actions WHERE action IS NOT NULL
            """  # noqa: S608 - the table name is the model's own, quoted
        )
        return [row[0] for row in cursor.fetchall()]


# --- The landing page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    statement_count: int
    line_count: int
    unmatched_count: int
    payment_count: int
    receivables: AgeingRow
    payout_run_count: int
    transfer_file_count: int
    audit_event_count: int


RECENT_DAYS = 30


def supervision_overview(*, user, today: datetime.date) -> Overview:
    """The counts of the landing page; the audit trail counts the last RECENT_DAYS days only
    (the whole trail is long, and its index on the time makes this count cheap)."""
    recent_since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=RECENT_DAYS), datetime.time.min)
    )
    scoped = (
        BankStatementLine.objects.all() if supervises(user) else BankStatementLine.objects.none()
    )
    lines = scoped.aggregate(
        total=Count("pk"),
        unmatched=Count("pk", filter=Q(status=BankStatementLine.Status.UNMATCHED)),
    )
    return Overview(
        statement_count=bank_statement_list_for_user(user=user).order_by().count(),
        line_count=lines["total"],
        unmatched_count=lines["unmatched"],
        payment_count=payment_list_for_user(user=user).count(),
        receivables=ageing_totals(receivable_list_for_user(user=user, as_of=today)),
        payout_run_count=payout_run_list_for_user(user=user).count(),
        transfer_file_count=transfer_file_list_for_user(user=user).count(),
        audit_event_count=audit_event_list_for_user(user=user)
        .filter(created_at__gte=recent_since)
        .count(),
    )
