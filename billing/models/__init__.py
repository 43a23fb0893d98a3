"""The billing models, by subject: the documents (invoice runs, invoices, credit notes and
their number series) in `documents`, the money received (bank statements, payments, their
allocations, reminders) in `payments`. Import them from here: `from billing.models import
Invoice, Payment`.
"""

from billing.models.documents import (
    CREDIT_NOTE_NUMBER_PATTERN,
    INVOICE_NUMBER_PATTERN,
    CreditNote,
    CreditNoteLine,
    CreditNoteLineEntry,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoiceLineEntry,
    InvoiceRun,
)
from billing.models.payments import (
    BankStatement,
    BankStatementLine,
    InvoiceReminder,
    Payment,
    PaymentAllocation,
    Receivable,
)

__all__ = [
    "CREDIT_NOTE_NUMBER_PATTERN",
    "INVOICE_NUMBER_PATTERN",
    "BankStatement",
    "BankStatementLine",
    "CreditNote",
    "CreditNoteLine",
    "CreditNoteLineEntry",
    "DocumentCounter",
    "Invoice",
    "InvoiceLine",
    "InvoiceLineEntry",
    "InvoiceReminder",
    "InvoiceRun",
    "Payment",
    "PaymentAllocation",
    "Receivable",
]
