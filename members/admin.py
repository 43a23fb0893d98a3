from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyInlineMixin, UndeletableAdminMixin
from members.models import (
    Contract,
    Framework,
    LabourMarketRegion,
    Membership,
    Municipality,
    PremiumCap,
)
from members.services import (
    contract_errors,
    contract_save,
    framework_delete,
    framework_errors,
    framework_save,
    membership_save,
    municipality_save,
    region_save,
)


class MembershipInline(ReadOnlyInlineMixin, admin.TabularInline):
    """Memberships are changed on their own page, through the service."""

    model = Membership
    fields = ["status", "start_date", "end_date"]


@admin.register(LabourMarketRegion)
class LabourMarketRegionAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality_count"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        region_save(region=obj, actor=request.user)

    @admin.display(description=_("municipalities"))
    def municipality_count(self, obj):
        return obj.municipalities.count()


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "cbs_code", "region"]
    list_filter = ["region", "memberships__status"]
    search_fields = ["name", "cbs_code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    readonly_fields = ["coordinators_display", "representatives_display"]
    inlines = [MembershipInline]

    # Coordinators and representatives are appointed through the user admin's invite and
    # appoint pages (accounts.services: who may grant which role, audited), not here.
    @admin.display(description=_("coordinators"))
    def coordinators_display(self, obj):
        return ", ".join(str(user) for user in obj.coordinators.all()) or "-"

    @admin.display(description=_("representatives"))
    def representatives_display(self, obj):
        return ", ".join(str(user) for user in obj.representatives.all()) or "-"

    def get_exclude(self, request, obj=None):
        return ["coordinators", "representatives"]

    def save_model(self, request, obj, form, change):
        municipality_save(municipality=obj, actor=request.user)


@admin.register(Membership)
class MembershipAdmin(UndeletableAdminMixin, admin.ModelAdmin):
    """End a membership instead of deleting it: the contribution history depends on it."""

    list_display = ["municipality", "status", "start_date", "end_date"]
    list_filter = ["status", "municipality__region"]
    search_fields = ["municipality__name", "municipality__cbs_code"]
    list_select_related = ["municipality"]
    autocomplete_fields = ["municipality"]
    date_hierarchy = "start_date"

    def save_model(self, request, obj, form, change):
        membership_save(membership=obj, actor=request.user)


def _fee_carried_over(form, *, queryset) -> None:
    """A new version or contract added by someone who may not set the operator fee keeps the
    fee in force (the latest of `queryset`): the fee changes only through a decision."""
    if "operator_fee_percentage" in form.fields or form.instance.pk is not None:
        return
    latest = queryset.exclude(operator_fee_percentage=None).order_by("-valid_from").first()
    form.instance.operator_fee_percentage = latest.operator_fee_percentage if latest else None


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = "__all__"

    def _post_clean(self):
        if self.cleaned_data.get("kind") == Contract.Kind.EXECUTION:
            _fee_carried_over(
                self,
                queryset=Contract.objects.filter(kind=Contract.Kind.EXECUTION).annotate(
                    valid_from=models.F("start_date")
                ),
            )
        super()._post_clean()  # copies the values onto self.instance and validates the model
        if not self.errors:
            for field, message in contract_errors(contract=self.instance).items():
                self.add_error(field if field in self.fields else None, message)

    def clean(self):
        data = super().clean()
        region = data.get("region")
        outside = [
            m
            for m in data.get("covered_municipalities") or []
            if region and m.region_id != region.pk
        ]
        if outside:
            self.add_error(
                "covered_municipalities",
                _("Not in region %(region)s: %(names)s.")
                % {"region": region, "names": ", ".join(m.name for m in outside)},
            )
        return data


class OperatorFeeReadOnlyMixin:
    """The operator's fee changes only through a decision of the members (governance); in the
    admin only a superuser may still correct it."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("operator_fee_percentage")
        return fields


@admin.register(Contract)
class ContractAdmin(OperatorFeeReadOnlyMixin, UndeletableAdminMixin, admin.ModelAdmin):
    form = ContractForm
    list_display = ["reference", "kind", "party_display", "start_date", "end_date", "expiry"]
    list_filter = ["kind", "renewal"]
    search_fields = ["reference", "municipality__name", "region__name"]
    list_select_related = ["municipality", "region"]
    autocomplete_fields = ["municipality", "region", "covered_municipalities"]
    date_hierarchy = "end_date"

    def save_model(self, request, obj, form, change):
        contract_save(contract=obj, actor=request.user)

    @admin.display(description=_("party"))
    def party_display(self, obj):
        return obj.party

    @admin.display(description=_("expiry"))
    def expiry(self, obj):
        today = timezone.localdate()
        if obj.expires_soon(today):
            return format_html(
                '<strong style="color:#a00">{}</strong>',
                _("ends in %(days)s days") % {"days": obj.days_until_end(today)},
            )
        return ""


@admin.register(PremiumCap)
class PremiumCapAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "amount"]
    date_hierarchy = "valid_from"

    def has_change_permission(self, request, obj=None):
        # A cap in force is history; only a future one may still be corrected.
        if obj is not None and obj.valid_from <= timezone.localdate():
            return False
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission


class FrameworkForm(forms.ModelForm):
    record_as_history = forms.BooleanField(
        label=_("Record as history"),
        required=False,
        help_text=_(
            "A version from a past date (e.g. the history before go-live), recorded with the "
            "decision that set it. Documents already made keep the rates they copied."
        ),
    )

    # Set by FrameworkAdmin.get_form: only a superuser adds a general version in the admin.
    by_superuser = False

    class Meta:
        model = Framework
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == Framework.Scope.GENERAL and not self.by_superuser:
            self.add_error(
                "scope",
                _(
                    "A general framework version is made by a decision of the member "
                    "municipalities: draft a proposal under Decisions."
                ),
            )
        return cleaned

    def _post_clean(self):
        if self.cleaned_data.get("scope") == Framework.Scope.GENERAL:
            _fee_carried_over(
                self, queryset=Framework.objects.filter(scope=Framework.Scope.GENERAL)
            )
        super()._post_clean()  # copies the values onto self.instance and validates the model
        if not self.errors:
            errors = framework_errors(
                framework=self.instance,
                today=timezone.localdate(),
                history=self.cleaned_data.get("record_as_history", False),
            )
            for field, message in errors.items():
                self.add_error(field if field in self.fields else None, message)


@admin.register(Framework)
class FrameworkAdmin(OperatorFeeReadOnlyMixin, admin.ModelAdmin):
    form = FrameworkForm
    list_display = [
        "__str__",
        "scope",
        "valid_from",
        "client_hourly_rate_min",
        "premium_per_hour",
        "operator_fee_percentage",
        "vat_percentage",
    ]
    list_filter = ["scope", "municipality__region"]
    search_fields = ["municipality__name", "municipality__cbs_code", "decision_reference"]
    list_select_related = ["municipality"]
    autocomplete_fields = ["municipality"]
    date_hierarchy = "valid_from"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "scope",
                    "municipality",
                    "valid_from",
                    "decision_reference",
                    "record_as_history",
                ]
            },
        ),
        (_("Rates"), {"fields": ["client_hourly_rate_min", "premium_per_hour", "payout_moments"]}),
        (
            _("Fee, contribution and VAT (general only)"),
            {
                "fields": [
                    "operator_fee_percentage",
                    "contribution_percentage",
                    "contribution_operator_percentage",
                    "vat_percentage",
                ]
            },
        ),
        (
            _("Large or long thresholds"),
            {"fields": ["long_after_weeks", "large_hours_per_week", "large_concurrent_candidates"]},
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # History is recorded as a new version only.
        first_name, first = fieldsets[0]
        fields = [f for f in first["fields"] if f != "record_as_history"]
        return [(first_name, {**first, "fields": fields}), *fieldsets[1:]]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.by_superuser = request.user.is_superuser
        return form

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.valid_from <= timezone.localdate():
            return False  # in force: history stays, a change is a new version
        if obj is not None and obj.scope == Framework.Scope.GENERAL:
            # A future general version is what a decision of the members made.
            return request.user.is_superuser and super().has_change_permission(request, obj)
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission

    def save_model(self, request, obj, form, change):
        framework_save(
            framework=obj,
            actor=request.user,
            history=form.cleaned_data.get("record_as_history", False),
        )

    def delete_model(self, request, obj):
        framework_delete(framework=obj, actor=request.user)


from members import admin_catalogue  # noqa: E402, F401 - NVSI's product catalogue
