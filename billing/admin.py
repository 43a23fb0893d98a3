"""The back office for billing: invoice runs, invoices and credit notes.

Everything here is read-only except through services: a run is started with a small form
(month and invoice date), a credit note is made with another (reason, date, lines), a draft
is deleted through `invoice_draft_delete`. An issued invoice or credit note cannot be changed
or deleted here (nor in the database: see migration 0002).
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceRun
from billing.services import (
    credit_note_create,
    credit_note_preview,
    invoice_draft_delete,
    invoice_run_start,
)
from core.admin import AdminViewsMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin, admin_view
from core.templatetags.portal import euro, number

# --- Forms ---------------------------------------------------------------------------------


class MonthField(forms.CharField):
    """A month as `YYYY-MM`, cleaned to its first day."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("help_text", _("As YYYY-MM, e.g. 2026-05."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return datetime.datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            raise ValidationError(_("Give the month as YYYY-MM, e.g. 2026-05.")) from None


def _previous_month(today: datetime.date) -> str:
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{last_month:%Y-%m}"


class InvoiceRunStartForm(forms.Form):
    month = MonthField(label=_("Month"))
    invoice_date = forms.DateField(
        label=_("Invoice date"),
        help_text=_("The date on the invoices; it decides their half-year settlement."),
    )


class CreditNoteForm(forms.Form):
    """What to credit, chosen explicitly: the whole invoice or the lines ticked. The page
    shows the amount before the credit note is issued (a second, confirming post)."""

    WHOLE = "whole"
    LINES = "lines"

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    credit_date = forms.DateField(label=_("Credit note date"))
    scope = forms.ChoiceField(
        label=_("Credit"),
        choices=[
            (WHOLE, _("The whole invoice (everything not credited yet)")),
            (LINES, _("Only the lines ticked below")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the whole invoice or the lines ticked.")},
    )
    lines = forms.ModelMultipleChoiceField(
        label=_("Lines to credit"),
        queryset=InvoiceLine.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, invoice: Invoice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].queryset = invoice.lines.order_by("candidate_name", "pk")
        self.fields["lines"].label_from_instance = lambda line: (
            f"{line.candidate_name} · {number(line.hours)} × {euro(line.rate)}"
            f" = {euro(line.amount)}"
        )

    def clean(self):
        cleaned = super().clean()
        scope, lines = cleaned.get("scope"), cleaned.get("lines")
        if scope == self.LINES and not lines:
            self.add_error("lines", _("Tick the lines to credit."))
        if scope == self.WHOLE and lines:
            self.add_error(
                "lines",
                _("You chose the whole invoice: untick the lines, or choose the lines ticked."),
            )
        return cleaned

    @property
    def chosen_lines(self):
        return self.cleaned_data["lines"] if self.cleaned_data["scope"] == self.LINES else None


def _service_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- Invoice runs --------------------------------------------------------------------------


@admin.register(InvoiceRun)
class InvoiceRunAdmin(ReadOnlyAdminMixin, AdminViewsMixin, admin.ModelAdmin):
    """Read-only: a run is started through "Run invoices for a month"."""

    list_display = [
        "month_display",
        "invoice_date",
        "status",
        "progress",
        "pdf_progress",
        "started_by",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "month"]
    readonly_fields = [
        "month",
        "invoice_date",
        "status",
        "progress",
        "pdf_progress",
        "error",
        "started_by",
        "created_at",
        "started_at",
        "progress_at",
        "finished_at",
    ]
    fields = readonly_fields
    list_select_related = ["started_by"]
    actions = ["run_again"]
    change_list_template = "admin/billing/invoicerun/change_list.html"
    change_form_template = "admin/billing/invoicerun/change_form.html"
    # The pages refresh themselves while a run is active, and for a while after one finished
    # while its PDFs are still being rendered by the workers (a failed render never ends).
    refresh_seconds = 5
    refresh_pdfs_for = datetime.timedelta(minutes=15)

    def has_start_permission(self, request) -> bool:
        return request.user.has_perm("billing.add_invoicerun")

    @admin.display(description=_("month"), ordering="month")
    def month_display(self, obj):
        return f"{obj.month:%Y-%m}"

    def get_queryset(self, request):
        issued = Q(invoices__status=Invoice.Status.ISSUED)
        return (
            super()
            .get_queryset(request)
            .annotate(
                pdfs_total=Count("invoices", filter=issued),
                pdfs_done=Count(
                    "invoices", filter=issued & Q(invoices__pdf_rendered_at__isnull=False)
                ),
            )
        )

    @admin.display(description=_("clients invoiced"))
    def progress(self, obj):
        return format_html(
            '<span style="white-space: nowrap"><progress max="100" value="{}"></progress> '
            "{} / {}</span>",
            obj.progress_percentage,
            obj.clients_done,
            obj.clients_total,
        )

    @admin.display(description=_("PDFs rendered"))
    def pdf_progress(self, obj):
        done, total = obj.pdfs_done, obj.pdfs_total
        return format_html(
            '<span style="white-space: nowrap"><progress max="100" value="{}"></progress> '
            "{} / {}</span>",
            100 if not total else done * 100 // total,
            done,
            total,
        )

    def _should_refresh(self, runs) -> bool:
        """A run is active, or one finished recently and its PDFs are still outstanding."""
        recent = timezone.now() - self.refresh_pdfs_for
        for run in runs:
            if run.is_active:
                return True
            if run.finished_at and run.finished_at >= recent and run.pdfs_done < run.pdfs_total:
                return True
        return False

    def changelist_view(self, request, extra_context=None):
        recent = timezone.now() - self.refresh_pdfs_for
        candidates = self.get_queryset(request).filter(
            Q(status__in=[InvoiceRun.Status.PENDING, InvoiceRun.Status.RUNNING])
            | Q(finished_at__gte=recent)
        )
        extra_context = {
            **(extra_context or {}),
            "may_start": self.has_start_permission(request),
            "refresh_seconds": self.refresh_seconds if self._should_refresh(candidates) else None,
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "refresh_seconds": (
                self.refresh_seconds if run is not None and self._should_refresh([run]) else None
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin_view("start/", name="start")
    def start_view(self, request):
        if not self.has_start_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        if request.method == "POST":
            form = InvoiceRunStartForm(request.POST)
            if form.is_valid():
                try:
                    run = invoice_run_start(
                        month=form.cleaned_data["month"],
                        invoice_date=form.cleaned_data["invoice_date"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    _service_errors(form, error)
                else:
                    self.message_user(
                        request,
                        _("%(run)s is under way; this page shows its progress.") % {"run": run},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:billing_invoicerun_changelist"))
        else:
            form = InvoiceRunStartForm(
                initial={"month": _previous_month(today), "invoice_date": today}
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Run invoices for a month"),
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "admin/billing/invoicerun/start.html", context)

    @admin.action(description=_("Run the selected months again (remaining clients)"))
    def run_again(self, request, queryset):
        if not self.has_start_permission(request):
            raise PermissionDenied
        started = 0
        for run in queryset:
            try:
                invoice_run_start(
                    month=run.month, invoice_date=run.invoice_date, actor=request.user
                )
                started += 1
            except ValidationError as error:
                self.message_user(request, f"{run}: {' '.join(error.messages)}", messages.ERROR)
        if started:
            self.message_user(
                request,
                ngettext("%d run started.", "%d runs started.", started) % started,
                messages.SUCCESS,
            )


# --- Invoices ------------------------------------------------------------------------------


class InvoiceLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = InvoiceLine
    fields = [
        "candidate_name",
        "candidate_client_number",
        "municipality",
        "hours",
        "rate",
        "amount",
    ]
    readonly_fields = fields


class MonthListFilter(admin.SimpleListFilter):
    title = _("month")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        months = (
            Invoice.objects.order_by("-period").values_list("period", flat=True).distinct()[:36]
        )
        return [(f"{m:%Y-%m-%d}", f"{m:%Y-%m}") for m in months]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(period=self.value())
        return queryset


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, AdminViewsMixin, admin.ModelAdmin):
    """Read-only: invoices come from the monthly run. A draft may be deleted (its hours go
    back to approved); an issued invoice is credited, never changed. Filter on one client by
    clicking its name (the client list is too long for the sidebar)."""

    list_display = [
        "number",
        "client_link",
        "period_display",
        "invoice_date",
        "due_date",
        "status",
        "subtotal",
        "vat_amount",
        "total",
    ]
    list_filter = ["status", MonthListFilter, "invoice_date"]
    search_fields = ["number", "payment_reference", "client__name", "client__kvk_number"]
    list_select_related = ["client"]
    date_hierarchy = "invoice_date"
    inlines = [InvoiceLineInline]
    readonly_fields = [
        "number",
        "status",
        "client",
        "run",
        "period",
        "invoice_date",
        "due_date",
        "payment_reference",
        "vat_percentage",
        "subtotal",
        "vat_amount",
        "total",
        "client_name",
        "client_address",
        "client_kvk_number",
        "client_vat_number",
        "issued_at",
        "issued_by",
        "pdf",
        "pdf_rendered_at",
        "created_at",
    ]
    fields = readonly_fields
    change_form_template = "admin/billing/invoice/change_form.html"

    # Issued: never changes; drafts: nothing to type in, but a draft may be deleted.
    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_issued:
            return False
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_model(self, request, obj):
        invoice_draft_delete(invoice=obj, actor=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a draft is deleted from its own page
        return actions

    @admin.display(description=_("client"), ordering="client__name")
    def client_link(self, obj):
        url = reverse("admin:billing_invoice_changelist") + f"?client__id__exact={obj.client_id}"
        return format_html('<a href="{}">{}</a>', url, obj.client_name or obj.client.name)

    @admin.display(description=_("month"), ordering="period")
    def period_display(self, obj):
        return f"{obj.period:%Y-%m}"

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "client__id__exact" or super().lookup_allowed(lookup, value, request)

    def has_credit_permission(self, request) -> bool:
        return request.user.has_perm("billing.add_creditnote")

    def render_change_form(self, request, context, *args, **kwargs):
        context["may_credit"] = self.has_credit_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)

    @admin_view("<int:pk>/credit/", name="credit")
    def credit_view(self, request, pk: int):
        if not self.has_credit_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=pk, status=Invoice.Status.ISSUED)
        preview = None
        if request.method == "POST":
            form = CreditNoteForm(request.POST, invoice=invoice)
            confirmed = "confirm" in request.POST and "edit" not in request.POST
            if form.is_valid():
                arguments = {
                    "invoice": invoice,
                    "actor": request.user,
                    "reason": form.cleaned_data["reason"],
                    "credit_date": form.cleaned_data["credit_date"],
                    "lines": form.chosen_lines,
                }
                try:
                    if confirmed:
                        note = credit_note_create(**arguments)
                    elif "edit" not in request.POST:
                        preview = credit_note_preview(**arguments)
                except ValidationError as error:
                    _service_errors(form, error)
                    preview = None
                if confirmed and not form.errors:
                    self.message_user(
                        request, _("%(note)s issued.") % {"note": note}, messages.SUCCESS
                    )
                    return HttpResponseRedirect(
                        reverse("admin:billing_creditnote_change", args=[note.pk])
                    )
        else:
            form = CreditNoteForm(invoice=invoice, initial={"credit_date": timezone.localdate()})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Credit invoice %(number)s") % {"number": invoice.number},
            "opts": self.model._meta,
            "original": invoice,
            "form": form,
            "preview": preview,
        }
        return TemplateResponse(request, "admin/billing/invoice/credit.html", context)


# --- Credit notes --------------------------------------------------------------------------


class CreditNoteLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = CreditNoteLine
    fields = ["candidate_name", "municipality", "hours", "rate", "amount"]
    readonly_fields = fields


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a credit note is made from its invoice's page ("Credit this invoice")."""

    list_display = [
        "number",
        "invoice",
        "client_name",
        "credit_date",
        "is_full",
        "subtotal",
        "vat_amount",
        "total",
    ]
    list_filter = ["is_full", "credit_date"]
    search_fields = ["number", "invoice__number", "invoice__client__name", "reason"]
    list_select_related = ["invoice__client"]
    date_hierarchy = "credit_date"
    inlines = [CreditNoteLineInline]
    readonly_fields = [
        "number",
        "status",
        "invoice",
        "credit_date",
        "reason",
        "is_full",
        "vat_percentage",
        "subtotal",
        "vat_amount",
        "total",
        "issued_at",
        "issued_by",
        "pdf",
        "pdf_rendered_at",
    ]
    fields = readonly_fields

    @admin.display(description=_("client"), ordering="invoice__client__name")
    def client_name(self, obj):
        return obj.invoice.client_name


from billing import admin_payments  # noqa: E402, F401 - payments, bank statements, receivables
