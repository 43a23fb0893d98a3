from django.contrib import admin

from core.models import AuditEvent, WorkerHeartbeat


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "content_type", "object_repr", "summary"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "summary", "actor__email", "object_id"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["token", "hostname", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
