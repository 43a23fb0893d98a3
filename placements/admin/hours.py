"""Time entries, one day each: entered, approved in bulk, deleted through the service;
invoiced hours are read-only (corrected by a credit note and a new entry). The grid of a week
is on the assignment's page (hours_week)."""

import copy

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ServiceAdminMixin, ServiceModelForm, run_each
from placements.admin.search import BsnSearchAdminMixin
from placements.models import TimeEntry
from placements.services import (
    time_entries_approve,
    time_entry_create,
    time_entry_create_check,
    time_entry_delete,
    time_entry_update,
    time_entry_update_check,
)


class TimeEntryForm(ServiceModelForm):
    class Meta:
        model = TimeEntry
        fields = ["assignment", "work_date", "hours"]
        localized_fields = ["hours"]

    def service_check(self):
        if self.instance.pk is None:
            time_entry_create_check(
                assignment=self.cleaned_data["assignment"],
                actor=self.actor,
                work_date=self.cleaned_data["work_date"],
                hours=self.cleaned_data["hours"],
            )
        else:
            entry = copy.copy(self.instance)
            fields = self.changed_values(["work_date", "hours"])
            time_entry_update_check(entry=entry, assignment=entry.assignment, **fields)

    def service_save(self):
        if self.instance.pk is None:
            return time_entry_create(
                assignment=self.cleaned_data["assignment"],
                actor=self.actor,
                work_date=self.cleaned_data["work_date"],
                hours=self.cleaned_data["hours"],
            )
        fields = self.changed_values(["work_date", "hours"])
        return time_entry_update(entry=self.instance, actor=self.actor, **fields)


@admin.register(TimeEntry)
class TimeEntryAdmin(BsnSearchAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    bsn_hash_path = "assignment__candidate__bsn_hash"
    form = TimeEntryForm
    list_display = ["work_date", "candidate", "client", "hours", "status", "approved_by"]
    list_filter = ["status", "assignment__candidate__municipality"]
    search_fields = [
        "assignment__candidate__client_number",
        "assignment__candidate__last_name",
        "assignment__client__name",
        "assignment__client__kvk_number",
    ]
    list_select_related = ["assignment__candidate", "assignment__client", "approved_by"]
    autocomplete_fields = ["assignment"]
    date_hierarchy = "work_date"
    readonly_fields = ["status", "entered_by", "approved_by", "approved_at"]
    actions = ["approve_hours", "delete_selected_entries"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "assignment"] if obj is not None else fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deleting goes through the service, below
        return actions

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False  # invoiced: corrected by a credit note and a new entry
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        time_entry_delete(entry=obj, actor=request.user)

    @admin.display(description=_("candidate"), ordering="assignment__candidate__last_name")
    def candidate(self, obj):
        return obj.assignment.candidate

    @admin.display(description=_("client"), ordering="assignment__client__name")
    def client(self, obj):
        return obj.assignment.client.name

    @admin.action(description=_("Approve the selected hours"), permissions=["change"])
    def approve_hours(self, request, queryset):
        count = time_entries_approve(entries=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext("%d time entry approved.", "%d time entries approved.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Delete the selected hours (not invoiced)"), permissions=["delete"])
    def delete_selected_entries(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda obj: time_entry_delete(entry=obj, actor=request.user),
            lambda n: ngettext("%d time entry deleted.", "%d time entries deleted.", n) % n,
        )
