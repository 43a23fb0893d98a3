from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementsConfig(AppConfig):
    name = "settlements"
    verbose_name = _("Settlements")

    def ready(self) -> None:
        from core.sweeps import sweep_register
        from settlements import sweeps

        sweep_register("settlements.runs", sweeps.settlement_runs_sweep)
        sweep_register("settlements.statements", sweeps.settlement_statements_sweep)
