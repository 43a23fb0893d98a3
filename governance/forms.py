"""Forms of the governance pages; the rules are the services', shown on their fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import PROPOSAL_FIELDS, Advice, Choice, Proposal
from members.forms import DATE_WIDGET
from members.models import Municipality
from members.selectors import municipality_list_acting_for


def add_service_errors(form, error) -> None:
    """Put a service's ValidationError or PermissionDenied on the form's fields."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, getattr(error, "messages", None) or [str(error)])


class ProposalForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ["title", "reasoning", "effective_date", *PROPOSAL_FIELDS]
        localized_fields = [
            "client_hourly_rate_min",
            "premium_per_hour",
            "operator_fee_percentage",
            "contribution_percentage",
            "contribution_operator_percentage",
            "vat_percentage",
            "large_hours_per_week",
        ]
        widgets = {
            "effective_date": DATE_WIDGET,
            "reasoning": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "payout_moments": _("At most two, MM-DD separated by a comma, e.g. 06-30,12-31."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in PROPOSAL_FIELDS:
            self.fields[field].required = False

    def clean(self):
        data = super().clean()
        if not any(data.get(field) not in (None, "", []) for field in PROPOSAL_FIELDS):
            raise forms.ValidationError(_("Fill in at least one value the proposal changes."))
        return data


class AdviceForm(forms.ModelForm):
    class Meta:
        model = Advice
        fields = ["position", "text"]
        widgets = {"position": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 8})}


class OpenVoteForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Last day of the vote"),
        widget=DATE_WIDGET,
        help_text=_("Representatives can vote and change their vote up to and including it."),
    )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label=_("Vote"), choices=Choice.choices, widget=forms.RadioSelect)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}))


class MemberRequestForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), to_field_name="cbs_code"
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    motivation = forms.CharField(
        label=_("What should change and why"), widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = municipality_list_acting_for(user=user)
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].initial = municipalities[0].cbs_code
