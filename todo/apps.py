from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TodoConfig(AppConfig):
    """The start page per role: what waits for the user, with links to where it is done."""

    name = "todo"
    verbose_name = _("To do")
