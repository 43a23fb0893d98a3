"""What an approved settlement leaves behind: its PDF statement, its payment instructions, and
the SEPA transfer files that pay a half-year's instructions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from settlements.models.settlements import MONEY, Period, Settlement


class SettlementStatement(models.Model):
    """The PDF statement of an approved settlement: rendered once, then never changed."""

    settlement = models.OneToOneField(
        Settlement,
        verbose_name=_("settlement"),
        on_delete=models.PROTECT,
        related_name="statement",
    )
    pdf = models.FileField(_("PDF"), upload_to="settlements/%Y/")
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    rendered_at = models.DateTimeField(_("rendered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement statement")
        verbose_name_plural = _("settlement statements")

    def __str__(self) -> str:
        return str(self.settlement)


class SettlementTransferFile(models.Model):
    """A SEPA credit transfer file (pain.001) from NVSI's account paying the split of the
    approved settlements of one half-year. Normally one per half-year; a settlement approved
    after the file was made goes into the next file of that half-year (sequence 2, ...)."""

    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half-year"), choices=[(1, "H1"), (2, "H2")])
    sequence = models.PositiveSmallIntegerField(_("file of the half-year"))
    message_id = models.CharField(_("SEPA message id"), max_length=35)
    xml = models.TextField(_("SEPA credit transfer file"), editable=False)
    total = models.DecimalField(_("total"), **MONEY)
    payment_count = models.PositiveIntegerField(_("payments"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement transfer file")
        verbose_name_plural = _("settlement transfer files")
        ordering = ["-year", "-half", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "half", "sequence"], name="settlement_transfer_file_sequence"
            ),
        ]

    def __str__(self) -> str:
        return f"{Period(self.year, self.half)} #{self.sequence}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.half)


class SettlementPayment(models.Model):
    """A payment instruction made from an approved settlement: the result to the
    municipality (only when positive), F - Co to the operator. NVSI keeps Cm + Co."""

    class Payee(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        OPERATOR = "operator", _("Operator")

    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("settlement"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    payee = models.CharField(_("payee"), max_length=12, choices=Payee.choices)
    name = models.CharField(_("name"), max_length=140)
    iban = models.CharField(_("IBAN"), max_length=34)
    amount = models.DecimalField(_("amount"), **MONEY)
    transfer_file = models.ForeignKey(
        SettlementTransferFile,
        verbose_name=_("in transfer file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement payment")
        verbose_name_plural = _("settlement payments")
        ordering = ["settlement", "payee"]
        constraints = [
            models.UniqueConstraint(
                fields=["settlement", "payee"], name="settlement_payment_once_per_payee"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="settlement_payment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.amount}"
