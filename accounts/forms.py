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

    def __init__(self, *args, user=None, **kwargs):
        """`user`: who invites; the form offers only the roles they may grant (the service
        checks again)."""
        super().__init__(*args, **kwargs)
        if user is not None:
            from accounts.roles import grantable_roles

            self.fields["role"].choices = [(r.value, r.label) for r in grantable_roles(user)]


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New e-mail address"))


def invite_form_class() -> type[InviteForm]:
    """The invite form the admin shows: `settings.ACCOUNTS_INVITE_FORM`, a subclass of
    InviteForm that a higher app provides (members.forms.InviteWithMunicipalitiesForm), as
    allauth's ACCOUNT_FORMS does; InviteForm itself when the setting is absent. The project's
    settings name the higher app, so accounts never imports it."""
    return import_string(getattr(settings, "ACCOUNTS_INVITE_FORM", "accounts.forms.InviteForm"))
