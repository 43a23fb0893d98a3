from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing and settlements")

    def ready(self) -> None:
        from billing import sweeps
        from core.sweeps import sweep_register

        sweep_register("billing.invoice_runs", sweeps.invoice_runs_sweep)
        sweep_register("billing.invoice_pdfs", sweeps.invoice_pdfs_sweep)
        sweep_register("billing.credit_note_pdfs", sweeps.credit_note_pdfs_sweep)
