"""Forms of the settlement pages: the list filter, the treasurer's decisions, the period and
year choices of the contribution overview and the dashboard.

The forms only collect input; the rules (who may approve, four eyes, which status) live in
settlements.services, whose errors the views put back on these forms.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.forms import MunicipalityFilterField
from members.selectors import municipality_list_for_user
from settlements.models import Period, Settlement
from settlements.selectors import settlement_list_for_user, settlement_periods


def period_choices(*, years: list[int]) -> list[tuple[str, str]]:
    return [(f"{year}-H{half}", f"{year}-H{half}") for year in years for half in (2, 1)]


class PeriodField(forms.CharField):
    """A half-year written as 2026-H1; cleaned to a Period."""

    default_error_messages = {
        "invalid": _("Enter a half-year as year-H1 or year-H2, e.g. 2026-H1."),
    }

    def __init__(self, **kwargs):
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "7")

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return Period.parse(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return str(value) if isinstance(value, Period) else value


class PeriodChoiceField(forms.ChoiceField):
    """A half-year chosen from a list (never typed); cleaned to a Period. The view gives the
    periods to choose from, latest first."""

    def __init__(self, *, periods=(), empty_label=None, **kwargs):
        self.empty_label = empty_label
        super().__init__(**kwargs)
        self.periods = periods

    @property
    def periods(self):
        return self._periods

    @periods.setter
    def periods(self, periods):
        self._periods = list(periods)
        choices = [(str(period), str(period)) for period in self._periods]
        if self.empty_label is not None:
            choices.insert(0, ("", self.empty_label))
        self.choices = choices

    def to_python(self, value):
        # Links written by hand (?period=2026-h1) still choose the half-year.
        return super().to_python(value).strip().upper()

    def clean(self, value):
        value = super().clean(value)
        return Period.parse(value) if value else None

    def prepare_value(self, value):
        return str(value) if isinstance(value, Period) else value


class SettlementFilterForm(forms.Form):
    period = PeriodChoiceField(
        label=_("Half-year"), required=False, empty_label=_("Every half-year")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Every status")), *Settlement.Status.choices],
    )
    municipality = MunicipalityFilterField(empty_label=_("Every municipality"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipality_list_for_user(user=user)
        self.fields["period"].periods = settlement_periods(settlement_list_for_user(user=user))


class ApproveForm(forms.Form):
    """Approval needs an explicit confirmation: the settlement becomes final."""

    confirm = forms.BooleanField(
        label=_("I have checked these figures; approve the settlement"),
        help_text=_(
            "An approved settlement is final: it and its statement never change, and the "
            "split is paid from NVSI's account."
        ),
        required=True,
        error_messages={"required": _("Tick the box to confirm the approval.")},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        help_text=_(
            "The back office sees the reason; the next run recomputes the settlement as a draft. "
            "Corrections land in the half-year of their own date: a credit note dated after "
            "this half-year is settled in a later settlement and does not change this one."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=True,
        error_messages={"required": _("A rejection needs a reason.")},
    )


class ContributionFilterForm(forms.Form):
    """Either a half-year (?period=2026-H1) or a whole year (?year=2026); the latest
    completed half-year when neither is given."""

    period = PeriodField(label=_("Half-year"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2999)

    def clean(self):
        data = super().clean()
        if data.get("year") and data.get("period"):
            # The half-year is the more specific choice.
            data["year"] = None
        if not data.get("year") and not data.get("period"):
            data["period"] = Period.containing(timezone.localdate()).previous
        return data

    @property
    def periods(self) -> list[Period]:
        data = self.cleaned_data
        if data.get("period"):
            return [data["period"]]
        return [Period(data["year"], 1), Period(data["year"], 2)]


class DashboardFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2999)
    municipality = MunicipalityFilterField()

    def __init__(self, *args, user, require_municipality: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipality_list_for_user(user=user)
        if require_municipality:
            self.fields["municipality"].empty_label = _("Choose a municipality")

    def clean_year(self) -> int:
        return self.cleaned_data.get("year") or timezone.localdate().year
