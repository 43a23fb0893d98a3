from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PremiumsConfig(AppConfig):
    name = "premiums"
    verbose_name = _("Premiums")

    def ready(self):
        # The go-live import of opening balances, on the import page and import_data.
        from placements.imports import import_type_register
        from premiums.imports import IMPORT_TYPE

        import_type_register(IMPORT_TYPE)
