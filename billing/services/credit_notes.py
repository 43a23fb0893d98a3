"""Credit notes: full or partial, always on one issued invoice, with their own number series.

What is credited is a set of the invoice's time entries, each whole: all that are still
invoiced (a full credit note), those of chosen lines, or chosen entries. Credited entries
become `credited`: they stay linked to the invoice as history, and the correction is entered
as a new entry on the same assignment and date, approved and invoiced on a later invoice.

Amounts are positive (the amount credited) and rounded as on the invoice:

- a line credited for only some of its remaining hours: line_amount(hours, rate);
- a line credited for all its remaining hours: the line's amount minus what earlier credit
  notes took from it, so a line credited in parts nets to exactly zero;
- VAT at the invoice's percentage on the sum of the credit note's lines, except that the
  credit note taking the last invoiced hours of the invoice credits the invoice's VAT minus
  the VAT of the earlier ones: invoice minus all its credit notes is then exactly zero.
"""

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    CreditNote,
    CreditNoteLine,
    CreditNoteLineEntry,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoiceLineEntry,
)
from billing.services.locks import lock_client, lock_invoice, lock_time_entries
from billing.services.numbering import document_number_next
from core.money import line_amount, percentage_of
from core.services import audit_record
from placements.models import TimeEntry
from placements.services import time_entries_billing_transition

ZERO = Decimal("0.00")


def _credited_so_far(invoice: Invoice) -> tuple[dict[int, Decimal], Decimal]:
    """Per invoice line the amount credited by earlier credit notes, and their VAT."""
    per_line = dict(
        CreditNoteLine.objects.filter(credit_note__invoice=invoice)
        .values("invoice_line_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_line_id", "total")
    )
    vat = CreditNote.objects.filter(invoice=invoice).aggregate(total=Sum("vat_amount"))["total"]
    return per_line, vat or ZERO


def _selected(
    open_entries: list[TimeEntry],
    *,
    line_of: dict[int, int],
    invoice: Invoice,
    lines: Iterable[InvoiceLine] | None,
    time_entries: Iterable[TimeEntry] | None,
) -> list[TimeEntry]:
    if lines is not None and time_entries is not None:
        raise TypeError("Credit lines or time entries, not both.")
    if lines is None and time_entries is None:
        return open_entries
    if lines is not None:
        line_ids = {line.pk for line in lines}
        if not line_ids:
            raise ValidationError(_("Choose the lines to credit."), code="nothing_chosen")
        foreign = line_ids - set(invoice.lines.values_list("pk", flat=True))
        if foreign:
            raise ValidationError(
                _("These lines are not on invoice %(number)s.") % {"number": invoice.number},
                code="not_on_invoice",
            )
        chosen = [e for e in open_entries if line_of[e.pk] in line_ids]
        credited_lines = line_ids - {line_of[e.pk] for e in chosen}
        if credited_lines:
            raise ValidationError(
                _("Some of these lines are credited in full already."), code="already_credited"
            )
        return chosen
    wanted = {entry.pk for entry in time_entries}
    if not wanted:
        raise ValidationError(_("Choose the hours to credit."), code="nothing_chosen")
    chosen = [e for e in open_entries if e.pk in wanted]
    if len(chosen) != len(wanted):
        raise ValidationError(
            _("Only hours invoiced on %(number)s and not credited yet can be credited.")
            % {"number": invoice.number},
            code="not_creditable",
        )
    return chosen


@transaction.atomic
def credit_note_create(
    *,
    invoice: Invoice,
    actor,
    reason: str,
    credit_date: datetime.date | None = None,
    lines: Iterable[InvoiceLine] | None = None,
    time_entries: Iterable[TimeEntry] | None = None,
) -> CreditNote:
    """Credit an issued invoice: everything still invoiced on it (neither `lines` nor
    `time_entries` given), the remaining hours of chosen lines, or chosen time entries.

    Issued at once, numbered in the credit note series of the credit date's year (which is
    the invoice date or later, and decides its settlement). The credited hours become
    `credited`; the PDF is queued on commit.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the credit note.")})
    credit_date = credit_date or timezone.localdate()

    lock_client(invoice.client_id)
    line_ids = list(InvoiceLine.objects.filter(invoice_id=invoice.pk).values_list("pk", flat=True))
    linked_ids = list(
        InvoiceLineEntry.objects.filter(line_id__in=line_ids).values_list(
            "time_entry_id", flat=True
        )
    )
    open_entries = lock_time_entries(linked_ids, status=TimeEntry.Status.INVOICED)
    invoice = lock_invoice(invoice.pk)
    if not invoice.is_issued:
        raise ValidationError(
            _("Only an issued invoice can be credited; delete a draft instead."),
            code="invoice_not_issued",
        )
    if credit_date < invoice.invoice_date:
        raise ValidationError(
            {"credit_date": _("A credit note is dated on or after its invoice's date.")},
            code="credit_date_too_early",
        )
    if not open_entries:
        raise ValidationError(
            _("Invoice %(number)s is credited in full already.") % {"number": invoice.number},
            code="already_credited",
        )
    line_of = dict(
        TimeEntry.objects.filter(pk__in=[e.pk for e in open_entries]).values_list(
            "pk", "invoice_link__line_id"
        )
    )
    chosen = _selected(
        open_entries, line_of=line_of, invoice=invoice, lines=lines, time_entries=time_entries
    )

    open_per_line: dict[int, int] = defaultdict(int)
    for entry in open_entries:
        open_per_line[line_of[entry.pk]] += 1
    chosen_per_line: dict[int, list[TimeEntry]] = defaultdict(list)
    for entry in chosen:
        chosen_per_line[line_of[entry.pk]].append(entry)

    credited_before, vat_before = _credited_so_far(invoice)
    invoice_lines = {line.pk: line for line in invoice.lines.filter(pk__in=chosen_per_line)}
    credit_lines = []
    for line_id, entries in sorted(chosen_per_line.items()):
        line = invoice_lines[line_id]
        hours = sum((e.hours for e in entries), ZERO)
        if len(entries) == open_per_line[line_id]:
            amount = line.amount - credited_before.get(line_id, ZERO)
        else:
            amount = line_amount(hours, line.rate)
        credit_lines.append(
            CreditNoteLine(
                invoice_line=line,
                municipality_id=line.municipality_id,
                candidate_name=line.candidate_name,
                hours=hours,
                rate=line.rate,
                amount=amount,
            )
        )
    subtotal = sum((cl.amount for cl in credit_lines), ZERO)
    is_full = len(chosen) == len(open_entries)
    if is_full:
        vat_amount = invoice.vat_amount - vat_before
    else:
        vat_amount = percentage_of(subtotal, invoice.vat_percentage)

    note = CreditNote.objects.create(
        invoice=invoice,
        credit_date=credit_date,
        reason=reason,
        is_full=is_full,
        vat_percentage=invoice.vat_percentage,
        subtotal=subtotal,
        vat_amount=vat_amount,
        total=subtotal + vat_amount,
    )
    for credit_line in credit_lines:
        credit_line.credit_note = note
    CreditNoteLine.objects.bulk_create(credit_lines)
    CreditNoteLineEntry.objects.bulk_create(
        [
            CreditNoteLineEntry(line=credit_line, time_entry_id=entry.pk)
            for credit_line in credit_lines
            for entry in chosen_per_line[credit_line.invoice_line_id]
        ]
    )
    time_entries_billing_transition(
        entry_ids=[e.pk for e in chosen],
        from_status=TimeEntry.Status.INVOICED,
        to_status=TimeEntry.Status.CREDITED,
    )
    note.status = CreditNote.Status.ISSUED
    note.issued_at = timezone.now()
    note.issued_by = actor if actor is not None and actor.is_authenticated else None
    note.number = document_number_next(
        series=DocumentCounter.Series.CREDIT_NOTE, year=credit_date.year
    )
    note.save(update_fields=["status", "issued_at", "issued_by", "number"])
    audit_record(
        actor=actor,
        action="credit_note.issue",
        obj=note,
        summary=f"Credits {len(chosen)} time entries of invoice {invoice.number}: {reason}"[:500],
        after={
            "invoice": invoice.number,
            "number": note.number,
            "subtotal": str(subtotal),
            "vat_amount": str(vat_amount),
            "total": str(note.total),
        },
    )
    note_id = note.pk
    transaction.on_commit(lambda: _queue_pdf(note_id), robust=True)  # as for invoices
    return note


def _queue_pdf(credit_note_id: int) -> None:
    from billing.tasks import credit_note_render_pdf_task

    credit_note_render_pdf_task.delay(credit_note_id)


@dataclasses.dataclass(frozen=True)
class CreditNotePreview:
    """What a credit note would credit: its lines (name, hours, amount) and amounts."""

    lines: list[tuple[str, Decimal, Decimal]]
    subtotal: Decimal
    vat_amount: Decimal
    total: Decimal
    is_full: bool


class _PreviewDone(Exception):
    def __init__(self, preview: CreditNotePreview):
        self.preview = preview


def credit_note_preview(
    *,
    invoice: Invoice,
    actor,
    reason: str,
    credit_date: datetime.date | None = None,
    lines: Iterable[InvoiceLine] | None = None,
) -> CreditNotePreview:
    """What `credit_note_create` with these arguments would issue, without issuing it: the
    service itself runs in a transaction that is then rolled back (number, audit record,
    credited hours and the queued PDF with it), so the amount shown before confirming is
    the amount issued, computed by the one function that computes it. Refusals raise as
    from `credit_note_create`."""
    try:
        with transaction.atomic():
            note = credit_note_create(
                invoice=invoice,
                actor=actor,
                reason=reason,
                credit_date=credit_date,
                lines=lines,
            )
            raise _PreviewDone(
                CreditNotePreview(
                    lines=list(
                        note.lines.order_by("candidate_name", "pk").values_list(
                            "candidate_name", "hours", "amount"
                        )
                    ),
                    subtotal=note.subtotal,
                    vat_amount=note.vat_amount,
                    total=note.total,
                    is_full=note.is_full,
                )
            )
    except _PreviewDone as done:
        return done.preview
