"""The back office for what an approved settlement leaves behind: its PDF statement, its
payment instructions and the SEPA transfer files paying them. All read-only: statements and
instructions are made by the approval task, files by "Make the transfer file" (one service,
settlements.services.payments.settlement_transfer_file_make). Nothing here is added, changed or
deleted by hand: they are money documents (and the triggers of migration 0002 refuse it).

The transfer file page also lists what cannot be paid yet: a payee of an approved
settlement without a valid IBAN ("IBAN missing"). Fill in the municipality's IBAN for
settlements and make the file again: the missing instruction is made and paid in it.

Registered on import: settlements/admin/__init__.py imports this module.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_back_office
from core.admin import (
    AdminViewsMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
    YearDisplayMixin,
    admin_view,
)
from core.formatting import amount
from settlements.forms import PeriodChoiceField
from settlements.models import (
    Period,
    Settlement,
    SettlementPayment,
    SettlementStatement,
    SettlementTransferFile,
)
from settlements.selectors import settlement_periods
from settlements.services.payments import (
    end_to_end_id,
    settlement_payments_waiting,
    settlement_transfer_file_make,
)

MAKE_TEMPLATE = "admin/settlements/settlementtransferfile/make.html"


class PeriodListFilter(admin.SimpleListFilter):
    """The half-year, e.g. 2026-H1; `prefix` is the path to the year and half fields."""

    title = _("half-year")
    parameter_name = "period"
    prefix = ""

    def lookups(self, request, model_admin):
        pairs = (
            model_admin.get_queryset(request)
            .order_by()
            .values_list(f"{self.prefix}year", f"{self.prefix}half")
            .distinct()
        )
        periods = sorted({Period(year, half) for year, half in pairs}, reverse=True)
        return [(str(period), str(period)) for period in periods]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            period = Period.parse(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(
            **{f"{self.prefix}year": period.year, f"{self.prefix}half": period.half}
        )


class SettlementPeriodListFilter(PeriodListFilter):
    prefix = "settlement__"


# --- Statements ------------------------------------------------------------------------------


@admin.register(SettlementStatement)
class SettlementStatementAdmin(ReadOnlyAdminMixin, AdminViewsMixin, admin.ModelAdmin):
    list_display = ["settlement", "municipality", "period", "rendered_at", "pdf_link"]
    list_filter = [SettlementPeriodListFilter]
    list_select_related = ["settlement__municipality"]
    search_fields = ["settlement__municipality__name", "settlement__municipality__cbs_code"]
    fields = ["settlement", "fingerprint", "rendered_at", "pdf_link"]
    readonly_fields = fields

    @admin.display(description=_("municipality"), ordering="settlement__municipality__name")
    def municipality(self, obj):
        return obj.settlement.municipality

    @admin.display(description=_("half-year"))
    def period(self, obj):
        return obj.settlement.period

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        url = reverse("admin:settlements_settlementstatement_pdf", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    @admin_view("<int:pk>/pdf/", name="pdf")
    def pdf_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        statement = get_object_or_404(
            SettlementStatement.objects.select_related("settlement__municipality"), pk=pk
        )
        try:
            handle = statement.pdf.open("rb")
        except FileNotFoundError as error:
            raise Http404(_("The stored PDF file is missing.")) from error
        return FileResponse(
            handle,
            as_attachment=True,
            filename=statement.pdf.name.rsplit("/", 1)[-1],
            content_type="application/pdf",
        )


# --- Payment instructions --------------------------------------------------------------------


class InFileListFilter(admin.SimpleListFilter):
    title = _("in a transfer file")
    parameter_name = "in_file"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No, not yet"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(transfer_file__isnull=False)
        if self.value() == "no":
            return queryset.filter(transfer_file__isnull=True)
        return queryset


@admin.register(SettlementPayment)
class SettlementPaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "settlement",
        "payee",
        "name",
        "iban",
        "amount",
        "end_to_end",
        "in_file",
        "created_at",
    ]
    list_filter = [SettlementPeriodListFilter, "payee", InFileListFilter]
    list_select_related = ["settlement__municipality", "transfer_file"]
    search_fields = [
        "name",
        "iban",
        "settlement__municipality__name",
        "settlement__municipality__cbs_code",
    ]
    fields = [
        "settlement",
        "payee",
        "name",
        "iban",
        "amount",
        "end_to_end",
        "transfer_file",
        "created_at",
    ]
    readonly_fields = fields
    change_list_template = "admin/settlements/settlementpayment/change_list.html"

    @admin.display(description=_("end-to-end id"))
    def end_to_end(self, obj):
        return end_to_end_id(obj)

    @admin.display(description=_("in transfer file"), ordering="transfer_file")
    def in_file(self, obj):
        if obj.transfer_file is None:
            return _("not yet")
        url = reverse(
            "admin:settlements_settlementtransferfile_change", args=[obj.transfer_file_id]
        )
        return format_html('<a href="{}">{}</a>', url, obj.transfer_file)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_make_file": _may_make_file(request),
        }
        return super().changelist_view(request, extra_context)


# --- Transfer files --------------------------------------------------------------------------


class TransferFilePaymentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = SettlementPayment
    fields = ["settlement", "payee", "name", "iban", "amount", "end_to_end"]
    readonly_fields = fields
    verbose_name_plural = _("payments in this file")

    @admin.display(description=_("end-to-end id"))
    def end_to_end(self, obj):
        return end_to_end_id(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("settlement__municipality")


def _may_make_file(request) -> bool:
    return is_back_office(request.user) and request.user.has_perm(
        "settlements.add_settlementtransferfile"
    )


class TransferFileMakeForm(forms.Form):
    """The half-year is chosen from those with an approved settlement (never typed)."""

    period = PeriodChoiceField(
        label=_("Half-year"),
        help_text=_("The half-years with an approved settlement, latest first."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        approved = Settlement.objects.filter(status=Settlement.Status.APPROVED)
        self.fields["period"].periods = settlement_periods(approved) or [_default_period()]


def _default_period() -> Period:
    """The latest half-year with an approved settlement, else the one before today's."""
    latest = (
        Settlement.objects.filter(status=Settlement.Status.APPROVED)
        .order_by("-year", "-half")
        .values_list("year", "half")
        .first()
    )
    return Period(*latest) if latest else Period.containing(timezone.localdate()).previous


@admin.register(SettlementTransferFile)
class SettlementTransferFileAdmin(
    YearDisplayMixin, ReadOnlyAdminMixin, AdminViewsMixin, admin.ModelAdmin
):
    list_display = [
        "__str__",
        "message_id",
        "payment_count",
        "total",
        "created_by",
        "created_at",
        "xml_link",
    ]
    list_filter = [PeriodListFilter]
    list_select_related = ["created_by"]
    search_fields = ["message_id"]
    fields = [
        "year_display",
        "half",
        "sequence",
        "message_id",
        "payment_count",
        "total",
        "created_by",
        "created_at",
        "xml_link",
    ]
    readonly_fields = fields
    inlines = [TransferFilePaymentInline]
    change_list_template = "admin/settlements/settlementtransferfile/change_list.html"

    @admin.display(description=_("SEPA file"))
    def xml_link(self, obj):
        url = reverse("admin:settlements_settlementtransferfile_xml", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download XML"))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_make_file": _may_make_file(request)}
        return super().changelist_view(request, extra_context)

    @admin_view("<int:pk>/xml/", name="xml")
    def xml_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        transfer_file = get_object_or_404(SettlementTransferFile, pk=pk)
        file_name = (
            f"afrekening-{transfer_file.year}-H{transfer_file.half}-{transfer_file.sequence}.xml"
        )
        response = HttpResponse(transfer_file.xml, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, file_name)
        return response

    def _period_summary(self, period: Period) -> dict:
        approved = Settlement.objects.filter(
            year=period.year, half=period.half, status=Settlement.Status.APPROVED
        )
        pending = SettlementPayment.objects.filter(
            settlement__in=approved, transfer_file__isnull=True
        ).aggregate(count=Count("pk"), total=Sum("amount"))
        owing = approved.filter(result__lt=0).aggregate(count=Count("pk"), total=Sum("result"))
        return {
            "period": period,
            "approved_count": approved.count(),
            "not_approved_count": Settlement.objects.filter(year=period.year, half=period.half)
            .filter(~Q(status=Settlement.Status.APPROVED))
            .count(),
            "pending": pending,
            "owing_count": owing["count"],
            "owing_total": -owing["total"] if owing["total"] else None,
            "waiting": settlement_payments_waiting(period=period),
            "files": SettlementTransferFile.objects.filter(
                year=period.year, half=period.half
            ).order_by("sequence"),
        }

    @admin_view("make/", name="make")
    def make_view(self, request):
        if not _may_make_file(request):
            raise PermissionDenied
        if request.method == "POST":
            form = TransferFileMakeForm(request.POST)
            if form.is_valid():
                period = form.cleaned_data["period"]
                try:
                    transfer_file = settlement_transfer_file_make(period=period, actor=request.user)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    if transfer_file is None:
                        self.message_user(
                            request,
                            _(
                                "Nothing new to pay for %(period)s: every payment instruction "
                                "is in a transfer file already. No file was made."
                            )
                            % {"period": period},
                            messages.WARNING,
                        )
                        url = reverse("admin:settlements_settlementtransferfile_make")
                        return HttpResponseRedirect(f"{url}?period={period}")
                    self.message_user(
                        request,
                        _(
                            "Transfer file %(file)s is made: %(count)d payments, %(total)s in "
                            "total. Download it and hand it to the bank."
                        )
                        % {
                            "file": transfer_file,
                            "count": transfer_file.payment_count,
                            "total": amount(transfer_file.total),
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse(
                            "admin:settlements_settlementtransferfile_change",
                            args=[transfer_file.pk],
                        )
                    )
        else:
            form = TransferFileMakeForm(
                initial={"period": request.GET.get("period") or str(_default_period())}
            )
        period = None
        if form.is_bound and form.is_valid():
            period = form.cleaned_data["period"]
        elif not form.is_bound:
            try:
                period = Period.parse(form.initial["period"])
            except ValueError:
                period = None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Make the transfer file"),
            "opts": self.model._meta,
            "form": form,
            "summary": self._period_summary(period) if period else None,
        }
        return TemplateResponse(request, MAKE_TEMPLATE, context)
