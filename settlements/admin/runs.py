"""The settlement runs: started from "Start a settlement run", their progress shown in the
run list and on the run's page, which reload themselves while it runs (no JavaScript)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_back_office
from core.admin import AdminViewsMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin, admin_view
from members.models import Municipality
from settlements.admin.common import PeriodListFilter, error_text
from settlements.models import (
    Period,
    SettlementRun,
    SettlementRunItem,
)
from settlements.services.runs import settlement_run_municipalities, settlement_run_start

RECENT_HALF_YEARS = 6


def _progress_bar(run: SettlementRun) -> str:
    return format_html(
        '<span style="white-space: nowrap"><progress max="100" value="{}"></progress> '
        "{} / {} ({}%)</span>",
        run.percent_done,
        run.done,
        run.total,
        run.percent_done,
    )


def recent_half_years(today=None) -> list[Period]:
    """The half-year under way and the five before it, newest first."""
    period = Period.containing(today or timezone.localdate())
    periods = []
    for _i in range(RECENT_HALF_YEARS):
        periods.append(period)
        period = period.previous
    return periods


class SettlementRunStartForm(forms.Form):
    period = forms.ChoiceField(label=_("Half-year"))
    municipality = forms.ModelChoiceField(
        label=_("Only this municipality"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        empty_label=_("All members of the half-year"),
        help_text=_("Leave empty for every municipality that was a member in the half-year."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        periods = recent_half_years()
        self.fields["period"].choices = [(str(p), str(p)) for p in periods]
        self.fields["period"].initial = str(periods[1])  # the half-year just ended

    def clean_period(self):
        return Period.parse(self.cleaned_data["period"])


class SettlementRunItemInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = SettlementRunItem
    fields = ["municipality", "status", "settlement_link", "error", "finished_at"]
    readonly_fields = fields
    verbose_name_plural = _("municipalities")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("municipality", "settlement")

    def has_view_permission(self, request, obj=None):
        # The municipalities are part of the run: whoever may view the run sees them.
        return request.user.has_perm("settlements.view_settlementrun")

    @admin.display(description=_("settlement"))
    def settlement_link(self, obj):
        if obj.settlement_id is None:
            return "-"
        url = reverse("admin:settlements_settlement_change", args=[obj.settlement_id])
        return format_html('<a href="{}">{}</a>', url, obj.settlement.get_status_display().lower())


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdminMixin, AdminViewsMixin, admin.ModelAdmin):
    """Read-only: a run is started through "Start a settlement run"."""

    list_display = [
        "__str__",
        "scope",
        "status",
        "progress",
        "skipped",
        "started_by",
        "started_at",
        "finished_at",
    ]
    list_filter = [PeriodListFilter, "status", "scheduled"]
    list_select_related = ["municipality", "started_by"]
    fields = [
        "period_display",
        "scope",
        "status",
        "progress",
        "skipped",
        "settlements_link",
        "error",
        "scheduled",
        "started_by",
        "started_at",
        "progress_at",
        "finished_at",
    ]
    readonly_fields = fields
    inlines = [SettlementRunItemInline]
    actions = ["run_again"]
    change_list_template = "admin/settlements/settlementrun/change_list.html"
    change_form_template = "admin/settlements/settlementrun/change_form.html"
    refresh_seconds = 3

    def has_start_permission(self, request) -> bool:
        return is_back_office(request.user) and request.user.has_perm(
            "settlements.add_settlementrun"
        )

    @admin.display(description=_("half-year"))
    def period_display(self, obj):
        return str(obj.period)

    @admin.display(description=_("municipalities"))
    def scope(self, obj):
        return obj.municipality or _("All members")

    @admin.display(description=_("done"))
    def progress(self, obj):
        return _progress_bar(obj)

    @admin.display(description=_("settlements"))
    def settlements_link(self, obj):
        url = reverse("admin:settlements_settlement_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Settlements computed by this run"))

    def changelist_view(self, request, extra_context=None):
        running = self.get_queryset(request).filter(status=SettlementRun.Status.RUNNING)
        extra_context = {
            **(extra_context or {}),
            "may_start": self.has_start_permission(request),
            "refresh_seconds": self.refresh_seconds if running.exists() else None,
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        running = run is not None and run.status == SettlementRun.Status.RUNNING
        extra_context = {
            **(extra_context or {}),
            "refresh_seconds": self.refresh_seconds if running else None,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin_view("start/", name="start")
    def start_view(self, request):
        if not self.has_start_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = SettlementRunStartForm(request.POST)
            if form.is_valid():
                try:
                    run = settlement_run_start(
                        period=form.cleaned_data["period"],
                        municipality=form.cleaned_data["municipality"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    form.add_error(None, error.messages)
                else:
                    self.message_user(
                        request,
                        _(
                            "The settlement run of %(period)s is under way: %(total)s municipalities."
                        )
                        % {"period": run.period, "total": run.total},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:settlements_settlementrun_change", args=[run.pk])
                    )
        else:
            form = SettlementRunStartForm()
        members = {
            str(period): settlement_run_municipalities(period=period).count()
            for period in recent_half_years()
        }
        context = {
            **self.admin_site.each_context(request),
            "title": _("Start a settlement run"),
            "opts": self.model._meta,
            "form": form,
            "members": members,
        }
        return TemplateResponse(request, "admin/settlements/settlementrun/start.html", context)

    @admin.action(
        description=_("Run the selected half-years again (a run under way resumes)"),
        permissions=["start"],
    )
    def run_again(self, request, queryset):
        for old in queryset.select_related("municipality"):
            try:
                run = settlement_run_start(
                    period=old.period, municipality=old.municipality, actor=request.user
                )
            except ValidationError as error:
                self.message_user(request, f"{old.period}: {error_text(error)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(period)s: run %(run)s under way.") % {"period": run.period, "run": run.pk},
                    messages.SUCCESS,
                )
