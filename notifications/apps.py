from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # The lower apps announce their events (core.signals.announce_on_commit); each
        # receiver queues a task with ids only (notifications.receivers).
        from notifications import receivers

        receivers.connect()
