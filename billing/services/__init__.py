"""Writes for billing. Every service is keyword-only, runs in one transaction, locks what it
changes through `billing.services.locks` (client, candidate, assignment, time entries, then
the document, then the number counter last), writes its audit record in that transaction and
queues PDFs and tasks on commit.

- numbering: gapless per-year number series (`document_number_next`).
- invoices: drafts, finalisation (issuing), draft deletion.
- runs: the monthly invoice run, resumable and safe to run twice.
- credit_notes: full and partial credit notes.
"""

from billing.services.credit_notes import (
    CreditNotePreview,
    credit_note_create,
    credit_note_preview,
)
from billing.services.invoices import (
    invoice_draft_create,
    invoice_draft_delete,
    invoice_finalise,
)
from billing.services.numbering import document_number_next, payment_reference_for
from billing.services.runs import invoice_run_execute, invoice_run_month, invoice_run_start

__all__ = [
    "CreditNotePreview",
    "credit_note_create",
    "credit_note_preview",
    "document_number_next",
    "invoice_draft_create",
    "invoice_draft_delete",
    "invoice_finalise",
    "invoice_run_execute",
    "invoice_run_month",
    "invoice_run_start",
    "payment_reference_for",
]
