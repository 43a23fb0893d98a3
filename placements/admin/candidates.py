"""Candidates: the BSN is write-only (shown masked, found by its full number), the IBAN
shown masked; a candidate is ended, never deleted."""

import copy

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import (
    ReadOnlyInlineMixin,
    ServiceAdminMixin,
    ServiceModelForm,
    UndeletableAdminMixin,
)
from placements.admin.search import BsnSearchAdminMixin
from placements.models import Assignment, Candidate
from placements.services import (
    CANDIDATE_FIELDS,
    candidate_check,
    candidate_create,
    candidate_update,
)


class CandidateForm(ServiceModelForm):
    service_field_names = {"iban": "new_iban"}
    bsn = forms.CharField(
        label=_("BSN"),
        required=False,
        max_length=20,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Write-only: enter a BSN to set or replace it; empty keeps the current one."),
    )
    remove_bsn = forms.BooleanField(label=_("Remove the BSN"), required=False)
    new_iban = forms.CharField(
        label=_("IBAN"),
        required=False,
        max_length=42,
        help_text=_("Enter an IBAN to set or replace it; empty keeps the current one."),
    )

    class Meta:
        model = Candidate
        fields = [
            "municipality",
            "client_number",
            "first_name",
            "last_name",
            "birth_date",
            "status",
            "left_for_work_on",
            "wage_cost_subsidy",
            "street",
            "house_number",
            "postcode",
            "city",
        ]

    def _service_arguments(self) -> tuple[dict, str | None]:
        """The changed fields (the IBAN only when one is entered) and the BSN: None keeps it,
        "" removes it."""
        fields = self.changed_values([n for n in CANDIDATE_FIELDS if n != "iban"])
        if self.cleaned_data.get("new_iban"):
            fields["iban"] = self.cleaned_data["new_iban"]
        bsn = "" if self.cleaned_data.get("remove_bsn") else self.cleaned_data.get("bsn") or None
        return fields, bsn

    def service_check(self):
        fields, bsn = self._service_arguments()
        if self.instance.pk is None:
            candidate = Candidate(municipality=self.cleaned_data["municipality"])
            candidate_check(candidate=candidate, bsn=bsn or "", **fields)
        else:
            candidate_check(candidate=copy.copy(self.instance), bsn=bsn, **fields)

    def service_save(self):
        fields, bsn = self._service_arguments()
        if self.instance.pk is None:
            return candidate_create(
                actor=self.actor,
                municipality=self.cleaned_data["municipality"],
                bsn=bsn or "",
                **fields,
            )
        return candidate_update(candidate=self.instance, actor=self.actor, bsn=bsn, **fields)


class AssignmentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Assignment
    fk_name = "candidate"
    fields = ["client", "start_date", "end_date", "hours_per_week", "status", "is_large_or_long"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Candidate)
class CandidateAdmin(
    BsnSearchAdminMixin, UndeletableAdminMixin, ServiceAdminMixin, admin.ModelAdmin
):
    """End a candidate instead of deleting: hours, invoices and premiums refer to them."""

    form = CandidateForm
    list_display = [
        "last_name",
        "first_name",
        "client_number",
        "municipality",
        "status",
        "bsn_masked",
        "iban_masked",
        "wage_cost_subsidy",
    ]
    list_filter = ["status", "wage_cost_subsidy", "municipality__region", "municipality"]
    search_fields = ["client_number", "last_name", "first_name"]
    search_help_text = _("Client number or name; a full BSN finds its candidate too.")
    list_select_related = ["municipality"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["bsn_masked", "iban_masked", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["municipality", "client_number", "first_name", "last_name"]}),
        (
            _("Personal details"),
            {
                "fields": [
                    "birth_date",
                    "bsn_masked",
                    "bsn",
                    "remove_bsn",
                    "iban_masked",
                    "new_iban",
                ]
            },
        ),
        (
            _("Postal address"),
            {
                "fields": [("street", "house_number"), ("postcode", "city")],
                "description": _("Optional; the premium letter is addressed to it."),
            },
        ),
        (_("Status"), {"fields": ["status", "left_for_work_on", "wage_cost_subsidy"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [AssignmentInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "municipality"] if obj is not None else fields

    @admin.display(description=_("BSN"))
    def bsn_masked(self, obj):
        return obj.bsn_masked

    @admin.display(description=_("IBAN"))
    def iban_masked(self, obj):
        return obj.iban_masked
