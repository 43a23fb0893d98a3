from django import forms
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class InviteForm(forms.Form):
    """Who to invite, in which role. The municipalities a coordinator works for belong to
    members, a higher app: its subclass adds them (see invite_form_class)."""

    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


def invite_form_class() -> type[InviteForm]:
    """The invite form the admin shows: `settings.ACCOUNTS_INVITE_FORM`, a subclass of
    InviteForm that a higher app provides (members.forms.InviteWithMunicipalitiesForm), as
    allauth's ACCOUNT_FORMS does; InviteForm itself when the setting is absent. The project's
    settings name the higher app, so accounts never imports it."""
    return import_string(getattr(settings, "ACCOUNTS_INVITE_FORM", "accounts.forms.InviteForm"))
