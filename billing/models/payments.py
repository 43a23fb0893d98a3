"""Payments on NVSI's account and what they pay: bank statements, payments, allocations.

- A `BankStatement` is one imported camt.053 statement, unique per account and statement id:
  importing the same statement again finds it and changes nothing.
- A `BankStatementLine` is one entry of it, unique per statement and bank reference. A
  client's credit is matched to invoices (`matched`) or waits in the queue for the back
  office (`unmatched`); debits and what is no client payment are `ignored`.
- A `Payment` is money received: by hand (the back office records it) or from a statement
  line (at most one payment per line). `PaymentAllocation` rows say which invoices it pays
  and how much of each: one payment may pay several invoices (combined), one invoice may be
  paid by several payments (partial). The allocations of a payment never exceed it.
- An invoice's payment status (open, partly paid, paid, overdue) is computed from the stored
  allocations and credit notes and its due date: `billing.selectors_payments`.
- `InvoiceReminder`: one row per invoice and reminder level, so a reminder goes out once.

Money documents are never deleted: payments and statements are protected from deletion by
the admin and referenced with PROTECT.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.models.documents import Invoice

__all__ = [
    "BankStatement",
    "BankStatementLine",
    "InvoiceReminder",
    "Payment",
    "PaymentAllocation",
    "Receivable",
]


class BankStatement(models.Model):
    statement_id = models.CharField(_("statement id"), max_length=140)
    account_iban = models.CharField(_("account IBAN"), max_length=34)
    message_id = models.CharField(_("message id"), max_length=140, blank=True)
    statement_created_at = models.DateTimeField(_("created by the bank"), null=True, blank=True)
    from_date = models.DateField(_("from"), null=True, blank=True)
    to_date = models.DateField(_("to"), null=True, blank=True)
    opening_balance = models.DecimalField(
        _("opening balance"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    closing_balance = models.DecimalField(
        _("closing balance"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account_iban", "statement_id"], name="bank_statement_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_iban} {self.statement_id}"


class BankStatementLine(models.Model):
    class Status(models.TextChoices):
        UNMATCHED = "unmatched", _("To be matched")
        MATCHED = "matched", _("Matched")
        IGNORED = "ignored", _("No client payment")

    statement = models.ForeignKey(
        BankStatement,
        verbose_name=_("bank statement"),
        on_delete=models.PROTECT,
        related_name="lines",
    )
    reference = models.CharField(_("bank reference"), max_length=140)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    is_credit = models.BooleanField(_("credit"))
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    remittance_information = models.TextField(_("description"), blank=True)
    structured_reference = models.CharField(_("payment reference"), max_length=35, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UNMATCHED
    )
    note = models.TextField(_("note"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["booking_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "reference"], name="bank_statement_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="bank_statement_line_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "booking_date"], name="bank_line_status_idx"),
        ]

    def __str__(self) -> str:
        sign = "" if self.is_credit else "-"
        return f"{self.booking_date:%d-%m-%Y} {sign}{self.amount} {self.counterparty_name}"


class Payment(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by hand")
        BANK = "bank", _("Bank statement")

    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    payment_date = models.DateField(_("payment date"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    statement_line = models.OneToOneField(
        BankStatementLine,
        verbose_name=_("bank statement line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
    )
    payer = models.CharField(_("paid by"), max_length=140, blank=True)
    note = models.TextField(_("note"), blank=True)
    invoices = models.ManyToManyField(
        Invoice, through="PaymentAllocation", related_name="payments", verbose_name=_("invoices")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-payment_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(source="manual", statement_line__isnull=True)
                | Q(source="bank", statement_line__isnull=False),
                name="payment_source_matches_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_date:%d-%m-%Y} {self.amount} {self.payer}".strip()


class PaymentAllocation(models.Model):
    """The part of a payment that pays one invoice."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="allocations"
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        related_name="payment_allocations",
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        ordering = ["payment", "invoice"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "invoice"], name="payment_allocation_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payment_allocation_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount}"


class InvoiceReminder(models.Model):
    """A payment reminder of one level for one invoice: created once, mailed by a task."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="reminders"
    )
    level = models.PositiveSmallIntegerField(_("reminder"), default=1)
    amount_open = models.DecimalField(_("amount open"), max_digits=14, decimal_places=2)
    recipient = models.EmailField(_("sent to"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="invoice_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} #{self.level}"


class Receivable(Invoice):
    """Issued invoices as the back office follows them up: paid, open, overdue (admin only)."""

    class Meta:
        proxy = True
        verbose_name = _("receivable")
        verbose_name_plural = _("receivables (open and overdue invoices)")
