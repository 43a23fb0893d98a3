"""The back office for premiums: payout runs, the accrual ledger and the opening balances of
go-live, read-only except through the services (opening balances arrive by the import,
docs/imports.md).

A payout run is prepared from a small form (municipality and payout date: the service checks
it is a payout moment of the municipality's framework), approved by a coordinator in the
portal, then paid: its SEPA file is downloaded here for the bank, and the run is marked paid
by hand or by the debit on NVSI's imported bank statement. A prepared run can be cancelled
(its premium is unpaid again); an approved or paid run is a money document and stays.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from core.admin import (
    AdminViewsMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    YearDisplayMixin,
    admin_view,
)
from core.formatting import amount
from members.models import Framework, Municipality
from members.selectors import general_framework_in_force
from placements.admin.search import BsnSearchAdminMixin
from premiums.models import (
    PayoutExclusion,
    PayoutLine,
    PayoutRun,
    PremiumAccrual,
    PremiumOpeningBalance,
)
from premiums.services import payout_run_cancel, payout_run_mark_paid, payout_run_prepare

FORM_TEMPLATE = "admin/premiums/payoutrun/form.html"

# --- Forms ---------------------------------------------------------------------------------


def payout_moment_choices(today: datetime.date) -> list[datetime.date]:
    """The payout moments of every framework (general and local), from last year to next
    year: what the prepare form offers. Whether a date is one of the municipality's own
    moments the service decides."""
    moments: set[str] = set()
    for payout_moments in Framework.objects.exclude(payout_moments__isnull=True).values_list(
        "payout_moments", flat=True
    ):
        moments.update(payout_moments or [])
    dates = set()
    for year in (today.year - 1, today.year, today.year + 1):
        for moment in moments:
            try:
                dates.add(datetime.date.fromisoformat(f"{year}-{moment}"))
            except ValueError:
                continue
    return sorted(dates)


class PayoutRunPrepareForm(forms.Form):
    payout_date = forms.TypedChoiceField(
        label=_("Payout date"),
        coerce=datetime.date.fromisoformat,
        help_text=_("A payout moment of the frameworks; the municipality's own are checked."),
    )
    field_order = ["municipality", "payout_date"]

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payout_date"].choices = [
            ("", "---------"),
            *(
                (moment.isoformat(), f"{moment:%d-%m-%Y}")
                for moment in payout_moment_choices(timezone.localdate())
            ),
        ]
        self.fields["municipality"] = forms.ModelChoiceField(
            label=_("Municipality"),
            queryset=Municipality.objects.order_by("name"),
            widget=AutocompleteSelect(PayoutRun._meta.get_field("municipality"), admin_site),
        )
        self.order_fields(self.field_order)


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(
        label=_("Paid on"), help_text=_("The date the bank executed the transfer.")
    )


class CancelForm(forms.Form):
    """Nothing to fill in: the page asks for confirmation."""


def _service_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _next_payout_moment(today: datetime.date) -> datetime.date | None:
    """The first payout moment of the general framework on or after today, as a suggestion."""
    framework = general_framework_in_force(on=today)
    if framework is None:
        return None
    moments = []
    for year in (today.year, today.year + 1):
        for moment in framework.payout_moments or []:
            try:
                moments.append(datetime.date.fromisoformat(f"{year}-{moment}"))
            except ValueError:
                continue
    upcoming = [moment for moment in moments if moment >= today]
    return min(upcoming) if upcoming else None


def _next_payout_moment_iso(today: datetime.date) -> str:
    moment = _next_payout_moment(today)
    return moment.isoformat() if moment else ""


# --- Payout runs ---------------------------------------------------------------------------


class PayoutLineInline(YearDisplayMixin, ReadOnlyInlineMixin, admin.TabularInline):
    model = PayoutLine
    fields = ["candidate_name", "candidate", "iban", "hours", "amount", "year_display", "sequence"]
    readonly_fields = fields


class PayoutExclusionInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = PayoutExclusion
    fields = ["candidate_name", "candidate", "amount", "reason"]
    readonly_fields = fields


@admin.register(PayoutRun)
class PayoutRunAdmin(ReadOnlyAdminMixin, AdminViewsMixin, admin.ModelAdmin):
    """Read-only: a run is prepared ("Prepare a payout run"), cancelled (a prepared one; the
    others stay) and marked paid through the services, from the buttons on its pages."""

    list_display = [
        "municipality",
        "payout_date",
        "status",
        "line_count",
        "total",
        "prepared_by",
        "approved_by",
        "paid_on",
    ]
    list_filter = ["status", ("municipality", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["municipality__name", "municipality__cbs_code", "sepa_message_id"]
    list_select_related = ["municipality", "prepared_by", "approved_by"]
    date_hierarchy = "payout_date"
    inlines = [PayoutLineInline, PayoutExclusionInline]
    readonly_fields = [
        "municipality",
        "payout_date",
        "status",
        "line_count",
        "total",
        "prepared_by",
        "prepared_at",
        "approved_by",
        "approved_at",
        "sepa_message_id",
        "paid_on",
        "marked_paid_by",
    ]
    fields = readonly_fields
    change_list_template = "admin/premiums/payoutrun/change_list.html"
    change_form_template = "admin/premiums/payoutrun/change_form.html"

    def has_prepare_permission(self, request) -> bool:
        return request.user.has_perm("premiums.add_payoutrun")

    def has_mark_paid_permission(self, request) -> bool:
        return request.user.has_perm("premiums.change_payoutrun")

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("premiums.delete_payoutrun")

    def has_sepa_permission(self, request) -> bool:
        return request.user.has_perm("premiums.view_payoutrun")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_prepare": self.has_prepare_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def render_change_form(self, request, context, *args, **kwargs):
        context.update(
            may_sepa=self.has_sepa_permission(request),
            may_mark_paid=self.has_mark_paid_permission(request),
            may_cancel=self.has_cancel_permission(request),
        )
        return super().render_change_form(request, context, *args, **kwargs)

    def _form_page(self, request, *, title, form, submit, run=None, intro=""):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "original": run,
            "form": form,
            "media": self.media + form.media,
            "submit": submit,
            "intro": intro,
        }
        return TemplateResponse(request, FORM_TEMPLATE, context)

    def _change_url(self, run: PayoutRun) -> str:
        return reverse("admin:premiums_payoutrun_change", args=[run.pk])

    @admin_view("prepare/", name="prepare")
    def prepare_view(self, request):
        if not self.has_prepare_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = PayoutRunPrepareForm(request.POST, admin_site=self.admin_site)
            if form.is_valid():
                try:
                    run = payout_run_prepare(
                        municipality=form.cleaned_data["municipality"],
                        payout_date=form.cleaned_data["payout_date"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    _service_errors(form, error)
                else:
                    self.message_user(
                        request,
                        _(
                            "%(run)s is prepared: %(count)d candidates, %(total)s in total. "
                            "A coordinator of the municipality approves it."
                        )
                        % {"run": run, "count": run.line_count, "total": amount(run.total)},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(self._change_url(run))
        else:
            form = PayoutRunPrepareForm(
                admin_site=self.admin_site,
                initial={"payout_date": _next_payout_moment_iso(timezone.localdate())},
            )
        return self._form_page(
            request,
            title=_("Prepare a payout run"),
            form=form,
            submit=_("Prepare"),
            intro=_(
                "Every candidate of the municipality with unpaid premium up to the payout date "
                "and a valid IBAN gets a line; the others are listed with the reason. Preparing "
                "a moment that has a run already shows that run."
            ),
        )

    @admin_view("<int:pk>/sepa/", name="sepa")
    def sepa_view(self, request, pk: int):
        if not self.has_sepa_permission(request):
            raise PermissionDenied
        run = get_object_or_404(
            PayoutRun.objects.select_related("municipality"),
            pk=pk,
            status__in=[PayoutRun.Status.APPROVED, PayoutRun.Status.PAID],
        )
        file_name = f"premie-{run.municipality.cbs_code}-{run.payout_date:%Y-%m-%d}.xml"
        response = HttpResponse(run.sepa_xml, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, file_name)
        return response

    @admin_view("<int:pk>/mark-paid/", name="mark_paid")
    def mark_paid_view(self, request, pk: int):
        if not self.has_mark_paid_permission(request):
            raise PermissionDenied
        run = get_object_or_404(PayoutRun, pk=pk)
        if request.method == "POST":
            form = MarkPaidForm(request.POST)
            if form.is_valid():
                try:
                    run = payout_run_mark_paid(
                        run=run, actor=request.user, paid_on=form.cleaned_data["paid_on"]
                    )
                except ValidationError as error:
                    _service_errors(form, error)
                else:
                    self.message_user(
                        request,
                        _("%(run)s is paid (%(date)s).")
                        % {"run": run, "date": f"{run.paid_on:%d-%m-%Y}"},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(self._change_url(run))
        else:
            form = MarkPaidForm(initial={"paid_on": timezone.localdate()})
        return self._form_page(
            request,
            title=_("Mark %(run)s paid") % {"run": run},
            form=form,
            submit=_("Mark paid"),
            run=run,
            intro=_(
                "Only when the bank has executed the SEPA file. Importing the bank statement "
                "does this by itself when the debit equals the run's total."
            ),
        )

    @admin_view("<int:pk>/cancel/", name="cancel")
    def cancel_view(self, request, pk: int):
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        run = get_object_or_404(PayoutRun, pk=pk)
        form = CancelForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                payout_run_cancel(run=run, actor=request.user)
            except ValidationError as error:
                _service_errors(form, error)
            else:
                self.message_user(
                    request,
                    _("%(run)s is cancelled; its premium is unpaid again.") % {"run": run},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:premiums_payoutrun_changelist"))
        return self._form_page(
            request,
            title=_("Cancel %(run)s") % {"run": run},
            form=form,
            submit=_("Cancel this run"),
            run=run,
            intro=_(
                "The run, its %(count)d lines (%(total)s) and the list of those left out are "
                "deleted; their premium is unpaid again and goes into the next run prepared."
            )
            % {"count": run.line_count, "total": amount(run.total)},
        )


# --- Accruals ------------------------------------------------------------------------------


class PaidListFilter(admin.SimpleListFilter):
    title = _("paid")
    parameter_name = "paid"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Paid in a run")),
            ("before", _("Paid before go-live")),
            ("no", _("Unpaid")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(payout_line__isnull=False)
        if self.value() == "before":
            return queryset.filter(paid_before_go_live=True)
        if self.value() == "no":
            return queryset.filter(payout_line__isnull=True, paid_before_go_live=False)
        return queryset


class YearListFilter(admin.SimpleListFilter):
    """The calendar years of the cap; listed from the clock, not from the (large) ledger."""

    title = _("year")
    parameter_name = "year"
    years_back = 8

    def lookups(self, request, model_admin):
        this_year = timezone.localdate().year
        return [(str(y), str(y)) for y in range(this_year, this_year - self.years_back, -1)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(year=self.value())
        return queryset


class MunicipalityListFilter(admin.SimpleListFilter):
    """The candidate's municipality; listed from the municipalities, not from the ledger."""

    title = _("municipality")
    parameter_name = "municipality"

    def lookups(self, request, model_admin):
        return [
            (str(pk), name)
            for pk, name in Municipality.objects.order_by("name").values_list("pk", "name")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(candidate__municipality_id=self.value())
        return queryset


@admin.register(PremiumAccrual)
class PremiumAccrualAdmin(
    BsnSearchAdminMixin, YearDisplayMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    bsn_hash_path = "candidate__bsn_hash"
    """The ledger, read-only: rows are written by approving hours and reversed when they stop
    counting; never added, changed or deleted by hand."""

    list_display = [
        "candidate",
        "work_date",
        "hours",
        "rate",
        "amount",
        "capped_amount",
        "reason",
        "kind",
        "paid_in",
    ]
    list_filter = ["reason", "kind", YearListFilter, PaidListFilter, MunicipalityListFilter]
    search_fields = [
        "candidate__first_name",
        "candidate__last_name",
        "=candidate__client_number",
    ]
    list_select_related = ["candidate", "payout_line__run__municipality"]
    show_full_result_count = False  # the ledger grows by millions of rows a year
    readonly_fields = [
        "kind",
        "candidate",
        "time_entry",
        "reverses",
        "year_display",
        "work_date",
        "hours",
        "rate",
        "annual_cap",
        "amount",
        "capped_amount",
        "reason",
        "reversed_at",
        "opening_balance",
        "paid_in",
        "created_by",
        "created_at",
    ]
    fields = readonly_fields

    @admin.display(description=_("paid in"))
    def paid_in(self, obj):
        if obj.paid_before_go_live:
            return _("Paid before go-live")
        if obj.payout_line_id is None:
            return "-"
        run = obj.payout_line.run
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:premiums_payoutrun_change", args=[run.pk]), run
        )


@admin.register(PremiumOpeningBalance)
class PremiumOpeningBalanceAdmin(
    BsnSearchAdminMixin, YearDisplayMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    bsn_hash_path = "candidate__bsn_hash"
    """The premium of a year from before go-live, read-only: recorded by the import
    `premium_opening_balances` (Placements → Import), never changed; its ledger rows are in
    the accrual ledger (kind “Opening balance”)."""

    list_display = [
        "candidate",
        "year_display",
        "accrued",
        "paid",
        "payouts",
        "annual_cap",
        "balance_date",
        "source",
    ]
    list_filter = [YearListFilter, MunicipalityListFilter]
    search_fields = [
        "candidate__first_name",
        "candidate__last_name",
        "=candidate__client_number",
    ]
    list_select_related = ["candidate"]
    readonly_fields = [
        "candidate",
        "year_display",
        "accrued",
        "paid",
        "payouts",
        "annual_cap",
        "balance_date",
        "source",
        "created_by",
        "created_at",
    ]
    fields = readonly_fields
