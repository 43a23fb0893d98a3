from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def current_time():
    """`timezone.now()` looked up when called: a field default that follows a patched clock
    (tests/clock.py), as `auto_now_add` does; `default=timezone.now` would keep the original."""
    return timezone.now()


class AuditEvent(models.Model):
    """Who did what to which object, when: written by services in their own transaction."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        help_text=_("Empty for the system itself (background jobs, migrations)."),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), null=True, blank=True, on_delete=models.PROTECT
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    changes = models.JSONField(
        _("before and after"), default=dict, blank=True, help_text=_("{field: [before, after]}")
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class WorkerHeartbeat(models.Model):
    """Written by a Celery worker on request: proves the broker-to-database path works."""

    token = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.token} ({self.hostname})"


class SweepClaim(models.Model):
    """The stalled-work sweeper's memory (core.sweeps): when it last requeued a piece of work
    (a run, or a kind of document), so it requeues each at most once per stall window however
    many sweepers run at once."""

    key = models.CharField(_("work"), max_length=200, unique=True)
    claimed_at = models.DateTimeField(_("last requeued at"))
    times = models.PositiveIntegerField(_("times requeued"), default=1)

    class Meta:
        verbose_name = _("requeued work")
        verbose_name_plural = _("requeued work")
        ordering = ["-claimed_at"]

    def __str__(self) -> str:
        return f"{self.key} ({self.claimed_at:%Y-%m-%d %H:%M})"
