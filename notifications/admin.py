from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was mailed to whom, and when (superusers; no role has these permissions)."""

    list_display = ("created_at", "user", "kind", "delivery", "subject", "sent_at")
    list_filter = ("kind", "delivery", ("sent_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("user__email", "subject")
    date_hierarchy = "created_at"
