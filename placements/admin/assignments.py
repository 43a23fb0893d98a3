"""Assignments: requested here or in the portal, changed while requested, activated and
ended by actions; their displacement check (performed by a coordinator in the portal) and the
hours per week, entered in a grid on the assignment's own page."""

import copy

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import (
    AdminViewsMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    ServiceAdminMixin,
    ServiceModelForm,
    UndeletableAdminMixin,
    admin_view,
    run_each,
)
from placements.admin.hours_week import HOURS_WEEK_STATUSES, HoursWeekGrid, hours_week_monday
from placements.admin.search import BsnSearchAdminMixin
from placements.models import Assignment, DisplacementCheck, TimeEntry
from placements.services import (
    assignment_activate,
    assignment_end,
    assignment_request,
    assignment_request_check,
    assignment_update,
    assignment_update_check,
)

TERMS = ["client", "start_date", "end_date", "hours_per_week", "hourly_rate"]


class AssignmentForm(ServiceModelForm):
    class Meta:
        model = Assignment
        fields = [
            "candidate",
            "client",
            "start_date",
            "end_date",
            "hours_per_week",
            "hourly_rate",
            "work_description",
        ]
        localized_fields = ["hours_per_week", "hourly_rate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "hourly_rate" in self.fields:
            self.fields["hourly_rate"].required = False
            self.fields["hourly_rate"].help_text = _(
                "Empty: the minimum client rate of the framework in force on the start date."
            )

    def _request_arguments(self) -> dict:
        return {
            "candidate": self.cleaned_data["candidate"],
            "work_description": self.cleaned_data["work_description"],
            **{name: self.cleaned_data[name] for name in TERMS},
        }

    def service_check(self):
        if self.instance.pk is None:
            assignment_request_check(actor=self.actor, **self._request_arguments())
        else:
            fields = self.changed_values([*TERMS, "work_description"])
            assignment_update_check(assignment=copy.copy(self.instance), **fields)

    def service_save(self):
        if self.instance.pk is None:
            return assignment_request(actor=self.actor, **self._request_arguments())
        fields = self.changed_values([*TERMS, "work_description"])
        return assignment_update(assignment=self.instance, actor=self.actor, **fields)


class DisplacementCheckInline(ReadOnlyInlineMixin, admin.StackedInline):
    """A coordinator performs the check in the portal."""

    model = DisplacementCheck
    readonly_fields = [
        "temporary_or_peak_work",
        "no_open_vacancy",
        "no_recent_layoffs",
        "works_council_informed",
        "client_signatory_name",
        "client_signed_on",
        "notes",
        "performed_by",
        "performed_at",
    ]
    fields = readonly_fields


@admin.register(Assignment)
class AssignmentAdmin(
    BsnSearchAdminMixin,
    UndeletableAdminMixin,
    ServiceAdminMixin,
    AdminViewsMixin,
    admin.ModelAdmin,
):
    bsn_hash_path = "candidate__bsn_hash"
    """Never deleted: a request is rejected, an assignment ended."""

    form = AssignmentForm
    list_display = [
        "candidate",
        "client",
        "start_date",
        "end_date",
        "hours_per_week",
        "hourly_rate",
        "status",
        "is_large_or_long",
        "signed_off",
        "hours_link",
    ]
    list_filter = [
        "status",
        "is_large_or_long",
        "is_long",
        "is_large_hours",
        "is_large_concurrent",
        "candidate__municipality",
    ]
    search_fields = [
        "candidate__client_number",
        "candidate__last_name",
        "candidate__first_name",
        "client__name",
        "client__kvk_number",
    ]
    list_select_related = ["candidate__municipality", "client"]
    autocomplete_fields = ["candidate", "client"]
    date_hierarchy = "start_date"
    readonly_fields = [
        "status",
        "rejection_reason",
        "requested_by",
        "decided_by",
        "decided_at",
        "is_long",
        "is_large_hours",
        "is_large_concurrent",
        "is_large_or_long",
        "sign_off_by",
        "sign_off_at",
        "sign_off_reason",
        "created_at",
        "updated_at",
    ]
    inlines = [DisplacementCheckInline]
    actions = ["activate_selected", "end_selected"]

    def get_fieldsets(self, request, obj=None):
        terms = [
            "candidate",
            "client",
            "start_date",
            "end_date",
            "hours_per_week",
            "hourly_rate",
            "work_description",
        ]
        if obj is None:
            return [(None, {"fields": terms})]
        return [
            (None, {"fields": terms}),
            (
                _("Decision"),
                {
                    "fields": [
                        "status",
                        "requested_by",
                        "decided_by",
                        "decided_at",
                        "rejection_reason",
                    ]
                },
            ),
            (
                _("Large or long"),
                {
                    "fields": [
                        "is_large_or_long",
                        "is_long",
                        "is_large_hours",
                        "is_large_concurrent",
                        "sign_off_by",
                        "sign_off_at",
                        "sign_off_reason",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("candidate")
            if obj.status != Assignment.Status.REQUESTED:
                fields += [
                    "client",
                    "start_date",
                    "end_date",
                    "hours_per_week",
                    "hourly_rate",
                    "work_description",
                ]
        return fields

    @admin.display(description=_("signed off"), boolean=True)
    def signed_off(self, obj):
        return obj.sign_off_at is not None if obj.is_large_or_long else None

    @admin.display(description=_("hours"))
    def hours_link(self, obj):
        """A link to the hours grid (the admin wraps the column; the text stays short)."""
        if obj.status not in HOURS_WEEK_STATUSES:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:placements_assignment_hours", args=[obj.pk]),
            _("Hours per week"),
        )

    @admin_view("<path:object_id>/hours/", name="hours")
    def hours_week_view(self, request, object_id):
        """The hours of one assignment for one ISO week: seven day fields, saved together."""
        assignment = get_object_or_404(self.get_queryset(request), pk=object_id)
        time_entry_admin = self.admin_site._registry[TimeEntry]
        if not time_entry_admin.has_view_permission(request):
            raise PermissionDenied
        may_edit = (
            time_entry_admin.has_add_permission(request)
            and time_entry_admin.has_change_permission(request)
            and time_entry_admin.has_delete_permission(request)
        )
        monday = hours_week_monday(request.GET.get("week"), assignment=assignment)
        grid = HoursWeekGrid(assignment=assignment, monday=monday, may_edit=may_edit)
        if request.method == "POST":
            if not grid.may_edit:
                raise PermissionDenied
            form = grid.form(request.POST)
            form.is_valid()  # the days that parse are still tried, to show every error at once
            if grid.save(form, actor=request.user, approve="_approve" in request.POST):
                self.message_user(
                    request,
                    _("The hours of week %(week)s are saved.") % {"week": grid.week_label},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(f"{request.path}?week={grid.week_param}")
        else:
            form = grid.form()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enter hours per week"),
            "subtitle": str(assignment),
            "opts": self.model._meta,
            "original": assignment,
            "assignment": assignment,
            "grid": grid,
            "rows": grid.rows(form),
            "form": form,
            "may_edit": may_edit,
        }
        return TemplateResponse(request, "admin/placements/assignment/hours_week.html", context)

    @admin.action(description=_("Activate the selected approved assignments"))
    def activate_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda obj: assignment_activate(assignment=obj, actor=request.user),
            lambda n: ngettext("%d assignment activated.", "%d assignments activated.", n) % n,
        )

    @admin.action(description=_("End the selected active assignments on their end date"))
    def end_selected(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda obj: assignment_end(assignment=obj, actor=request.user),
            lambda n: ngettext("%d assignment ended.", "%d assignments ended.", n) % n,
        )


@admin.register(DisplacementCheck)
class DisplacementCheckAdmin(BsnSearchAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    bsn_hash_path = "assignment__candidate__bsn_hash"
    """Read-only: a coordinator of the candidate's municipality performs the check."""

    list_display = [
        "assignment",
        "is_complete",
        "client_signatory_name",
        "client_signed_on",
        "performed_by",
        "performed_at",
    ]
    list_filter = ["client_signed_on", "assignment__candidate__municipality"]
    search_fields = [
        "assignment__candidate__client_number",
        "assignment__candidate__last_name",
        "assignment__client__name",
        "client_signatory_name",
    ]
    list_select_related = ["assignment__candidate", "assignment__client", "performed_by"]
    date_hierarchy = "performed_at"

    @admin.display(description=_("complete"), boolean=True)
    def is_complete(self, obj):
        return obj.is_complete
