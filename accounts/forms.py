from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from members.models import Municipality


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        help_text=_("Only for coordinators: the municipalities they work for."),
    )
