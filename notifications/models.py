"""Who wants which e-mail how, and every notification recorded once.

A `Notification` is one e-mail-worthy event for one user: written by the task that follows an
event (notifications.services.notifications_create), in Dutch, with the link to the page
where the work is done. It is sent once: the unique constraint on (user, kind, object,
occurrence) makes a redelivered task or a doubled signal write nothing new, and `sent_at`
(set under a row lock) makes a second send a no-op. Immediate ones are sent by a task on
commit, digest ones by the daily beat task (one e-mail per user).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately, one e-mail per notification")
    DIGEST = "digest", _("Once a day, in one overview e-mail")
    OFF = "off", _("No e-mail")


class NotificationPreference(models.Model):
    """A user's choice; without a row, notifications come immediately."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    delivery = models.CharField(
        _("e-mail notifications"),
        max_length=10,
        choices=Delivery.choices,
        default=Delivery.IMMEDIATE,
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_delivery_display()}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNMENT_REQUESTED = "assignment_requested", _("Assignment requested")
        PAYOUT_RUN_PREPARED = "payout_run_prepared", _("Payout run awaits approval")
        SETTLEMENT_SUBMITTED = "settlement_submitted", _("Settlement submitted for approval")
        SETTLEMENT_REJECTED = "settlement_rejected", _("Settlement rejected")
        SETTLEMENT_APPROVED = "settlement_approved", _("Settlement approved")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # The assignment, payout run or settlement the notification is about (by kind).
    object_id = models.PositiveBigIntegerField(_("object"))
    # Which time the event happened to the object (a settlement is submitted again after a
    # rejection): the object's timestamp of the event, or "" for an event that happens once.
    occurrence = models.CharField(_("occurrence"), max_length=40, blank=True)
    delivery = models.CharField(
        _("delivery"),
        max_length=10,
        choices=[
            (Delivery.IMMEDIATE, Delivery.IMMEDIATE.label),
            (Delivery.DIGEST, Delivery.DIGEST.label),
        ],
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    url = models.URLField(_("link"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "object_id", "occurrence"],
                name="notification_once_per_user_and_event",
            )
        ]
        indexes = [
            models.Index(
                fields=["delivery", "user"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.subject}"
