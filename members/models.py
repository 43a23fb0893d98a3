import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.validators import validate_iban
from members.validators import (
    CBS_CODE_PATTERN,
    validate_cbs_code,
    validate_payout_moment,
    validate_pdf_upload,
)

PERCENTAGE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class DateRange(models.Func):
    """PostgreSQL daterange(start, end, '[]'); an empty end means open-ended."""

    function = "DATERANGE"
    output_field = DateRangeField()


class LabourMarketRegion(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("labour-market region")
        verbose_name_plural = _("labour-market regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    cbs_code = models.CharField(
        _("CBS code"),
        max_length=6,
        unique=True,
        validators=[validate_cbs_code],
        help_text=_("GM followed by four digits, e.g. GM0014."),
    )
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        LabourMarketRegion,
        verbose_name=_("labour-market region"),
        on_delete=models.PROTECT,
        related_name="municipalities",
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        blank=True,
        related_name="coordinated_municipalities",
    )
    # Cast the municipality's vote on the general framework (governance). Appointed by NVSI.
    representatives = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("representatives"),
        blank=True,
        related_name="represented_municipalities",
    )
    settlement_iban = models.CharField(
        _("IBAN for settlements"),
        max_length=34,
        blank=True,
        validators=[validate_iban],
        help_text=_("The municipality's account that receives a positive half-yearly result."),
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cbs_code__regex=CBS_CODE_PATTERN), name="municipality_cbs_code_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.cbs_code})"


class Membership(models.Model):
    """A municipality's membership of NVSI. The contribution applies only while active."""

    class Status(models.TextChoices):
        PROSPECTIVE = "prospective", _("Prospective")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROSPECTIVE
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    decision_reference = models.CharField(
        _("decision to join"),
        max_length=200,
        blank=True,
        help_text=_("The municipality's own decision to join NVSI, e.g. a college decision."),
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["municipality__name", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
                violation_error_message=_("The end date lies before the start date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | Q(end_date__isnull=False),
                name="membership_ended_has_end_date",
                violation_error_message=_("An ended membership needs an end date."),
            ),
            ExclusionConstraint(
                name="membership_no_overlap",
                expressions=[
                    (
                        DateRange("start_date", "end_date", models.Value("[]")),
                        RangeOperators.OVERLAPS,
                    ),
                    ("municipality", RangeOperators.EQUAL),
                ],
                violation_error_message=_(
                    "This membership overlaps another membership of the same municipality."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name}: {self.get_status_display()} {self.start_date:%d-%m-%Y}"

    def is_active_on(self, day: datetime.date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.start_date <= day
            and (self.end_date is None or day <= self.end_date)
        )


class Contract(models.Model):
    """NVSI's contracts: with a municipality, with a region for several, or with the operator."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("NVSI and a municipality")
        REGION = "region", _("NVSI and a labour-market region")
        EXECUTION = "execution", _("Execution contract NVSI and the operator")

    class Renewal(models.TextChoices):
        NONE = "none", _("Ends on its end date")
        AUTOMATIC = "automatic", _("Renews automatically")
        OPTION = "option", _("May be renewed by agreement")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reference = models.CharField(_("contract reference"), max_length=50, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    region = models.ForeignKey(
        LabourMarketRegion,
        verbose_name=_("labour-market region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    covered_municipalities = models.ManyToManyField(
        Municipality,
        verbose_name=_("on behalf of"),
        blank=True,
        related_name="region_contracts",
        help_text=_("For a region contract: the municipalities it is signed on behalf of."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    renewal = models.CharField(
        _("renewal"), max_length=16, choices=Renewal.choices, default=Renewal.NONE
    )
    renewal_months = models.PositiveSmallIntegerField(
        _("renewal period (months)"), null=True, blank=True
    )
    renews = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewals",
        help_text=_(
            "The contract this one continues, e.g. a Flextensie B.V. contract renewed on NVSI."
        ),
    )
    operator_fee_percentage = models.DecimalField(
        _("operator fee (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENTAGE_VALIDATORS,
        help_text=_(
            "Execution contract only: the operator's fee as a percentage of gross revenue."
        ),
    )
    signed_document = models.FileField(
        _("signed document"),
        upload_to="contracts/%Y/",
        blank=True,
        validators=[FileExtensionValidator(["pdf"]), validate_pdf_upload],
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
                violation_error_message=_("The end date lies before the start date."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="municipality",
                        municipality__isnull=False,
                        region__isnull=True,
                        operator_fee_percentage__isnull=True,
                    )
                    | Q(
                        kind="region",
                        municipality__isnull=True,
                        region__isnull=False,
                        operator_fee_percentage__isnull=True,
                    )
                    | Q(
                        kind="execution",
                        municipality__isnull=True,
                        region__isnull=True,
                        operator_fee_percentage__isnull=False,
                    )
                ),
                name="contract_party_matches_kind",
                violation_error_message=_(
                    "A municipality contract names a municipality, a region contract a region, "
                    "and the execution contract neither but carries the operator fee."
                ),
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="execution"),
                name="contract_single_execution",
                violation_error_message=_("There is already an execution contract."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display()})"

    @property
    def party(self) -> str:
        if self.kind == self.Kind.MUNICIPALITY:
            return str(self.municipality)
        if self.kind == self.Kind.REGION:
            return str(self.region)
        return str(_("Operator"))

    def is_in_force_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def days_until_end(self, today: datetime.date) -> int | None:
        return None if self.end_date is None else (self.end_date - today).days

    def expires_soon(self, today: datetime.date) -> bool:
        """True when the contract ends within the warning period (default 90 days)."""
        days = self.days_until_end(today)
        return days is not None and 0 <= days <= settings.CONTRACT_EXPIRY_WARNING_DAYS


class PremiumCap(models.Model):
    """The statutory annual premium cap (Participatiewet art. 31 lid 2 j), by date in force."""

    valid_from = models.DateField(_("in force from"), unique=True)
    amount = models.DecimalField(
        _("annual cap"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta:
        verbose_name = _("annual premium cap")
        verbose_name_plural = _("annual premium caps")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="premium_cap_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.valid_from:%d-%m-%Y})"


class Framework(models.Model):
    """One effective-dated version of the general framework or of a municipality's local one.

    General versions carry every value. A local version carries only what the municipality
    sets itself (empty = the general value applies), and may only be as strict or stricter.
    """

    class Scope(models.TextChoices):
        GENERAL = "general", _("General (NVSI-wide)")
        LOCAL = "local", _("Local (municipality)")

    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="frameworks",
    )
    valid_from = models.DateField(_("in force from"))
    client_hourly_rate_min = models.DecimalField(
        _("minimum client hourly rate"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    premium_per_hour = models.DecimalField(
        _("premium per worked hour"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    payout_moments = ArrayField(
        models.CharField(max_length=5, validators=[validate_payout_moment]),
        verbose_name=_("payout moments (MM-DD)"),
        size=2,
        null=True,
        blank=True,
        help_text=_("At most two per calendar year, e.g. 06-30, 12-31."),
    )
    operator_fee_percentage = models.DecimalField(
        _("operator fee (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENTAGE_VALIDATORS,
    )
    contribution_percentage = models.DecimalField(
        _("NVSI contribution (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENTAGE_VALIDATORS,
    )
    contribution_operator_percentage = models.DecimalField(
        _("contribution borne by the operator (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENTAGE_VALIDATORS,
        help_text=_("The rest of the contribution is borne by the municipality."),
    )
    vat_percentage = models.DecimalField(
        _("VAT on client invoices (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENTAGE_VALIDATORS,
    )
    long_after_weeks = models.PositiveSmallIntegerField(
        _("long: longer than (weeks)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    large_hours_per_week = models.DecimalField(
        _("large: more than (hours a week)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("168"))],
    )
    large_concurrent_candidates = models.PositiveSmallIntegerField(
        _("large: concurrent candidates at one client (at least)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    decision_reference = models.CharField(
        _("decision"),
        max_length=200,
        blank=True,
        help_text=_("The decision that set this version, e.g. a council or board decision."),
    )
    # Required for a local version the municipality records in the portal (its college
    # decision, members.services.local_framework_errors); older versions may lack it.
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")
        ordering = ["scope", "municipality__name", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        scope="general",
                        municipality__isnull=True,
                        client_hourly_rate_min__isnull=False,
                        premium_per_hour__isnull=False,
                        payout_moments__isnull=False,
                        operator_fee_percentage__isnull=False,
                        contribution_percentage__isnull=False,
                        contribution_operator_percentage__isnull=False,
                        vat_percentage__isnull=False,
                        long_after_weeks__isnull=False,
                        large_hours_per_week__isnull=False,
                        large_concurrent_candidates__isnull=False,
                    )
                    | Q(
                        scope="local",
                        municipality__isnull=False,
                        operator_fee_percentage__isnull=True,
                        contribution_percentage__isnull=True,
                        contribution_operator_percentage__isnull=True,
                        vat_percentage__isnull=True,
                    )
                ),
                name="framework_scope_fields",
                violation_error_message=_(
                    "A general version sets every value; a local version names its municipality "
                    "and leaves fee, contribution and VAT to the general framework."
                ),
            ),
            models.CheckConstraint(
                condition=Q(contribution_operator_percentage__isnull=True)
                | Q(contribution_operator_percentage__lte=models.F("contribution_percentage")),
                name="framework_contribution_split",
                violation_error_message=_(
                    "The operator's part cannot exceed the whole contribution."
                ),
            ),
            models.UniqueConstraint(
                fields=["valid_from"],
                condition=Q(scope="general"),
                name="framework_general_one_per_date",
                violation_error_message=_("A general version already starts on this date."),
            ),
            models.UniqueConstraint(
                fields=["municipality", "valid_from"],
                condition=Q(scope="local"),
                name="framework_local_one_per_date",
                violation_error_message=_(
                    "This municipality already has a local version starting on this date."
                ),
            ),
        ]

    def __str__(self) -> str:
        where = self.municipality.name if self.municipality_id else _("general")
        return f"{where} {self.valid_from:%d-%m-%Y}"

    @property
    def contribution_municipality_percentage(self) -> Decimal | None:
        if self.contribution_percentage is None or self.contribution_operator_percentage is None:
            return None
        return self.contribution_percentage - self.contribution_operator_percentage


# --- NVSI's product catalogue ("productenboek") --------------------------------------------


class Instrument(models.Model):
    """An instrument NVSI manages for its members (Flextensie and others)."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        IN_PREPARATION = "in_preparation", _("In preparation")

    name = models.CharField(_("name"), max_length=100, unique=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    conditions = models.TextField(
        _("conditions"), blank=True, help_text=_("What a municipality agrees to when it joins.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IN_PREPARATION
    )

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_available(self) -> bool:
        return self.status == self.Status.AVAILABLE


class InstrumentDocument(models.Model):
    """A document of an instrument (conditions, model contract, leaflet), as a PDF."""

    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("instrument"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("document (PDF)"),
        upload_to="catalogue/%Y/",
        validators=[FileExtensionValidator(["pdf"]), validate_pdf_upload],
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("instrument document")
        verbose_name_plural = _("instrument documents")
        ordering = ["instrument__name", "title"]

    def __str__(self) -> str:
        return self.title


class InstrumentRequest(models.Model):
    """A member municipality asks to use an instrument; the NVSI board decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("instrument"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="instrument_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    motivation = models.TextField(_("motivation"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("instrument request")
        verbose_name_plural = _("instrument requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "instrument"],
                condition=Q(status="pending"),
                name="instrument_request_one_open",
                violation_error_message=_(
                    "This municipality already has an open request for this instrument."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="instrument_request_decided_by_someone",
                violation_error_message=_("A decided request names who decided it and when."),
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decision_reason=""),
                name="instrument_request_declined_has_reason",
                violation_error_message=_("A declined request states its reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} – {self.municipality.name}"
