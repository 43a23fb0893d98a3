"""The settlements of every half-year: read-only figures, submitted to the treasurer and
recomputed through the services (actions, also offered on a settlement's own page)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_back_office
from core.admin import AdminViewsMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin, admin_view
from core.formatting import amount
from settlements.admin.common import PeriodListFilter, error_text
from settlements.history import settlement_history
from settlements.models import (
    Settlement,
    SettlementLine,
)
from settlements.services import settlement_compute, settlement_submit

RECOMPUTABLE = (Settlement.Status.DRAFT, Settlement.Status.REJECTED)


class SettlementMonthInline(ReadOnlyInlineMixin, admin.TabularInline):
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


class SettlementClientInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = SettlementLine
    verbose_name = _("client")
    verbose_name_plural = _("breakdown by client")
    fields = ["client_name", "hours", "gross", "premiums"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=SettlementLine.Kind.CLIENT)


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdminMixin, AdminViewsMixin, admin.ModelAdmin):
    """Figures are never edited by hand: every page is read-only, changes go through
    services."""

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
        return amount(obj.operator_receives)

    @admin.display(description=_("NVSI receives (Cm + Co)"))
    def nvsi_receives(self, obj):
        return amount(obj.nvsi_receives)

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
            self.message_user(request, f"{settlement}: {error_text(error)}", messages.ERROR)
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
            self.message_user(request, f"{settlement}: {error_text(error)}", messages.ERROR)
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

    def render_change_form(self, request, context, *args, **kwargs):
        original = context.get("original")
        may_act = self.has_submit_permission(request)
        context["may_submit"] = may_act and original and original.status == "draft"
        context["may_recompute"] = may_act and original and original.status in RECOMPUTABLE
        context["history"] = settlement_history(original) if original else None
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

    @admin_view("<int:pk>/submit/", name="submit")
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

    @admin_view("<int:pk>/recompute/", name="recompute")
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
