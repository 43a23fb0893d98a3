"""Form pieces shared by the portal's pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import InviteForm
from members.models import Municipality
from members.selectors import municipality_list_for_user

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
        help_text=_("Only for coordinators: the municipalities they work for."),
    )
