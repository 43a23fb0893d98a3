"""The half-yearly settlement per municipality (DOMAIN.md, Settlement).

    G  = gross revenue: invoice lines minus credit note lines dated in the half-year and
         tagged with the municipality, excluding VAT
    P  = premiums accrued on those hours
    F  = operator fee                     = round(G x fee%)
    Cm = contribution borne by the municipality = round(G x 1%)
    Co = contribution borne by the operator     = round(G x 1%)
    result for the municipality = G - P - F - Cm
    operator receives           = F - Co
    NVSI receives               = Cm + Co
    always: P + (F - Co) + (Cm + Co) + result = G, to the cent

A `Settlement` stores these figures with the percentages it used; `SettlementLine` rows hold
the breakdown by month and by client, and the totals are the sums of those lines. Once
approved, a settlement, its lines and its statement never change (services refuse, the admin
is read-only, PostgreSQL triggers in migration 0002 refuse UPDATE and DELETE).
"""

import dataclasses
import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENTAGE = {"max_digits": 5, "decimal_places": 2}
PERIOD_PATTERN = re.compile(r"^(?P<year>\d{4})-H(?P<half>[12])$")


@dataclasses.dataclass(frozen=True, order=True)
class Period:
    """A half-year: H1 = 1 January to 30 June, H2 = 1 July to 31 December."""

    year: int
    half: int

    def __post_init__(self):
        if self.half not in (1, 2):
            raise ValueError(f"A half-year is 1 or 2, not {self.half!r}.")
        if not 2000 <= self.year <= 2999:
            raise ValueError(f"Not a plausible year: {self.year!r}.")

    @classmethod
    def parse(cls, text: str) -> "Period":
        """'2026-H1' -> Period(2026, 1); ValueError with the expected form otherwise."""
        match = PERIOD_PATTERN.match(text.strip().upper())
        if not match:
            raise ValueError(f"{text!r} is not a half-year; write it as 2026-H1 or 2026-H2.")
        return cls(int(match["year"]), int(match["half"]))

    @classmethod
    def containing(cls, day: datetime.date) -> "Period":
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> datetime.date:
        return (
            datetime.date(self.year, 6, 30) if self.half == 1 else datetime.date(self.year, 12, 31)
        )

    @property
    def previous(self) -> "Period":
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def months(self) -> list[datetime.date]:
        first = self.start.month
        return [datetime.date(self.year, month, 1) for month in range(first, first + 6)]

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"


class Settlement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    municipality = models.ForeignKey(
        "members.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half-year"), choices=[(1, "H1"), (2, "H2")])
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The figures, each rounded half up to the cent once.
    hours = models.DecimalField(_("hours"), max_digits=12, decimal_places=2, default=0)
    gross = models.DecimalField(_("gross revenue (G)"), **MONEY, default=0)
    premiums = models.DecimalField(_("premiums (P)"), **MONEY, default=0)
    fee = models.DecimalField(_("operator fee (F)"), **MONEY, default=0)
    contribution_municipality = models.DecimalField(
        _("contribution borne by the municipality (Cm)"), **MONEY, default=0
    )
    contribution_operator = models.DecimalField(
        _("contribution borne by the operator (Co)"), **MONEY, default=0
    )
    result = models.DecimalField(_("result for the municipality"), **MONEY, default=0)
    # The percentages used, copied from the framework and contract in force on terms_date.
    terms_date = models.DateField(_("terms in force on"))
    fee_percentage = models.DecimalField(_("operator fee (%)"), **PERCENTAGE)
    contribution_municipality_percentage = models.DecimalField(
        _("contribution borne by the municipality (%)"), **PERCENTAGE
    )
    contribution_operator_percentage = models.DecimalField(
        _("contribution borne by the operator (%)"), **PERCENTAGE
    )
    invoice_line_count = models.PositiveIntegerField(_("invoice lines"), default=0)
    credit_line_count = models.PositiveIntegerField(_("credit note lines"), default=0)
    computed_at = models.DateTimeField(_("computed at"))
    run = models.ForeignKey(
        "settlements.SettlementRun",
        verbose_name=_("computed by run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="settlements",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved or rejected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    fingerprint = models.CharField(
        _("fingerprint"),
        max_length=64,
        blank=True,
        help_text=_("SHA-256 of the approved figures, printed on the statement."),
    )

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-year", "-half", "municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "half"],
                name="settlement_one_per_municipality_and_half_year",
                violation_error_message=_("This municipality already has a settlement here."),
            ),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="settlement_half_is_1_or_2"),
            # P + (F - Co) + (Cm + Co) + result = G, i.e. result = G - P - F - Cm.
            models.CheckConstraint(
                condition=Q(
                    gross=F("premiums") + F("fee") + F("contribution_municipality") + F("result")
                ),
                name="settlement_parts_add_up_to_gross",
            ),
            models.CheckConstraint(
                condition=Q(submitted_by__isnull=True)
                | Q(decided_by__isnull=True)
                | ~Q(decided_by=F("submitted_by")),
                name="settlement_four_eyes",
                violation_error_message=_(
                    "The person who submitted a settlement cannot approve or reject it."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="draft", decided_by__isnull=True, submitted_by__isnull=True)
                    | Q(status="submitted", submitted_by__isnull=False, decided_by__isnull=True)
                    | Q(
                        status="approved",
                        submitted_by__isnull=False,
                        decided_by__isnull=False,
                        decided_at__isnull=False,
                    )
                    & ~Q(fingerprint="")
                    | Q(status="rejected", submitted_by__isnull=False, decided_by__isnull=False)
                    & ~Q(rejection_reason="")
                ),
                name="settlement_status_consistent",
            ),
        ]
        indexes = [models.Index(fields=["year", "half", "status"], name="settlement_period_idx")]

    def __str__(self) -> str:
        return f"{self.municipality} {self.period}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.half)

    @property
    def operator_receives(self):
        """F - Co: the operator's fee net of its half of the contribution."""
        return self.fee - self.contribution_operator

    @property
    def nvsi_receives(self):
        """Cm + Co: the whole contribution."""
        return self.contribution_municipality + self.contribution_operator

    @property
    def contribution_percentage(self):
        return self.contribution_municipality_percentage + self.contribution_operator_percentage

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def municipality_owes(self) -> bool:
        return self.result < 0


class SettlementLine(models.Model):
    """One row of a settlement's breakdown: a month (of the document date) or a client.

    The month rows add up to the settlement's G, P and hours, and so do the client rows.
    """

    class Kind(models.TextChoices):
        MONTH = "month", _("Month")
        CLIENT = "client", _("Client")

    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    month = models.DateField(_("month"), null=True, blank=True)
    client = models.ForeignKey(
        "placements.Client",
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_name = models.CharField(_("client"), max_length=200, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=12, decimal_places=2, default=0)
    gross = models.DecimalField(_("gross revenue"), **MONEY, default=0)
    premiums = models.DecimalField(_("premiums"), **MONEY, default=0)

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        ordering = ["settlement", "kind", "month", "client_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="month", month__isnull=False, client__isnull=True)
                | Q(kind="client", month__isnull=True, client__isnull=False),
                name="settlement_line_month_or_client",
            ),
            models.UniqueConstraint(
                fields=["settlement", "month"],
                condition=Q(kind="month"),
                name="settlement_line_one_per_month",
            ),
            models.UniqueConstraint(
                fields=["settlement", "client"],
                condition=Q(kind="client"),
                name="settlement_line_one_per_client",
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.month:%m-%Y}" if self.kind == self.Kind.MONTH else self.client_name
        return f"{label}: {self.gross}"
