"""The filter forms of the supervision pages (GET). They only collect input; the queries
are in supervision.selectors."""

import datetime

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import BankStatement, BankStatementLine, Payment
from members.forms import MunicipalityFilterField
from members.selectors import municipality_list_for_user
from premiums.models import PayoutRun
from supervision.selectors import Bucket, audit_actions

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]

# The apps whose objects appear in the audit trail, for the "which object" choice.
AUDITED_APPS = ("accounts", "members", "placements", "premiums", "billing", "settlements")


def _date_field(label):
    return forms.DateField(
        label=label, required=False, widget=DATE_WIDGET, input_formats=DATE_INPUT_FORMATS
    )


class _PeriodMixin:
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("The start date lies after the end date."))
        return data


class _ScopedMunicipalityMixin:
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipality_list_for_user(user=user)


class BankLineFilterForm(_PeriodMixin, _ScopedMunicipalityMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Counterparty, description, reference, invoice number or client."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Every status")), *BankStatementLine.Status.choices],
    )
    statement = forms.ModelChoiceField(
        label=_("Bank statement"),
        required=False,
        queryset=BankStatement.objects.order_by("-to_date", "-pk"),
        empty_label=_("Every statement"),
    )
    date_from = _date_field(_("Booked from"))
    date_to = _date_field(_("Booked up to and including"))
    municipality = MunicipalityFilterField(empty_label=_("Every municipality"))


class PaymentFilterForm(_PeriodMixin, _ScopedMunicipalityMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Payer, note, invoice number or client."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("Every source")), *Payment.Source.choices],
    )
    date_from = _date_field(_("Paid from"))
    date_to = _date_field(_("Paid up to and including"))
    municipality = MunicipalityFilterField(empty_label=_("Every municipality"))


class ReceivableFilterForm(_ScopedMunicipalityMixin, forms.Form):
    as_of = forms.DateField(
        label=_("On date"),
        required=False,
        widget=DATE_WIDGET,
        input_formats=DATE_INPUT_FORMATS,
        help_text=_("What was open at the end of this day; today when empty."),
    )
    bucket = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[("", _("Everything open")), ("overdue", _("Every overdue")), *Bucket.choices],
    )
    municipality = MunicipalityFilterField(empty_label=_("Every municipality"))
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Invoice number or client."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def as_of_date(self) -> datetime.date:
        data = getattr(self, "cleaned_data", {})
        return data.get("as_of") or timezone.localdate()


class PayoutRunFilterForm(_ScopedMunicipalityMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Every status")), *PayoutRun.Status.choices],
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    municipality = MunicipalityFilterField(empty_label=_("Every municipality"))


class AuditFilterForm(_PeriodMixin, forms.Form):
    actor = forms.CharField(
        label=_("Who"),
        required=False,
        help_text=_('Name or e-mail address; "system" for background jobs.'),
    )
    action = forms.ChoiceField(label=_("What"), required=False)
    date_from = _date_field(_("From"))
    date_to = _date_field(_("Up to and including"))
    content_type = forms.ModelChoiceField(
        label=_("Object type"),
        required=False,
        queryset=ContentType.objects.filter(app_label__in=AUDITED_APPS).order_by(
            "app_label", "model"
        ),
        empty_label=_("Every type"),
    )
    object_id = forms.CharField(label=_("Object number"), required=False, max_length=64)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("In the object's name and the summary."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            ("", _("Every action")),
            *[(action, action) for action in audit_actions()],
        ]
        self.fields["content_type"].label_from_instance = lambda ct: (
            f"{ct.model_class()._meta.verbose_name}" if ct.model_class() else ct.model
        ).capitalize()

    def period(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """The chosen dates as aware datetimes in the portal's time zone: from the start of
        the first day up to the start of the day after the last."""
        data = self.cleaned_data
        start = end = None
        if data.get("date_from"):
            start = _start_of(data["date_from"])
        if data.get("date_to"):
            end = _start_of(data["date_to"] + datetime.timedelta(days=1))
        return start, end


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class NvsiFiguresForm(forms.Form):
    """Which settlements NVSI's figures count: all of them, or the approved ones only."""

    APPROVED = "approved"

    settlements = forms.ChoiceField(
        label=_("Settlements counted"),
        required=False,
        choices=[
            ("", _("Every settlement (drafts and submitted ones included)")),
            (APPROVED, _("Approved settlements only")),
        ],
    )

    @property
    def approved_only(self) -> bool:
        return self.is_valid() and self.cleaned_data.get("settlements") == self.APPROVED
