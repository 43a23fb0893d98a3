from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PremiumsConfig(AppConfig):
    name = "premiums"
    verbose_name = _("Premiums")

    def ready(self):
        # The go-live import of opening balances, on the import page and import_data.
        from placements.imports import import_type_register
        from placements.models import TimeEntry
        from placements.signals import time_entries_approved, time_entries_withdrawn
        from premiums import receivers
        from premiums.imports import IMPORT_TYPE

        import_type_register(IMPORT_TYPE)
        # The premium follows the hours through placements' hook (placements.signals).
        time_entries_approved.connect(
            receivers.premium_accrue_on_approval,
            sender=TimeEntry,
            dispatch_uid="premiums.accrue_on_approval",
        )
        time_entries_withdrawn.connect(
            receivers.premium_reverse_on_withdrawal,
            sender=TimeEntry,
            dispatch_uid="premiums.reverse_on_withdrawal",
        )
