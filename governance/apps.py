from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    """The members' joint decisions on the general framework: proposal, advice, vote, decision."""

    name = "governance"
    verbose_name = _("Governance")
