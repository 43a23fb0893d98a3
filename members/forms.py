"""Form pieces shared by the portal's pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import InviteForm
from members.models import Framework, Municipality
from members.selectors import municipality_list_acting_for, municipality_list_for_user
from members.services import local_framework_errors

ALL_MY_MUNICIPALITIES = _("All my municipalities")


class MunicipalityFilterField(forms.ModelChoiceField):
    """A municipality picked by CBS code, optional. It offers nothing until the form limits
    it to what the user may see: `form.fields["municipality"].limit_to(user)`."""

    def __init__(self, *, empty_label=ALL_MY_MUNICIPALITIES, **kwargs):
        kwargs.setdefault("label", _("Municipality"))
        kwargs.setdefault("required", False)
        super().__init__(
            queryset=Municipality.objects.none(),
            to_field_name="cbs_code",
            empty_label=empty_label,
            **kwargs,
        )

    def limit_to(self, user) -> None:
        self.queryset = municipality_list_for_user(user=user)


class InviteWithMunicipalitiesForm(InviteForm):
    """The accounts admin's invite form with the municipalities a coordinator works for
    (settings.ACCOUNTS_INVITE_FORM): accounts sits below members and cannot name them."""

    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        help_text=_(
            "Only for coordinators and representatives: the municipalities they work for or "
            "represent."
        ),
    )


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LocalFrameworkForm(forms.ModelForm):
    """A new local version recorded by the municipality: only the values it may set itself
    (empty = the general value applies), with its college decision. The rules are the
    service's (local_framework_errors), shown on the fields they concern."""

    class Meta:
        model = Framework
        fields = [
            "valid_from",
            "client_hourly_rate_min",
            "premium_per_hour",
            "payout_moments",
            "long_after_weeks",
            "large_hours_per_week",
            "large_concurrent_candidates",
            "decision_reference",
            "decision_date",
        ]
        localized_fields = ["client_hourly_rate_min", "premium_per_hour", "large_hours_per_week"]
        widgets = {"valid_from": DATE_WIDGET, "decision_date": DATE_WIDGET}
        labels = {"decision_reference": _("College decision (reference)")}
        help_texts = {
            "valid_from": _("The first day the local terms apply: after today."),
            "payout_moments": _(
                "Empty for the general moments; else at most two, MM-DD separated by a comma, "
                "e.g. 06-30,12-31."
            ),
        }

    def __init__(self, *args, municipality, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.today = today
        self.fields["decision_reference"].required = True
        self.fields["decision_date"].required = True

    def _post_clean(self):
        self.instance.scope = Framework.Scope.LOCAL
        self.instance.municipality = self.municipality
        super()._post_clean()  # copies the values onto self.instance and validates the model
        if not self.errors:
            errors = local_framework_errors(framework=self.instance, today=self.today)
            for field, message in errors.items():
                self.add_error(field if field in self.fields else None, message)


class InstrumentRequestForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), to_field_name="cbs_code"
    )
    motivation = forms.CharField(
        label=_("Motivation"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why the municipality wants to use this instrument."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = municipality_list_acting_for(user=user)
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].initial = municipalities[0].cbs_code


class InstrumentDecisionForm(forms.Form):
    DECISIONS = [("approve", _("Approve")), ("decline", _("Decline"))]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when declining; the requester reads it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for declining the request."))
        return data
