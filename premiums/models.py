"""Premiums: what a candidate earns per approved hour, and the runs that pay it out.

A `PremiumAccrual` is a ledger row and never changes its amounts. An approved time entry has
one live accrual (kind "accrual"); when those hours stop counting (set back to entered,
deleted, credited) the accrual gets a reversal: a second row with the amounts negated, and
the original is marked reversed. Paid or not, the ledger then adds up: an unpaid pair nets to
zero in the next payout; a reversal of paid premium is set off against the next one.

A candidate's premium of a year from before go-live (`PremiumOpeningBalance`) is in the
ledger too, as rows of kind "opening": the part already paid, marked paid before go-live,
and the unpaid part, which the next payout run pays. So the annual cap counts it as any
accrual, and the payouts made before go-live count towards the two a year.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.validators import mask_iban

MONEY = {"max_digits": 14, "decimal_places": 2}
PAYOUTS_PER_YEAR_MAX = 2


class PremiumAccrual(models.Model):
    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        REVERSAL = "reversal", _("Reversal")
        OPENING = "opening", _("Opening balance")

    class Reason(models.TextChoices):
        NONE = "", _("Accrued")
        CAP_REACHED = "cap_reached", _("Annual cap reached")
        UNDER_27 = "under_27", _("Under 27, not in the wage-cost-subsidy target group")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.ACCRUAL)
    time_entry = models.ForeignKey(
        "placements.TimeEntry",
        verbose_name=_("time entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # deleted hours keep their (reversed) premium history
        related_name="premium_accruals",
    )
    candidate = models.ForeignKey(
        "placements.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="premium_accruals",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    work_date = models.DateField(_("work date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    rate = models.DecimalField(_("premium per hour"), max_digits=8, decimal_places=2)
    annual_cap = models.DecimalField(_("annual cap in force"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)
    capped_amount = models.DecimalField(_("above the cap"), **MONEY, default=0)
    reason = models.CharField(
        _("reason"), max_length=16, choices=Reason.choices, default=Reason.NONE, blank=True
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    opening_balance = models.ForeignKey(
        "premiums.PremiumOpeningBalance",
        verbose_name=_("opening balance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_rows",
    )
    paid_before_go_live = models.BooleanField(
        _("paid before go-live"),
        default=False,
        help_text=_("Paid outside the portal, before NVSI took over: never in a payout run."),
    )
    payout_line = models.ForeignKey(
        "premiums.PayoutLine",
        verbose_name=_("paid in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accruals",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("premium accrual")
        verbose_name_plural = _("premium accruals")
        ordering = ["-work_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["time_entry"],
                condition=Q(kind="accrual", reversed_at__isnull=True),
                name="premium_accrual_one_live_per_entry",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="accrual",
                        reverses__isnull=True,
                        opening_balance__isnull=True,
                        amount__gte=0,
                        capped_amount__gte=0,
                    )
                    | Q(
                        kind="reversal",
                        reverses__isnull=False,
                        reversed_at__isnull=True,
                        opening_balance__isnull=True,
                        amount__lte=0,
                        capped_amount__lte=0,
                    )
                    | Q(
                        kind="opening",
                        opening_balance__isnull=False,
                        time_entry__isnull=True,
                        reverses__isnull=True,
                        reversed_at__isnull=True,
                        hours=0,
                        amount__gt=0,
                        capped_amount=0,
                        reason="",
                    )
                ),
                name="premium_accrual_kind_consistent",
            ),
            models.CheckConstraint(
                condition=Q(paid_before_go_live=False)
                | Q(kind="opening", payout_line__isnull=True),
                name="premium_accrual_paid_before_go_live_opening",
            ),
            models.UniqueConstraint(
                fields=["opening_balance", "paid_before_go_live"],
                condition=Q(opening_balance__isnull=False),
                name="premium_accrual_opening_paid_and_unpaid_once",
            ),
            models.CheckConstraint(
                condition=~Q(reason="under_27") | Q(amount=0, capped_amount=0),
                name="premium_accrual_under_27_nothing",
            ),
        ]
        indexes = [
            models.Index(fields=["candidate", "year"], name="premium_accrual_cand_year_idx"),
            models.Index(
                fields=["candidate"],
                condition=Q(payout_line__isnull=True),
                name="premium_accrual_unpaid_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.work_date:%d-%m-%Y} {self.amount}"


class PremiumOpeningBalance(models.Model):
    """A candidate's premium of one calendar year from before go-live, when NVSI took over:
    accrued so far, the part of it already paid, and the payouts already made that year.

    Recorded once by `premium_opening_balance_record` (the go-live import) and never changed;
    its amounts are in the ledger as `PremiumAccrual` rows of kind "opening" (`ledger_rows`):
    the paid part marked paid before go-live, the unpaid part paid by the next payout run.
    The annual cap in force (copied here, as on every ledger row) bounds what was accrued.
    """

    candidate = models.ForeignKey(
        "placements.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="premium_opening_balances",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    accrued = models.DecimalField(_("accrued before go-live"), **MONEY)
    paid = models.DecimalField(_("paid before go-live"), **MONEY)
    payouts = models.PositiveSmallIntegerField(_("payouts before go-live"))
    annual_cap = models.DecimalField(_("annual cap in force"), **MONEY)
    balance_date = models.DateField(
        _("balance on"), help_text=_("The day recorded; the work date of its ledger rows.")
    )
    source = models.CharField(_("source"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("premium opening balance")
        verbose_name_plural = _("premium opening balances")
        ordering = ["-year", "candidate_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "year"],
                name="premium_opening_balance_once_per_year",
                violation_error_message=_(
                    "This candidate already has an opening balance for this year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0, paid__lte=F("accrued")),
                name="premium_opening_balance_paid_within_accrued",
                violation_error_message=_("What was paid lies between 0 and what was accrued."),
            ),
            models.CheckConstraint(
                condition=Q(accrued__gte=0, accrued__lte=F("annual_cap")),
                name="premium_opening_balance_within_cap",
                violation_error_message=_(
                    "What was accrued lies between 0 and the annual cap in force."
                ),
            ),
            models.CheckConstraint(
                condition=Q(payouts__gte=0, payouts__lte=PAYOUTS_PER_YEAR_MAX),
                name="premium_opening_balance_at_most_two_payouts",
                violation_error_message=_("At most two payouts per candidate per calendar year."),
            ),
            models.CheckConstraint(
                condition=Q(payouts=0, paid=0) | Q(payouts__gt=0, paid__gt=0),
                name="premium_opening_balance_paid_by_payouts",
                violation_error_message=_(
                    "Premium paid means at least one payout, and a payout paid something."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} {self.year}: {self.accrued}"

    @property
    def unpaid(self):
        return self.accrued - self.paid


class PayoutRun(models.Model):
    """A payout moment for one municipality: prepared by the back office, approved by a
    coordinator of the municipality (never the preparer), then paid by SEPA transfer."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("Prepared")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")

    municipality = models.ForeignKey(
        "members.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="payout_runs",
    )
    payout_date = models.DateField(_("payout date"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PREPARED
    )
    total = models.DecimalField(_("total"), **MONEY, default=0)
    line_count = models.PositiveIntegerField(_("candidates paid"), default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    prepared_at = models.DateTimeField(_("prepared at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    sepa_message_id = models.CharField(_("SEPA message id"), max_length=35, blank=True)
    sepa_xml = models.TextField(_("SEPA credit transfer file"), blank=True, editable=False)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    marked_paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked paid by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("payout run")
        verbose_name_plural = _("payout runs")
        ordering = ["-payout_date", "municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "payout_date"],
                name="payout_run_one_per_moment",
                violation_error_message=_("This municipality already has a run on this date."),
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="payout_run_four_eyes",
                violation_error_message=_("The person who prepared a run cannot approve it."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="prepared", approved_by__isnull=True, paid_on__isnull=True)
                    | Q(
                        status="approved",
                        approved_by__isnull=False,
                        approved_at__isnull=False,
                        paid_on__isnull=True,
                    )
                    & ~Q(sepa_xml="")
                    | Q(status="paid", approved_by__isnull=False, paid_on__isnull=False)
                    & ~Q(sepa_xml="")
                ),
                name="payout_run_status_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.payout_date:%d-%m-%Y}"


class PayoutLine(models.Model):
    """One candidate paid in a run: the sum of their unpaid accruals, to their IBAN.

    `sequence` numbers a candidate's payouts within a calendar year; unique and at most 2,
    so a third payout in a year cannot be stored.
    """

    run = models.ForeignKey(
        PayoutRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="lines"
    )
    candidate = models.ForeignKey(
        "placements.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="payout_lines",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveSmallIntegerField(_("payout in the year"))
    candidate_name = models.CharField(_("name"), max_length=255)
    iban = models.CharField(_("IBAN"), max_length=34)
    hours = models.DecimalField(_("hours"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        ordering = ["run", "candidate_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "candidate"], name="payout_line_once_per_run"),
            models.UniqueConstraint(
                fields=["candidate", "year", "sequence"],
                name="payout_line_sequence_unique",
                violation_error_message=_("At most two payouts per candidate per calendar year."),
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1, sequence__lte=PAYOUTS_PER_YEAR_MAX),
                name="payout_line_at_most_two_a_year",
                violation_error_message=_("At most two payouts per candidate per calendar year."),
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_line_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_name} {self.amount}"

    @property
    def iban_masked(self) -> str:
        """The account paid, as stored on the line, masked as everywhere."""
        return mask_iban(self.iban)


class PayoutExclusion(models.Model):
    """A candidate with unpaid premium left out of a run, and why; the premium stays unpaid."""

    class Reason(models.TextChoices):
        NO_IBAN = "no_iban", _("No IBAN")
        INVALID_IBAN = "invalid_iban", _("Invalid IBAN")
        LIMIT_REACHED = "limit_reached", _("Already paid twice this calendar year")
        NEGATIVE = "negative", _("Corrections exceed the premium accrued")

    run = models.ForeignKey(
        PayoutRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="exclusions"
    )
    candidate = models.ForeignKey(
        "placements.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    candidate_name = models.CharField(_("name"), max_length=255)
    amount = models.DecimalField(_("unpaid premium"), **MONEY)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)

    class Meta:
        verbose_name = _("left out of the run")
        verbose_name_plural = _("left out of the run")
        ordering = ["run", "candidate_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "candidate"], name="payout_exclusion_once_per_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_name}: {self.get_reason_display()}"
