import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.names import list_name
from core.validators import mask_iban, validate_iban
from placements.validators import KVK_PATTERN, validate_kvk, validate_postcode, validate_vat

MAX_HOURS_PER_DAY = Decimal("24")
HOURS_PER_WEEK_MAX = Decimal("168")
PREMIUM_MIN_AGE = 27


class Candidate(models.Model):
    """A person on social assistance placed through the instrument, in one municipality.

    The BSN is optional and never stored in plain text: `bsn_encrypted` holds the Fernet
    token, `bsn_hash` a keyed hash for lookups and uniqueness, `bsn_last_digits` what the
    masked display shows. Set it through the services (placements.services), read it in full
    only through `candidate_bsn_reveal`, which writes the audit trail.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LEFT_FOR_WORK = "left_for_work", _("Left for regular work")
        ENDED = "ended", _("Ended")

    municipality = models.ForeignKey(
        "members.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    client_number = models.CharField(
        _("client number"),
        max_length=50,
        help_text=_("The municipality's own number for this person."),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=150)
    birth_date = models.DateField(_("date of birth"))
    bsn_encrypted = models.TextField(_("BSN (encrypted)"), blank=True, editable=False)
    bsn_hash = models.CharField(_("BSN lookup hash"), max_length=64, blank=True, editable=False)
    bsn_last_digits = models.CharField(max_length=4, blank=True, editable=False)
    iban = models.CharField(
        _("IBAN"),
        max_length=34,
        blank=True,
        validators=[validate_iban],
        help_text=_("Where the premium is paid."),
    )
    # The postal address, optional: the premium letter is addressed to it (window envelope).
    street = models.CharField(_("street"), max_length=150, blank=True)
    house_number = models.CharField(
        _("house number"),
        max_length=20,
        blank=True,
        help_text=_("With addition, e.g. 12a or 12-2."),
    )
    postcode = models.CharField(
        _("postcode"),
        max_length=7,
        blank=True,
        validators=[validate_postcode],
        help_text=_("Dutch format: 1234 AB."),
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    left_for_work_on = models.DateField(_("left for regular work on"), null=True, blank=True)
    wage_cost_subsidy = models.BooleanField(
        _("wage-cost-subsidy target group"),
        default=False,
        help_text=_("Earns the premium under 27 as well."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "client_number"],
                name="candidate_client_number_unique",
                violation_error_message=_(
                    "This municipality already has a candidate with this client number."
                ),
            ),
            models.UniqueConstraint(
                fields=["municipality", "bsn_hash"],
                condition=~Q(bsn_hash=""),
                name="candidate_bsn_unique",
                violation_error_message=_(
                    "This municipality already has a candidate with this BSN."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(bsn_encrypted="") & Q(bsn_hash="") & Q(bsn_last_digits=""))
                | (~Q(bsn_encrypted="") & Q(bsn_hash__regex=r"^[0-9a-f]{64}$")),
                name="candidate_bsn_stored_whole",
            ),
            models.CheckConstraint(
                condition=~Q(status="left_for_work") | Q(left_for_work_on__isnull=False),
                name="candidate_left_for_work_has_date",
                violation_error_message=_("Give the date the candidate left for regular work."),
            ),
        ]
        indexes = [models.Index(fields=["bsn_hash"], name="candidate_bsn_hash_idx")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.client_number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def list_name(self) -> str:
        """The name as lists write it: "Wal, Roel van der" (core.names)."""
        return list_name(self.first_name, self.last_name)

    @property
    def has_bsn(self) -> bool:
        return bool(self.bsn_encrypted)

    @property
    def bsn_masked(self) -> str:
        """`*****1234`: the last four digits only."""
        return "*****" + self.bsn_last_digits if self.has_bsn else ""

    @property
    def iban_masked(self) -> str:
        return mask_iban(self.iban)

    @property
    def address_lines(self) -> list[str]:
        """The postal address as the lines of an envelope; empty without street and city."""
        if not (self.street and self.city):
            return []
        return [
            f"{self.street} {self.house_number}".strip(),
            f"{self.postcode}  {self.city.upper()}".strip(),
        ]

    def age_on(self, day: datetime.date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)

    def earns_premium_on(self, day: datetime.date) -> bool:
        """No premium under 27, unless in the wage-cost-subsidy target group."""
        return self.wage_cost_subsidy or self.age_on(day) >= PREMIUM_MIN_AGE


class Client(models.Model):
    """An opdrachtgever: a firm, staffing agency or association that pays for worked hours."""

    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(
        _("KvK number"),
        max_length=8,
        unique=True,
        validators=[validate_kvk],
        help_text=_("Chamber of Commerce number: eight digits."),
    )
    vat_number = models.CharField(
        _("VAT identification number"),
        max_length=20,
        blank=True,
        validators=[validate_vat],
        help_text=_("E.g. NL123456782B01."),
    )
    billing_address = models.TextField(_("billing address"))
    billing_email = models.EmailField(_("billing e-mail"))
    contact_person = models.CharField(
        _("contact person"),
        max_length=200,
        blank=True,
        help_text=_("Invoices are addressed for the attention of this person."),
    )
    invoice_reference = models.CharField(
        _("your reference"),
        max_length=50,
        blank=True,
        help_text=_("The client's purchase-order number or reference, stated on every invoice."),
    )
    framework_agreement_date = models.DateField(
        _("framework agreement signed on"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kvk_number__regex=KVK_PATTERN),
                name="client_kvk_number_format",
                violation_error_message=_("A KvK number has exactly eight digits."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kvk_number})"


class Assignment(models.Model):
    """An opdracht: one candidate working for one client, for a period, at an hourly rate."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="assignments"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    hours_per_week = models.DecimalField(
        _("hours per week"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(HOURS_PER_WEEK_MAX)],
    )
    work_description = models.TextField(_("work description"))
    hourly_rate = models.DecimalField(
        _("hourly rate"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("What the client pays per worked hour, excluding VAT."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)

    # Large or long: set from the framework thresholds by the services.
    is_long = models.BooleanField(_("long"), default=False)
    is_large_hours = models.BooleanField(_("many hours a week"), default=False)
    is_large_concurrent = models.BooleanField(_("many candidates at the client"), default=False)
    is_large_or_long = models.BooleanField(_("large or long"), default=False, db_index=True)
    sign_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("large-or-long sign-off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sign_off_at = models.DateTimeField(_("large-or-long sign-off at"), null=True, blank=True)
    sign_off_reason = models.TextField(_("large-or-long sign-off reason"), blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="assignment_end_after_start",
                violation_error_message=_("The end date lies before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__gt=0, hours_per_week__lte=HOURS_PER_WEEK_MAX),
                name="assignment_hours_per_week_range",
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__gt=0), name="assignment_hourly_rate_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="assignment_rejected_has_reason",
                violation_error_message=_("A rejection needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(
                    is_large_or_long=models.ExpressionWrapper(
                        Q(is_long=True) | Q(is_large_hours=True) | Q(is_large_concurrent=True),
                        output_field=models.BooleanField(),
                    )
                ),
                name="assignment_large_or_long_consistent",
            ),
            models.CheckConstraint(
                condition=(
                    Q(sign_off_by__isnull=True, sign_off_at__isnull=True, sign_off_reason="")
                    | (
                        Q(sign_off_by__isnull=False, sign_off_at__isnull=False)
                        & ~Q(sign_off_reason="")
                    )
                ),
                name="assignment_sign_off_whole",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "rejected"])
                | Q(is_large_or_long=False)
                | Q(sign_off_at__isnull=False),
                name="assignment_large_or_long_signed_off",
                violation_error_message=_(
                    "A large-or-long assignment needs the extra sign-off before approval."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["client", "status", "start_date"], name="assignment_client_idx"),
            models.Index(fields=["status"], name="assignment_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} – {self.client.name} ({self.start_date:%d-%m-%Y})"

    @property
    def needs_sign_off(self) -> bool:
        return self.is_large_or_long and self.sign_off_at is None

    @property
    def large_or_long_reasons(self) -> list[str]:
        reasons = [
            (self.is_long, _("long")),
            (self.is_large_hours, _("many hours a week")),
            (self.is_large_concurrent, _("many candidates at the client")),
        ]
        return [str(label) for flagged, label in reasons if flagged]


class DisplacementCheck(models.Model):
    """The verdringingstoets: the client declares the work displaces no regular job."""

    assignment = models.OneToOneField(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="displacement_check",
    )
    temporary_or_peak_work = models.BooleanField(_("temporary or peak work"), default=False)
    no_open_vacancy = models.BooleanField(_("no open vacancy for this work"), default=False)
    no_recent_layoffs = models.BooleanField(_("no recent lay-offs"), default=False)
    works_council_informed = models.BooleanField(_("works council informed"), default=False)
    client_signatory_name = models.CharField(
        _("signed for the client by"), max_length=200, blank=True
    )
    client_signed_on = models.DateField(_("signed by the client on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    performed_at = models.DateTimeField(_("performed at"))

    class Meta:
        verbose_name = _("displacement check")
        verbose_name_plural = _("displacement checks")
        ordering = ["-performed_at"]

    def __str__(self) -> str:
        return str(_("Displacement check for %(assignment)s") % {"assignment": self.assignment})

    @property
    def is_complete(self) -> bool:
        return bool(
            self.temporary_or_peak_work
            and self.no_open_vacancy
            and self.no_recent_layoffs
            and self.works_council_informed
            and self.client_signatory_name.strip()
            and self.client_signed_on
        )

    def missing_items(self) -> list[str]:
        checks = [
            ("temporary_or_peak_work", self.temporary_or_peak_work),
            ("no_open_vacancy", self.no_open_vacancy),
            ("no_recent_layoffs", self.no_recent_layoffs),
            ("works_council_informed", self.works_council_informed),
            ("client_signatory_name", bool(self.client_signatory_name.strip())),
            ("client_signed_on", self.client_signed_on is not None),
        ]
        return [str(self._meta.get_field(name).verbose_name) for name, ok in checks if not ok]


class TimeEntry(models.Model):
    """Hours worked on one assignment on one date: entered, approved, then invoiced (locked).

    A credit note turns invoiced hours into credited ones: they stay as history, linked to
    the invoice and credit note lines, and no longer count. The correction is a new entry on
    the same assignment and date, so "one entry per assignment and day" holds for the entries
    that are not credited.
    """

    class Status(models.TextChoices):
        ENTERED = "entered", _("Entered")
        APPROVED = "approved", _("Approved")
        INVOICED = "invoiced", _("Invoiced")
        CREDITED = "credited", _("Credited")

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    work_date = models.DateField(_("work date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_HOURS_PER_DAY)],
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ENTERED
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["-work_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "work_date"],
                condition=~Q(status="credited"),
                name="time_entry_one_per_assignment_day",
                violation_error_message=_("This assignment already has hours on this date."),
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=MAX_HOURS_PER_DAY),
                name="time_entry_hours_range",
                violation_error_message=_("Hours must be more than 0 and at most 24."),
            ),
            models.CheckConstraint(
                condition=Q(status="entered") | Q(approved_at__isnull=False),
                name="time_entry_approved_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "work_date"], name="time_entry_status_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.work_date:%d-%m-%Y} {self.hours} ({self.get_status_display()})"

    @property
    def is_locked(self) -> bool:
        return self.status in (self.Status.INVOICED, self.Status.CREDITED)


class ImportJob(models.Model):
    """An upload in the admin's import (docs/imports.md): checked by one background task,
    previewed, confirmed, written by another. The file stays on disk (MEDIA_ROOT/imports/, by
    `stored_name`); tasks get only the job's id. The status moves forward only, each step
    under a lock on this row: a redelivered task finds the step done and does nothing."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        REFUSED = "refused", _("Refused")
        WRITING = "writing", _("Writing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("type"), max_length=50)
    file_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    issue_count = models.PositiveIntegerField(default=0)
    issues = models.JSONField(default=list, blank=True)  # the first ISSUES_KEPT: [row, col, msg]
    columns = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)  # [row, action, masked cells]
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    ISSUES_KEPT = 1000

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["checking", "checked", "refused", "writing", "done", "failed"]
                ),
                name="import_job_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name} ({self.get_status_display()})"


class ImportJobProgress(models.Model):
    """How far the job's task is: rows done of the total. Apart from the job's row, which its
    task keeps locked: the task writes this from a connection of its own, so the page sees it
    while the import's transaction is still open."""

    job = models.OneToOneField(
        ImportJob, on_delete=models.CASCADE, primary_key=True, related_name="progress"
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.done}/{self.total}"
