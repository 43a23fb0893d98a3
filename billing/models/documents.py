"""Client invoicing: invoice runs, invoices, credit notes and their gapless number series.

Money is stored, never recomputed: a line's amount is hours x rate rounded half up to the
cent (core.money.line_amount); VAT is taken once per document, on the sum of its lines; the
total is the sum of the stored subtotal and VAT. Rates and the VAT percentage are copied onto
the document, and so are the client's name, address and numbers when an invoice is issued.

An issued invoice or credit note never changes: the services refuse, the admin shows it
read-only, and PostgreSQL triggers (migration 0002) refuse UPDATE of the money, number and
copied columns and DELETE of the document, its lines and their time-entry links. Columns the
triggers do not list (a later payment status, say) stay writable; the PDF may be stored once.

Credit notes store positive amounts: the amount credited. Whoever sums revenue subtracts
them ("lines minus credit notes", DOMAIN.md); the PDF shows them with a minus sign.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from core.models import current_time

INVOICE_NUMBER_PATTERN = r"^[0-9]{4}-[0-9]{6}$"
CREDIT_NOTE_NUMBER_PATTERN = r"^C[0-9]{4}-[0-9]{6}$"


class DocumentCounter(models.Model):
    """The last number handed out in one series and year.

    Locked (SELECT ... FOR UPDATE) inside the transaction that issues the document, so a
    rolled-back finalisation gives its number back and concurrent ones queue: no gaps, no
    duplicates. A database sequence would leave a gap at every rollback.
    """

    class Series(models.TextChoices):
        INVOICE = "invoice", _("Invoices")
        CREDIT_NOTE = "credit_note", _("Credit notes")

    series = models.CharField(_("series"), max_length=16, choices=Series.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        ordering = ["series", "year"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="document_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_series_display()} {self.year}: {self.last_number}"


class InvoiceRun(models.Model):
    """One monthly invoice run: which month, which invoice date, and how far it got.

    A run is pending, then running (clients done of clients total, raised as each batch of
    clients' invoices commits), then done; a crashed run stays running or failed and a new
    execution resumes where it stopped.
    At most one run per month is pending or running at a time.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    month = models.DateField(_("month"), help_text=_("The first day of the month invoiced."))
    invoice_date = models.DateField(_("invoice date"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    clients_total = models.PositiveIntegerField(_("clients to invoice"), default=0)
    clients_done = models.PositiveIntegerField(_("clients invoiced"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    progress_at = models.DateTimeField(
        _("last progress"),
        default=current_time,
        help_text=_(
            "When the run was recorded, an execution began, or a client was last invoiced; "
            "an active run without progress for RUN_STALL_MINUTES is requeued by the sweeper."
        ),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice run")
        verbose_name_plural = _("invoice runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["month"],
                condition=Q(status__in=["pending", "running"]),
                name="invoice_run_one_active_per_month",
                violation_error_message=_("An invoice run for this month is already under way."),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="invoice_run_month_first_day"),
        ]

    def __str__(self) -> str:
        return str(
            _("Invoice run %(month)s (invoice date %(date)s)")
            % {"month": f"{self.month:%Y-%m}", "date": f"{self.invoice_date:%d-%m-%Y}"}
        )

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def progress_percentage(self) -> int:
        """Clients done of total; two executions of one run may briefly count past the total."""
        if not self.clients_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.clients_done * 100 // self.clients_total)


class Invoice(models.Model):
    """An invoice from NVSI to one client for one month's approved hours.

    A draft has lines but no number, date, VAT or total; finalising issues it: the next
    number of the invoice date's year, the due date (invoice date + INVOICE_PAYMENT_TERM_DAYS),
    the VAT percentage in force on the invoice date, VAT on the subtotal, the total, a payment
    reference (ISO 11649 "RF" creditor reference built from the number) and the client's
    details as they are that day.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    client = models.ForeignKey(
        "placements.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    run = models.ForeignKey(
        InvoiceRun,
        verbose_name=_("invoice run"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month invoiced."))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    number = models.CharField(_("number"), max_length=20, null=True, blank=True, unique=True)
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=25, blank=True)
    vat_percentage = models.DecimalField(
        _("VAT percentage"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    subtotal = models.DecimalField(
        _("subtotal excluding VAT"), max_digits=14, decimal_places=2, default=0
    )
    vat_amount = models.DecimalField(
        _("VAT"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    total = models.DecimalField(
        _("total including VAT"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # The client as addressed on the issued invoice.
    client_name = models.CharField(_("client name"), max_length=200, blank=True)
    client_address = models.TextField(_("client billing address"), blank=True)
    client_kvk_number = models.CharField(_("client KvK number"), max_length=8, blank=True)
    client_vat_number = models.CharField(_("client VAT number"), max_length=20, blank=True)
    client_contact = models.CharField(_("for the attention of"), max_length=200, blank=True)
    client_reference = models.CharField(_("client's reference"), max_length=50, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Written once by the PDF task after finalisation (see billing.tasks).
    pdf = models.FileField(_("PDF"), upload_to="invoices/%Y/", blank=True)
    pdf_rendered_at = models.DateTimeField(_("PDF rendered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-invoice_date", "-number", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "client"],
                condition=Q(run__isnull=False),
                name="invoice_one_per_client_per_run",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="invoice_period_first_day"),
            models.CheckConstraint(
                condition=Q(
                    status="draft",
                    number__isnull=True,
                    invoice_date__isnull=True,
                    due_date__isnull=True,
                    vat_percentage__isnull=True,
                    vat_amount__isnull=True,
                    total__isnull=True,
                    payment_reference="",
                )
                | (
                    Q(
                        status="issued",
                        number__regex=INVOICE_NUMBER_PATTERN,
                        invoice_date__isnull=False,
                        due_date__gte=F("invoice_date"),
                        vat_percentage__gte=0,
                        vat_amount__isnull=False,
                        total=F("subtotal") + F("vat_amount"),
                        issued_at__isnull=False,
                    )
                    & ~Q(payment_reference="")
                ),
                name="invoice_draft_or_issued_whole",
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0), name="invoice_subtotal_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["client", "period"], name="invoice_client_period_idx"),
            models.Index(fields=["status", "invoice_date"], name="invoice_status_date_idx"),
            # The issued invoices still waiting for their PDF (billing.sweeps, every minute).
            models.Index(
                fields=["issued_at"],
                condition=Q(status="issued", pdf_rendered_at__isnull=True),
                name="invoice_pdf_missing_idx",
            ),
        ]

    def __str__(self) -> str:
        if self.number:
            return str(_("Invoice %(number)s") % {"number": self.number})
        return str(
            _("Draft invoice %(client)s %(month)s")
            % {"client": self.client_name or self.client_id, "month": f"{self.period:%Y-%m}"}
        )

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED


class InvoiceLine(models.Model):
    """One assignment's hours on an invoice, tagged with the candidate's municipality.

    `amount` = hours x rate rounded half up to the cent; a check constraint holds the
    database to it (PostgreSQL rounds numeric halves away from zero: half up for these
    positive amounts).
    """

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines"
    )
    assignment = models.ForeignKey(
        "placements.Assignment",
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    municipality = models.ForeignKey(
        "members.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    candidate_name = models.CharField(_("candidate"), max_length=260)
    candidate_client_number = models.CharField(_("client number"), max_length=50)
    description = models.TextField(_("work description"), blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    rate = models.DecimalField(_("hourly rate"), max_digits=8, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "candidate_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "assignment"], name="invoice_line_one_per_assignment"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, rate__gt=0), name="invoice_line_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount=Round(F("hours") * F("rate"), 2)),
                name="invoice_line_amount_is_hours_times_rate",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "invoice"], name="invoice_line_municipality_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_name}: {self.hours} x {self.rate} = {self.amount}"


class InvoiceLineEntry(models.Model):
    """Which time entries an invoice line invoices; a time entry is invoiced at most once."""

    line = models.ForeignKey(
        InvoiceLine,
        verbose_name=_("invoice line"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    time_entry = models.OneToOneField(
        "placements.TimeEntry",
        verbose_name=_("time entry"),
        on_delete=models.PROTECT,
        related_name="invoice_link",
    )

    class Meta:
        verbose_name = _("invoiced time entry")
        verbose_name_plural = _("invoiced time entries")

    def __str__(self) -> str:
        return f"{self.line_id}: {self.time_entry_id}"


class CreditNote(models.Model):
    """A credit note on one issued invoice: full (every line) or partial (chosen lines or
    time entries). Its own number series (`C2026-000012`); VAT at the invoice's percentage on
    the sum of its lines. All amounts are positive: the amount credited.

    It is written as a draft and issued in the same transaction (the draft lets the triggers
    treat invoices and credit notes alike); no draft credit note outlives its service call.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    number = models.CharField(_("number"), max_length=20, null=True, blank=True, unique=True)
    credit_date = models.DateField(_("credit note date"))
    reason = models.TextField(_("reason"))
    is_full = models.BooleanField(_("full credit"), default=False)
    vat_percentage = models.DecimalField(_("VAT percentage"), max_digits=5, decimal_places=2)
    subtotal = models.DecimalField(
        _("subtotal excluding VAT"), max_digits=14, decimal_places=2, default=0
    )
    vat_amount = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(
        _("total including VAT"), max_digits=14, decimal_places=2, default=0
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pdf = models.FileField(_("PDF"), upload_to="credit_notes/%Y/", blank=True)
    pdf_rendered_at = models.DateTimeField(_("PDF rendered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-credit_date", "-number", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True)
                | Q(
                    status="issued",
                    number__regex=CREDIT_NOTE_NUMBER_PATTERN,
                    issued_at__isnull=False,
                    subtotal__gt=0,
                ),
                name="credit_note_draft_or_issued_whole",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("vat_amount"), vat_amount__gte=0),
                name="credit_note_total_is_sum_of_parts",
            ),
        ]
        indexes = [
            # The issued credit notes still waiting for their PDF (billing.sweeps).
            models.Index(
                fields=["issued_at"],
                condition=Q(status="issued", pdf_rendered_at__isnull=True),
                name="credit_note_pdf_missing_idx",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Credit note %(number)s") % {"number": self.number or "-"})

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED


class CreditNoteLine(models.Model):
    """The part of one invoice line that is credited: hours and amount (positive), rate and
    municipality as on the invoice line."""

    credit_note = models.ForeignKey(
        CreditNote, verbose_name=_("credit note"), on_delete=models.CASCADE, related_name="lines"
    )
    invoice_line = models.ForeignKey(
        InvoiceLine,
        verbose_name=_("invoice line"),
        on_delete=models.PROTECT,
        related_name="credit_lines",
    )
    municipality = models.ForeignKey(
        "members.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="credit_note_lines",
    )
    candidate_name = models.CharField(_("candidate"), max_length=260)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    rate = models.DecimalField(_("hourly rate"), max_digits=8, decimal_places=2)
    amount = models.DecimalField(_("amount credited"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("credit note line")
        verbose_name_plural = _("credit note lines")
        ordering = ["credit_note", "candidate_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_note", "invoice_line"], name="credit_note_line_one_per_line"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, rate__gt=0, amount__gt=0),
                name="credit_note_line_positive",
            ),
        ]
        indexes = [
            models.Index(
                fields=["municipality", "credit_note"], name="credit_line_municipality_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_name}: -{self.amount}"


class CreditNoteLineEntry(models.Model):
    """Which invoiced time entries a credit note line credits; each at most once."""

    line = models.ForeignKey(
        CreditNoteLine,
        verbose_name=_("credit note line"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    time_entry = models.OneToOneField(
        "placements.TimeEntry",
        verbose_name=_("time entry"),
        on_delete=models.PROTECT,
        related_name="credit_link",
    )

    class Meta:
        verbose_name = _("credited time entry")
        verbose_name_plural = _("credited time entries")

    def __str__(self) -> str:
        return f"{self.line_id}: {self.time_entry_id}"
