"""The back office for settlements: the settlements of every half-year and the runs that
compute them.

Nothing here is typed in by hand: figures come from `settlement_compute` (a run, or
"Recompute" on a draft), a draft goes to the treasurer through `settlement_submit`, and
approval or rejection happens in the treasurer's portal. Every page is read-only; the
treasurer (view permissions only) sees the same pages without the actions. A run is started
from "Start a settlement run" and its progress (municipalities done of the total) shows in
the run list and on the run's page, which reload themselves while it runs (no JavaScript).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_back_office
from members.models import Municipality
from settlements.models import (
    Period,
    Settlement,
    SettlementLine,
    SettlementRun,
    SettlementRunItem,
)
from settlements.runs import settlement_run_municipalities, settlement_run_start
from settlements.services import settlement_compute, settlement_submit

RECOMPUTABLE = (Settlement.Status.DRAFT, Settlement.Status.REJECTED)
RECENT_HALF_YEARS = 6


def _errors(error: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


def _progress_bar(run: SettlementRun) -> str:
    return format_html(
        '<span style="white-space: nowrap"><progress max="100" value="{}"></progress> '
        "{} / {} ({}%)</span>",
        run.percent_done,
        run.done,
        run.total,
        run.percent_done,
    )


class PeriodListFilter(admin.SimpleListFilter):
    """Filter on a half-year (`?period=2026-H1`), offering those that have rows."""

    title = _("half-year")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        pairs = (
            model_admin.get_queryset(request)
            .order_by("-year", "-half")
            .values_list("year", "half")
            .distinct()[:20]
        )
        return [(str(Period(year, half)), str(Period(year, half))) for year, half in pairs]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            period = Period.parse(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(year=period.year, half=period.half)


# --- Settlements -------------------------------------------------------------------------------


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SettlementMonthInline(_ReadOnlyInline):
    model = SettlementLine
    verbose_name = _("month")
    verbose_name_plural = _("breakdown by month")
    fields = ["month_display", "hours", "gross", "premiums"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=SettlementLine.Kind.MONTH)

    @admin.display(description=_("month"))
    def month_display(self, obj):
        return f"{obj.month:%Y-%m}"


class SettlementClientInline(_ReadOnlyInline):
    model = SettlementLine
    verbose_name = _("client")
    verbose_name_plural = _("breakdown by client")
    fields = ["client_name", "hours", "gross", "premiums"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=SettlementLine.Kind.CLIENT)


@admin.register(Settlement)
class SettlementAdmin(admin.ModelAdmin):
    list_display = [
        "municipality",
        "period_display",
        "status",
        "gross",
        "premiums",
        "fee",
        "contribution_municipality",
        "contribution_operator",
        "result",
        "computed_at",
    ]
    list_filter = [
        PeriodListFilter,
        "status",
        ("municipality", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["municipality__name", "municipality__cbs_code"]
    list_select_related = ["municipality"]
    ordering = ["-year", "-half", "municipality__name"]
    inlines = [SettlementMonthInline, SettlementClientInline]
    actions = ["submit_to_treasurer", "recompute"]
    fieldsets = [
        (None, {"fields": ["municipality", "period_display", "status"]}),
        (
            _("Figures"),
            {
                "fields": [
                    "hours",
                    "gross",
                    "premiums",
                    "fee",
                    "contribution_municipality",
                    "contribution_operator",
                    "result",
                    "operator_receives",
                    "nvsi_receives",
                ]
            },
        ),
        (
            _("Terms"),
            {
                "fields": [
                    "terms_date",
                    "fee_percentage",
                    "contribution_municipality_percentage",
                    "contribution_operator_percentage",
                    "invoice_line_count",
                    "credit_line_count",
                ]
            },
        ),
        (
            _("Life cycle"),
            {
                "fields": [
                    "computed_at",
                    "run",
                    "submitted_by",
                    "submitted_at",
                    "decided_by",
                    "decided_at",
                    "rejection_reason",
                    "fingerprint",
                ]
            },
        ),
    ]
    readonly_fields = [field for _name, options in fieldsets for field in options["fields"]]
    change_form_template = "admin/settlements/settlement/change_form.html"

    # Figures are never edited by hand: every page is read-only, changes go through services.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_submit_permission(self, request) -> bool:
        """The back office submits to the treasurer (the treasurer only views)."""
        return is_back_office(request.user) and request.user.has_perm(
            "settlements.change_settlement"
        )

    def has_recompute_permission(self, request) -> bool:
        return self.has_submit_permission(request)

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "run__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("half-year"), ordering="year")
    def period_display(self, obj):
        return str(obj.period)

    @admin.display(description=_("operator receives (F - Co)"))
    def operator_receives(self, obj):
        return obj.operator_receives

    @admin.display(description=_("NVSI receives (Cm + Co)"))
    def nvsi_receives(self, obj):
        return obj.nvsi_receives

    # --- Actions, also offered on the settlement's own page -----------------------------------

    def _submit(self, request, settlement: Settlement) -> None:
        if settlement.status == Settlement.Status.SUBMITTED:
            self.message_user(
                request,
                _("%(settlement)s was already submitted.") % {"settlement": settlement},
                messages.WARNING,
            )
            return
        try:
            settlement_submit(settlement=settlement, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, f"{settlement}: {_errors(error)}", messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(settlement)s submitted to the treasurer.") % {"settlement": settlement},
                messages.SUCCESS,
            )

    def _recompute(self, request, settlement: Settlement) -> None:
        if settlement.status not in RECOMPUTABLE:
            self.message_user(
                request,
                _(
                    "%(settlement)s is %(status)s: only drafts and rejected settlements are "
                    "recomputed."
                )
                % {"settlement": settlement, "status": settlement.get_status_display().lower()},
                messages.WARNING,
            )
            return
        try:
            settlement, computed = settlement_compute(
                municipality=settlement.municipality, period=settlement.period, actor=request.user
            )
        except ValidationError as error:
            self.message_user(request, f"{settlement}: {_errors(error)}", messages.ERROR)
            return
        if computed:
            self.message_user(
                request,
                _("%(settlement)s recomputed: G %(gross)s, result %(result)s.")
                % {
                    "settlement": settlement,
                    "gross": settlement.gross,
                    "result": settlement.result,
                },
                messages.SUCCESS,
            )
        else:  # submitted in the meantime
            self.message_user(
                request,
                _("%(settlement)s was submitted meanwhile and is left as it was.")
                % {"settlement": settlement},
                messages.WARNING,
            )

    @admin.action(description=_("Submit to the treasurer"), permissions=["submit"])
    def submit_to_treasurer(self, request, queryset):
        for settlement in queryset.select_related("municipality"):
            self._submit(request, settlement)

    @admin.action(
        description=_("Recompute (drafts and rejected settlements only)"),
        permissions=["recompute"],
    )
    def recompute(self, request, queryset):
        for settlement in queryset.select_related("municipality"):
            self._recompute(request, settlement)

    def get_urls(self):
        return [
            path(
                "<int:pk>/submit/",
                self.admin_site.admin_view(self.submit_view),
                name="settlements_settlement_submit",
            ),
            path(
                "<int:pk>/recompute/",
                self.admin_site.admin_view(self.recompute_view),
                name="settlements_settlement_recompute",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, **kwargs):
        original = context.get("original")
        may_act = self.has_submit_permission(request)
        context["may_submit"] = may_act and original and original.status == "draft"
        context["may_recompute"] = may_act and original and original.status in RECOMPUTABLE
        return super().render_change_form(request, context, *args, **kwargs)

    def _confirm(self, request, pk: int, *, action, title, explanation, button):
        """GET: a confirmation page with the figures; POST: do it and go back."""
        if not self.has_submit_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        settlement = get_object_or_404(Settlement.objects.select_related("municipality"), pk=pk)
        change_url = reverse("admin:settlements_settlement_change", args=[settlement.pk])
        if request.method == "POST":
            action(request, settlement)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": title % {"settlement": settlement},
            "explanation": explanation,
            "button": button,
            "opts": self.model._meta,
            "original": settlement,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/settlements/settlement/confirm.html", context)

    def submit_view(self, request, pk: int):
        return self._confirm(
            request,
            pk,
            action=self._submit,
            title=_("Submit %(settlement)s to the treasurer"),
            explanation=_(
                "The treasurer reviews the figures below and approves or rejects them. A "
                "submitted settlement is not recomputed by runs."
            ),
            button=_("Submit to the treasurer"),
        )

    def recompute_view(self, request, pk: int):
        return self._confirm(
            request,
            pk,
            action=self._recompute,
            title=_("Recompute %(settlement)s"),
            explanation=_(
                "The figures are computed again from the invoices and credit notes dated in "
                "the half-year; a rejected settlement becomes a draft again."
            ),
            button=_("Recompute"),
        )


# --- Runs ---------------------------------------------------------------------------------


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


class SettlementRunItemInline(_ReadOnlyInline):
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
class SettlementRunAdmin(admin.ModelAdmin):
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
        "finished_at",
    ]
    readonly_fields = fields
    inlines = [SettlementRunItemInline]
    actions = ["run_again"]
    change_list_template = "admin/settlements/settlementrun/change_list.html"
    change_form_template = "admin/settlements/settlementrun/change_form.html"
    refresh_seconds = 3

    def has_add_permission(self, request):
        return False  # started through "Start a settlement run"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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

    def get_urls(self):
        return [
            path(
                "start/",
                self.admin_site.admin_view(self.start_view),
                name="settlements_settlementrun_start",
            ),
            *super().get_urls(),
        ]

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
                self.message_user(request, f"{old.period}: {_errors(error)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(period)s: run %(run)s under way.") % {"period": run.period, "run": run.pk},
                    messages.SUCCESS,
                )


from settlements import admin_payments  # noqa: E402,F401 - statements, payments, transfer files
