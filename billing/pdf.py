"""The PDFs of issued invoices and credit notes: rendered once, by the workers, and stored.

`invoice_pdf_store(invoice_id=...)` is what `billing.tasks.invoice_render_pdf_task` calls for
each invoice finalisation (queued on commit): one task per invoice, so a month of 5,000
invoices spreads over every worker. It is safe to run twice and concurrently:

1. nothing to do if the PDF is stored already (`pdf_rendered_at` set) or the invoice is not
   issued;
2. render outside any transaction (WeasyPrint takes about half a second a page);
3. in one short transaction, lock the row, look again, and store the file and
   `pdf_rendered_at` only if no other worker did meanwhile (the loser's rendering is thrown
   away, never written). The PostgreSQL trigger of migration 0002 refuses any later change
   of a stored PDF: the document sent is the document kept.

The progress of a month's PDFs is a count: `invoice_run_pdf_progress(run)`.
"""

import dataclasses
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from billing.models import CreditNote, Invoice, InvoiceRun
from core.pdf import issuer, render_pdf


def invoice_pdf_context(invoice: Invoice) -> dict:
    return {
        "invoice": invoice,
        "lines": list(
            invoice.lines.select_related("municipality").order_by("candidate_name", "pk")
        ),
        "issuer": issuer(),
        "payment_term_days": (invoice.due_date - invoice.invoice_date).days,
    }


def credit_note_pdf_context(note: CreditNote) -> dict:
    lines = list(note.lines.select_related("municipality").order_by("candidate_name", "pk"))
    for line in lines:  # stored positive (the amount credited), shown negative
        line.hours_shown = -line.hours
        line.amount_shown = -line.amount
    return {
        "note": note,
        "invoice": note.invoice,
        "lines": lines,
        "issuer": issuer(),
        "shown": {
            "subtotal": -note.subtotal,
            "vat_amount": -note.vat_amount if note.vat_amount else Decimal("0.00"),
            "total": -note.total,
        },
    }


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    return render_pdf(
        template_name="billing/pdf/invoice.html", context=invoice_pdf_context(invoice)
    )


def credit_note_pdf_bytes(note: CreditNote) -> bytes:
    return render_pdf(
        template_name="billing/pdf/credit_note.html", context=credit_note_pdf_context(note)
    )


def _store(model, pk: int, *, render, filename) -> bool:
    document = model.objects.select_related(*(["invoice"] if model is CreditNote else [])).get(
        pk=pk
    )
    if document.pdf_rendered_at is not None or not document.is_issued:
        return False
    content = render(document)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=pk)
        if locked.pdf_rendered_at is not None:
            return False
        locked.pdf.save(filename(locked), ContentFile(content), save=False)
        locked.pdf_rendered_at = timezone.now()
        locked.save(update_fields=["pdf", "pdf_rendered_at"])
    return True


def invoice_pdf_store(*, invoice_id: int) -> bool:
    """Render and store an issued invoice's PDF once; True if this call stored it."""
    return _store(
        Invoice,
        invoice_id,
        render=invoice_pdf_bytes,
        filename=lambda invoice: f"factuur-{invoice.number}.pdf",
    )


def credit_note_pdf_store(*, credit_note_id: int) -> bool:
    """Render and store an issued credit note's PDF once; True if this call stored it."""
    return _store(
        CreditNote,
        credit_note_id,
        render=credit_note_pdf_bytes,
        filename=lambda note: f"creditnota-{note.number}.pdf",
    )


@dataclasses.dataclass(frozen=True)
class PdfProgress:
    done: int
    total: int

    @property
    def percentage(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total


def invoice_run_pdf_progress(run: InvoiceRun) -> PdfProgress:
    """PDFs stored of the run's issued invoices: one count query, no counter to keep."""
    from django.db.models import Count, Q

    counts = Invoice.objects.filter(run=run, status=Invoice.Status.ISSUED).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(pdf_rendered_at__isnull=False))
    )
    return PdfProgress(done=counts["done"], total=counts["total"])
