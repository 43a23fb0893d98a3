"""Forms of the billing pages: the filter of the invoice list (GET)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.selectors_payments import PaymentStatus
from members.forms import MunicipalityFilterField
from members.selectors import municipality_list_for_user


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Invoice number or client."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    payment_status = forms.ChoiceField(
        label=_("Payment status"),
        required=False,
        choices=[("", _("Every status")), *PaymentStatus.choices],
    )
    municipality = MunicipalityFilterField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipality_list_for_user(user=user)
