"""Settlement runs: one per half-year (or one municipality of it), an item per municipality."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import current_time
from settlements.models.settlements import Period, Settlement


class SettlementRun(models.Model):
    """A computation of a half-year for all member municipalities (or one): progress is the
    number of municipalities done of the total; each municipality is its own transaction."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half-year"), choices=[(1, "H1"), (2, "H2")])
    municipality = models.ForeignKey(
        "members.Municipality",
        verbose_name=_("only this municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    total = models.PositiveIntegerField(_("municipalities"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    skipped = models.PositiveIntegerField(
        _("left as they were"),
        default=0,
        help_text=_("Submitted or approved settlements, which a run never touches."),
    )
    error = models.TextField(_("error"), blank=True)
    scheduled = models.BooleanField(
        _("started by the schedule"),
        default=False,
        help_text=_("Started by the half-yearly schedule, once per half-year."),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    progress_at = models.DateTimeField(
        _("last progress"),
        default=current_time,
        help_text=_(
            "When the run started or last settled a municipality; a running run without "
            "progress for RUN_STALL_MINUTES is requeued by the sweeper."
        ),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")), name="settlement_run_done_within_total"
            ),
            # Starting a run while one of the same scope runs finds that one (runs.py).
            models.UniqueConstraint(
                fields=["year", "half", "municipality"],
                condition=Q(status="running"),
                nulls_distinct=False,
                name="settlement_run_one_running_per_scope",
            ),
            # The schedule settles a half-year once (a failed scheduled run may be retried).
            models.UniqueConstraint(
                fields=["year", "half"],
                condition=Q(scheduled=True) & ~Q(status="failed"),
                name="settlement_run_scheduled_once_per_half_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} ({self.get_status_display()})"

    @property
    def period(self) -> Period:
        return Period(self.year, self.half)

    @property
    def percent_done(self) -> int:
        return 100 if not self.total else int(self.done * 100 / self.total)


class SettlementRunItem(models.Model):
    """One municipality of a run. The items are fixed when the run starts (so the total never
    drifts); an item leaves `pending` in the same transaction that computes its settlement
    and counts it in the run's progress, so a redelivered task finds it done and counts
    nothing twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPUTED = "computed", _("Computed")
        SKIPPED = "skipped", _("Left as it was")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(
        SettlementRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="items"
    )
    municipality = models.ForeignKey(
        "members.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("municipality of a settlement run")
        verbose_name_plural = _("municipalities of a settlement run")
        ordering = ["run", "municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "municipality"], name="settlement_run_item_once_per_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run}: {self.municipality} ({self.get_status_display()})"
