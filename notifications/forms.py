from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery


class NotificationPreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("How do you want to receive notifications?"),
        choices=Delivery.choices,
        widget=forms.RadioSelect,
    )
