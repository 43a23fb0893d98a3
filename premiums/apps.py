from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PremiumsConfig(AppConfig):
    name = "premiums"
    verbose_name = _("Premiums")
