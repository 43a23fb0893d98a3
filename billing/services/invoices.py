"""Invoices: a draft collects a client's approved hours of one month; finalising issues it.

A draft holds its hours: they are marked invoiced (locked) when they land on its lines, so
nothing else can change or invoice them; deleting the draft gives them back (approved).
Finalising assigns the number, dates, VAT and total and never happens twice. The money is
computed here from core.money only: line = line_amount(hours, rate), VAT =
percentage_of(sum of the lines, VAT percentage), total = subtotal + VAT.

The values are computed by the service, not typed in, so these writes rely on the database
constraints (see billing.models) instead of a `full_clean()` per row: the monthly run writes
thousands of them.
"""

import calendar
import contextlib
import contextvars
import datetime
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from billing.models import DocumentCounter, Invoice, InvoiceLine, InvoiceLineEntry, InvoiceRun
from billing.services.locks import lock_assignments, lock_client, lock_invoice, lock_time_entries
from billing.services.numbering import document_number_next, payment_reference_for
from core.money import line_amount, percentage_of
from core.services import audit_record
from members.selectors import FrameworkNotInForce, framework_in_force
from placements.models import Assignment, Client, TimeEntry
from placements.services import time_entries_billing_transition

ZERO = Decimal("0.00")


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of `month` (which must be the first day of a month)."""
    if month.day != 1:
        raise ValueError("A month is given as its first day.")
    last_day = calendar.monthrange(month.year, month.month)[1]
    return month, month.replace(day=last_day)


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def invoice_date_check(
    *, month: datetime.date, invoice_date: datetime.date, today: datetime.date | None = None
) -> None:
    """An invoice is issued for a month that has ended, dated on the month's last day at the
    earliest and today at the latest (the date it is issued).

    `today` is the portal's (Europe/Amsterdam, not UTC) by default. Called by every path
    that issues: the run (admin form, `run_invoices`, the Celery task) and `invoice_finalise`.
    """
    today = today or timezone.localdate()
    _first, last = month_bounds(month)
    errors: dict[str, ValidationError] = {}
    if last >= today:
        errors["month"] = ValidationError(
            _(
                "%(month)s has not ended yet: its hours can be invoiced from %(next)s, once "
                "they have all been worked."
            )
            % {"month": f"{month:%m-%Y}", "next": _date(last + datetime.timedelta(days=1))},
            code="month_not_ended",
        )
    if invoice_date > today:
        errors["invoice_date"] = ValidationError(
            _(
                "The invoice date %(date)s lies after today (%(today)s): an invoice is dated "
                "on the day it is issued, not later."
            )
            % {"date": _date(invoice_date), "today": _date(today)},
            code="invoice_date_in_future",
        )
    elif invoice_date < last and "month" not in errors:  # else the month's error says it
        errors["invoice_date"] = ValidationError(
            _(
                "An invoice for %(month)s is dated on %(last)s or later: the hours must "
                "have been worked."
            )
            % {"month": f"{month:%m-%Y}", "last": _date(last)},
            code="invoice_date_too_early",
        )
    if errors:
        raise ValidationError(errors)


def vat_percentage_on(invoice_date: datetime.date) -> Decimal:
    """The VAT percentage of the general framework in force on the invoice date.

    VAT is general only (a municipality cannot set it), so one invoice has one percentage
    whatever the municipalities of its lines.
    """
    try:
        return framework_in_force(municipality=None, on=invoice_date).vat_percentage
    except FrameworkNotInForce as error:
        raise ValidationError({"invoice_date": str(error)}, code="no_framework") from error


def approved_entries(*, month: datetime.date, client_id: int | None = None):
    """Approved, not yet invoiced hours worked in `month` (of one client, if given).

    A client's entries are found through its assignments' ids, read first (index on the
    client), so the entries are read through the (assignment, work date) index whatever the
    planner's statistics say: a join to the assignments let the planner loop over whole
    tables when it believed them empty.
    """
    first, last = month_bounds(month)
    qs = TimeEntry.objects.filter(
        status=TimeEntry.Status.APPROVED, work_date__gte=first, work_date__lte=last
    )
    if client_id is not None:
        assignment_ids = list(
            Assignment.objects.filter(client_id=client_id).values_list("pk", flat=True)
        )
        qs = qs.filter(assignment_id__in=assignment_ids)
    return qs


def _draft_build(*, client_id: int, month: datetime.date, run: InvoiceRun | None) -> Invoice | None:
    """Lock and collect the client's approved hours of the month into a draft, or None.

    The caller has locked the client. One line per assignment; the hours become invoiced.
    """
    candidates = list(
        approved_entries(month=month, client_id=client_id).values_list("pk", "assignment_id")
    )
    assignments = lock_assignments(assignment_id for _pk, assignment_id in candidates)
    if not assignments:
        return None
    # Locked, the entries are read again: only those still approved are invoiced.
    entries = lock_time_entries(
        (pk for pk, _assignment_id in candidates),
        status=TimeEntry.Status.APPROVED,
        fields=("pk", "assignment_id", "hours"),
    )
    if not entries:
        return None
    hours: dict[int, Decimal] = defaultdict(lambda: ZERO)
    entry_ids: dict[int, list[int]] = defaultdict(list)
    for pk, assignment_id, entry_hours in entries:
        hours[assignment_id] += entry_hours
        entry_ids[assignment_id].append(pk)

    lines = [
        InvoiceLine(
            assignment=assignment,
            municipality_id=assignment.candidate.municipality_id,
            candidate_name=assignment.candidate.full_name,
            candidate_client_number=assignment.candidate.client_number,
            description=assignment.work_description,
            hours=hours[assignment.pk],
            rate=assignment.hourly_rate,
            amount=line_amount(hours[assignment.pk], assignment.hourly_rate),
        )
        for assignment in assignments
        if assignment.pk in hours
    ]
    # The subtotal is known before the invoice is written: one INSERT, no UPDATE after.
    invoice = Invoice.objects.create(
        client_id=client_id,
        period=month,
        run=run,
        subtotal=sum((line.amount for line in lines), ZERO),
    )
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    InvoiceLineEntry.objects.bulk_create(
        [
            InvoiceLineEntry(line=line, time_entry_id=entry_id)
            for line in lines
            for entry_id in entry_ids[line.assignment_id]
        ]
    )
    time_entries_billing_transition(
        entry_ids=[pk for pk, _assignment_id, _hours in entries],
        from_status=TimeEntry.Status.APPROVED,
        to_status=TimeEntry.Status.INVOICED,
    )
    return invoice


@transaction.atomic
def invoice_draft_create(*, client: Client, month: datetime.date, actor) -> Invoice | None:
    """A draft invoice for the client's approved, not yet invoiced hours of `month`.

    None when there are none. The hours are invoiced (locked) from here on.
    """
    lock_client(client.pk)
    invoice = _draft_build(client_id=client.pk, month=month, run=None)
    if invoice is not None:
        audit_record(
            actor=actor,
            action="invoice.create_draft",
            obj=invoice,
            after={"client_id": client.pk, "period": str(month), "subtotal": str(invoice.subtotal)},
        )
    return invoice


def _refuse_issued(invoice: Invoice) -> None:
    if invoice.is_issued:
        raise ValidationError(
            _("Invoice %(number)s is issued: it never changes. Correct it with a credit note.")
            % {"number": invoice.number},
            code="invoice_issued",
        )


def _issue(
    invoice: Invoice, *, actor, invoice_date: datetime.date, vat_percentage: Decimal
) -> Invoice:
    """Issue a locked draft: number last, so the counter is held for the commit only."""
    _refuse_issued(invoice)
    invoice_date_check(month=invoice.period, invoice_date=invoice_date)
    if not invoice.lines.exists():
        raise ValidationError(_("An invoice without lines cannot be issued."), code="no_lines")
    client = invoice.client
    invoice.invoice_date = invoice_date
    invoice.due_date = invoice_date + datetime.timedelta(days=settings.INVOICE_PAYMENT_TERM_DAYS)
    invoice.vat_percentage = vat_percentage
    invoice.vat_amount = percentage_of(invoice.subtotal, vat_percentage)
    invoice.total = invoice.subtotal + invoice.vat_amount
    invoice.client_name = client.name
    invoice.client_address = client.billing_address
    invoice.client_kvk_number = client.kvk_number
    invoice.client_vat_number = client.vat_number
    invoice.client_contact = client.contact_person
    invoice.client_reference = client.invoice_reference
    invoice.issued_at = timezone.now()
    invoice.issued_by = actor if actor is not None and actor.is_authenticated else None
    invoice.status = Invoice.Status.ISSUED
    invoice.number = document_number_next(
        series=DocumentCounter.Series.INVOICE, year=invoice_date.year
    )
    invoice.payment_reference = payment_reference_for(invoice.number)
    invoice.save(
        update_fields=[
            "invoice_date",
            "due_date",
            "vat_percentage",
            "vat_amount",
            "total",
            "client_name",
            "client_address",
            "client_kvk_number",
            "client_vat_number",
            "client_contact",
            "client_reference",
            "issued_at",
            "issued_by",
            "status",
            "number",
            "payment_reference",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="invoice.issue",
        obj=invoice,
        after={
            "number": invoice.number,
            "invoice_date": str(invoice_date),
            "subtotal": str(invoice.subtotal),
            "vat_amount": str(invoice.vat_amount),
            "total": str(invoice.total),
        },
    )
    invoice_id = invoice.pk
    # Robust: the invoice stands once committed; a PDF that fails to queue (or, with eager
    # Celery, to render) is logged and left for a later render, not raised into the run.
    if not _pdf_deferred.get():
        transaction.on_commit(lambda: _queue_pdf(invoice_id), robust=True)
    return invoice


# Set by `pdf_rendering_deferred()`: finalisations in this context queue no PDF.
_pdf_deferred = contextvars.ContextVar("billing_pdf_deferred", default=False)


@contextlib.contextmanager
def pdf_rendering_deferred() -> Iterator[None]:
    """Issue invoices without queueing their PDFs; `manage.py render_missing_pdfs` renders
    them later (in parallel on the workers when there is a broker).

    Without a broker Celery runs every task in-process, so each finalisation would render its
    PDF inline (about 0.3 s): this is for bulk issuing in one process, the demo data and the
    benchmark. Decided when the invoice is issued, not when its transaction commits.
    """
    token = _pdf_deferred.set(True)
    try:
        yield
    finally:
        _pdf_deferred.reset(token)


def _queue_pdf(invoice_id: int) -> None:
    from billing.tasks import invoice_render_pdf_task

    invoice_render_pdf_task.delay(invoice_id)


@transaction.atomic
def invoice_finalise(*, invoice: Invoice, actor, invoice_date: datetime.date) -> Invoice:
    """Issue a draft: the next number of the invoice date's year, due date, VAT, total.

    Gapless under concurrency and failure: the number counter is locked in this transaction
    (see billing.services.numbering). Refuses an issued invoice. The PDF is queued on commit.
    """
    lock_client(invoice.client_id)
    invoice = lock_invoice(invoice.pk)
    _refuse_issued(invoice)
    return _issue(
        invoice,
        actor=actor,
        invoice_date=invoice_date,
        vat_percentage=vat_percentage_on(invoice_date),
    )


@transaction.atomic
def invoice_draft_delete(*, invoice: Invoice, actor) -> None:
    """Delete a draft; its hours go back to approved. An issued invoice is never deleted."""
    lock_client(invoice.client_id)
    invoice = lock_invoice(invoice.pk)
    _refuse_issued(invoice)
    entry_ids = list(
        InvoiceLineEntry.objects.filter(line__invoice=invoice).values_list(
            "time_entry_id", flat=True
        )
    )
    lock_time_entries(entry_ids)
    audit_record(
        actor=actor,
        action="invoice.delete_draft",
        obj=invoice,
        before={"client_id": invoice.client_id, "period": str(invoice.period)},
    )
    InvoiceLineEntry.objects.filter(line__invoice=invoice).delete()
    time_entries_billing_transition(
        entry_ids=entry_ids,
        from_status=TimeEntry.Status.INVOICED,
        to_status=TimeEntry.Status.APPROVED,
    )
    invoice.delete()
