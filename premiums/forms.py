"""Forms of the premium pages: the year overview's filters, the runs' filters, the approval
of a run and the export of a municipality's year.

Choices come from the scoped selectors: a coordinator can only pick their own municipalities.
The approval form only collects the confirmation; the rules (four eyes, the coordinator of
the municipality) live in `payout_run_approve`.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_coordinator
from members.forms import MunicipalityFilterField
from members.selectors import municipality_list_for_user
from premiums.models import PayoutRun
from premiums.selectors import premium_years

EXPORT_FORMATS = [("xlsx", _("Excel (XLSX)")), ("csv", _("CSV"))]


def _limit_municipalities(field: forms.ModelChoiceField, user) -> None:
    """The user's municipalities only; "all municipalities" for the treasurer and back office."""
    field.queryset = municipality_list_for_user(user=user)
    if not is_coordinator(user):
        field.empty_label = _("All municipalities")


class _ScopedMunicipalityYearForm(forms.Form):
    """A `year` (the years with a cap on record, this year when left out) and a
    `municipality` by CBS code, limited to the user's municipalities."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    municipality = MunicipalityFilterField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.years = premium_years(today=today)
        self.fields["year"].choices = [(str(y), str(y)) for y in self.years]
        _limit_municipalities(self.fields["municipality"], user)
        self.default_year = today.year

    def clean_year(self) -> int:
        return self.cleaned_data.get("year") or self.default_year


class PremiumFilterForm(_ScopedMunicipalityYearForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name, client number or BSN."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    field_order = ["year", "municipality", "q"]


class PremiumExportForm(_ScopedMunicipalityYearForm):
    """The export of one municipality's year: the municipality is required."""

    format = forms.ChoiceField(label=_("File type"), choices=EXPORT_FORMATS, initial="xlsx")

    field_order = ["municipality", "year", "format"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].required = True
        self.fields["municipality"].empty_label = None


class PayoutRunFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Every status")), *PayoutRun.Status.choices],
    )
    municipality = MunicipalityFilterField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_municipalities(self.fields["municipality"], user)


class PayoutRunApproveForm(forms.Form):
    """The explicit confirmation before a run is approved (its label is set per run)."""

    confirm = forms.BooleanField(
        label=_("I have checked the candidates and the amounts of this payout run."),
        required=True,
        error_messages={"required": _("Tick the box to confirm that you checked the run.")},
    )
