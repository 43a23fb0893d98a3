"""Forms of the coordinator pages: list filters, the displacement check and the decisions.

The filter forms take the user, so their choices (municipalities, clients) come from the
scoped selectors: a coordinator can only pick what they may see. The decision forms only
collect input; the rules live in the services, whose errors the views put back on these
forms (see `add_service_error`).
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.forms import MunicipalityFilterField
from placements.models import Assignment, Candidate, DisplacementCheck
from placements.selectors import client_list_for_user

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field where the form has that
    field, otherwise above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class MunicipalityChoiceMixin:
    """A `municipality` filter limited to the user's municipalities, by CBS code."""

    def _limit_municipalities(self, user) -> None:
        self.fields["municipality"].limit_to(user)


class CandidateFilterForm(MunicipalityChoiceMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name, client number or BSN."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Every status")), *Candidate.Status.choices],
    )
    municipality = MunicipalityFilterField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_municipalities(user)


class AssignmentFilterForm(MunicipalityChoiceMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Candidate's name, client number or BSN."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Every status")), *Assignment.Status.choices],
    )
    flag = forms.ChoiceField(
        label=_("Large or long"),
        required=False,
        choices=[
            ("", _("Flagged or not")),
            ("yes", _("Large or long")),
            ("awaiting", _("Large or long, awaiting sign-off")),
            ("no", _("Not large or long")),
        ],
    )
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=None, required=False, empty_label=_("Every client")
    )
    municipality = MunicipalityFilterField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = client_list_for_user(user=user).order_by("name", "pk")
        self._limit_municipalities(user)


class MonthFilterForm(MunicipalityChoiceMixin, forms.Form):
    """`?month=YYYY-MM` (an <input type="month">), the current month when left out."""

    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        help_text=_("Year and month, e.g. 2026-03."),
        widget=forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"}),
    )
    municipality = MunicipalityFilterField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_municipalities(user)

    def clean_month(self) -> datetime.date:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return timezone.localdate().replace(day=1)
        match = MONTH_PATTERN.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise ValidationError(
                _("Enter a month as year-month, e.g. 2026-03."), code="invalid_month"
            )
        return datetime.date(int(match.group(1)), int(match.group(2)), 1)


class DisplacementCheckForm(forms.ModelForm):
    """The verdringingstoets as the coordinator fills it in; saved by
    `displacement_check_record`, which may keep an incomplete check (approval refuses it)."""

    class Meta:
        model = DisplacementCheck
        fields = [
            "temporary_or_peak_work",
            "no_open_vacancy",
            "no_recent_layoffs",
            "works_council_informed",
            "client_signatory_name",
            "client_signed_on",
            "notes",
        ]
        labels = {
            "temporary_or_peak_work": _("The work is temporary or peak work"),
            "no_open_vacancy": _("There is no open vacancy for this work"),
            "no_recent_layoffs": _("The client has had no recent lay-offs"),
            "works_council_informed": _(
                "The works council (or staff representation) has been informed"
            ),
            "client_signatory_name": _("Signed for the client by"),
            "client_signed_on": _("Signed by the client on"),
        }
        help_texts = {
            "client_signatory_name": _("Name and position of the person who signed."),
        }
        widgets = {
            "client_signed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The client always signs; the declarations may be recorded as not (yet) given.
        self.fields["client_signatory_name"].required = True
        self.fields["client_signed_on"].required = True


class ApproveForm(forms.Form):
    """Approval; for a large-or-long request also the explicit extra sign-off and its reason."""

    confirm_sign_off = forms.BooleanField(
        label=_("I sign off this large-or-long assignment explicitly"),
        required=True,
        error_messages={"required": _("Tick the box to give the extra sign-off.")},
    )
    sign_off_reason = forms.CharField(
        label=_("Reason for the sign-off"),
        help_text=_("Why this assignment of this size or length is justified."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=True,
        error_messages={"required": _("Give the reason for the sign-off.")},
    )

    def __init__(self, *args, needs_sign_off: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_sign_off:
            del self.fields["confirm_sign_off"]
            del self.fields["sign_off_reason"]


class RejectForm(forms.Form):
    rejection_reason = forms.CharField(
        label=_("Reason for rejection"),
        help_text=_("The reason is kept with the assignment."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=True,
        error_messages={"required": _("A rejection needs a reason.")},
    )
