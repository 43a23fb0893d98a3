"""The back office for payments: import a bank statement, the queue of lines to match (match
to invoices or take off the queue), record a payment by hand, and receivables (open, partly
paid, paid, overdue; the overdue list is its default filter). Everything goes through
billing.services.payments; payments and statements are never changed or deleted here.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceReminder,
    Payment,
    PaymentAllocation,
    Receivable,
)
from billing.selectors_payments import PaymentStatus, invoices_with_payment_status
from billing.services.payments import (
    bank_statement_import,
    bank_statement_line_allocate,
    bank_statement_line_ignore,
    payment_record_manual,
)
from core.admin import AdminViewsMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin, admin_view


class InvoicesField(forms.CharField):
    """Invoice numbers or payment references, separated by spaces, commas or new lines."""

    widget = forms.Textarea(attrs={"rows": 2})

    def clean(self, value):
        value = super().clean(value)
        tokens = [t for t in re.split(r"[\s,;]+", value or "") if t]
        if not tokens:
            raise ValidationError(_("Give at least one invoice number."))
        invoices = list(
            Invoice.objects.filter(status=Invoice.Status.ISSUED).filter(number__in=tokens)
            | Invoice.objects.filter(status=Invoice.Status.ISSUED, payment_reference__in=tokens)
        )
        found = {i.number for i in invoices} | {i.payment_reference for i in invoices}
        unknown = [t for t in tokens if t not in found]
        if unknown:
            raise ValidationError(
                _("No issued invoice has number or reference %(tokens)s.")
                % {"tokens": ", ".join(unknown)}
            )
        return invoices


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("camt.053 file (XML)"))


class ManualPaymentForm(forms.Form):
    invoices = InvoicesField(label=_("Invoices"), help_text=_("Numbers or payment references."))
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0)
    payment_date = forms.DateField(label=_("Payment date"))
    payer = forms.CharField(label=_("Paid by"), required=False, max_length=140)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))


class AllocateForm(forms.Form):
    invoices = InvoicesField(label=_("Invoices"), help_text=_("Numbers or payment references."))


class IgnoreForm(forms.Form):
    note = forms.CharField(label=_("Why this is no client payment"), max_length=500)


def _errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class _ReadOnly(ReadOnlyAdminMixin, AdminViewsMixin, admin.ModelAdmin):
    def _form_page(
        self, request, *, title, form, template="admin/billing/payments/form.html", **extra
    ):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            **extra,
        }
        return TemplateResponse(request, template, context)


class BankStatementLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = BankStatementLine
    fields = [
        "booking_date",
        "amount",
        "is_credit",
        "counterparty_name",
        "remittance_information",
        "structured_reference",
        "status",
    ]
    readonly_fields = fields
    show_change_link = True


@admin.register(BankStatement)
class BankStatementAdmin(_ReadOnly):
    list_display = [
        "statement_id",
        "account_iban",
        "from_date",
        "closing_balance",
        "imported_at",
        "imported_by",
    ]
    search_fields = ["statement_id", "file_name"]
    readonly_fields = [f.name for f in BankStatement._meta.fields if f.name != "id"]
    inlines = [BankStatementLineInline]
    change_list_template = "admin/billing/payments/statement_change_list.html"

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("billing.add_bankstatement")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    @admin_view("import/", name="import")
    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                results = bank_statement_import(
                    data=upload.read(), actor=request.user, file_name=upload.name
                )
            except ValidationError as error:
                _errors(form, error)
            else:
                for result in results:
                    if result.created:
                        self.message_user(
                            request,
                            _(
                                "%(statement)s: %(matched)d matched, %(queued)d to be matched, %(ignored)d not client payments."
                            )
                            % {
                                "statement": result.statement,
                                "matched": result.matched,
                                "queued": result.queued,
                                "ignored": result.ignored,
                            },
                            messages.SUCCESS,
                        )
                    else:
                        self.message_user(
                            request,
                            _("%(statement)s was imported before: nothing changed.")
                            % {"statement": result.statement},
                            messages.WARNING,
                        )
                return HttpResponseRedirect(
                    reverse("admin:billing_bankstatementline_changelist") + "?status=unmatched"
                )
        return self._form_page(
            request, title=_("Import a bank statement (camt.053)"), form=form, multipart=True
        )


class LineStatusFilter(admin.SimpleListFilter):
    """The queue opens on the lines still to be matched; "all" shows every line."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*BankStatementLine.Status.choices, (self.ALL, _("All"))]

    def _current(self) -> str:
        return self.value() or BankStatementLine.Status.UNMATCHED

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self._current() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self._current() == self.ALL:
            return queryset
        return queryset.filter(status=self._current())


@admin.register(BankStatementLine)
class BankStatementLineAdmin(_ReadOnly):
    """The queue: lines to be matched (status filter), each matched or taken off by hand."""

    list_display = [
        "booking_date",
        "amount_signed",
        "counterparty_name",
        "remittance_short",
        "structured_reference",
        "status",
        "note",
        "handle",
    ]
    list_filter = [LineStatusFilter, "is_credit", "booking_date"]
    search_fields = [
        "counterparty_name",
        "remittance_information",
        "structured_reference",
        "reference",
    ]
    list_select_related = ["statement"]
    readonly_fields = [f.name for f in BankStatementLine._meta.fields if f.name != "id"]

    @admin.display(description=_("remittance information"))
    def remittance_short(self, obj):
        """Long remittance texts pushed the actions off the screen: the first 60 characters,
        the whole text on hover and on the line's page."""
        text = obj.remittance_information or ""
        if len(text) <= 60:
            return text
        return format_html('<span title="{}">{}…</span>', text, text[:60])

    @admin.display(description=_("amount"), ordering="amount")
    def amount_signed(self, obj):
        return obj.amount if obj.is_credit else -obj.amount

    @admin.display(description="")
    def handle(self, obj):
        if obj.status != BankStatementLine.Status.UNMATCHED:
            return ""
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:billing_bankstatementline_allocate", args=[obj.pk]),
            _("match"),
            reverse("admin:billing_bankstatementline_ignore", args=[obj.pk]),
            _("no client payment"),
        )

    def _may_handle(self, request) -> bool:
        return request.user.has_perm("billing.add_payment")

    def _handle(self, request, pk, *, form_class, service, title):
        if not self._may_handle(request):
            raise PermissionDenied
        line = get_object_or_404(BankStatementLine, pk=pk)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                service(line=line, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _errors(form, error)
            else:
                self.message_user(request, _("Done."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:billing_bankstatementline_changelist") + "?status=unmatched"
                )
        return self._form_page(request, title=title, form=form, line=line)

    @admin_view("<int:pk>/allocate/", name="allocate")
    def allocate_view(self, request, pk: int):
        return self._handle(
            request,
            pk,
            form_class=AllocateForm,
            service=bank_statement_line_allocate,
            title=_("Match a bank statement line to invoices"),
        )

    @admin_view("<int:pk>/ignore/", name="ignore")
    def ignore_view(self, request, pk: int):
        return self._handle(
            request,
            pk,
            form_class=IgnoreForm,
            service=bank_statement_line_ignore,
            title=_("Not a client payment"),
        )


class PaymentAllocationInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = PaymentAllocation
    fields = ["invoice", "amount"]
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(_ReadOnly):
    list_display = ["payment_date", "amount", "payer", "source", "invoice_numbers", "recorded_by"]
    list_filter = ["source", "payment_date"]
    search_fields = ["payer", "allocations__invoice__number", "note"]
    readonly_fields = [
        "amount",
        "payment_date",
        "source",
        "statement_line",
        "payer",
        "note",
        "recorded_by",
        "created_at",
    ]
    fields = readonly_fields
    inlines = [PaymentAllocationInline]
    change_list_template = "admin/billing/payments/payment_change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("allocations__invoice")

    @admin.display(description=_("invoices"))
    def invoice_numbers(self, obj):
        return ", ".join(a.invoice.number for a in obj.allocations.all())

    def has_record_permission(self, request) -> bool:
        return request.user.has_perm("billing.add_payment")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_record": self.has_record_permission(request)}
        return super().changelist_view(request, extra_context)

    @admin_view("record/", name="record")
    def record_view(self, request):
        if not self.has_record_permission(request):
            raise PermissionDenied
        form = ManualPaymentForm(
            request.POST or None, initial={"payment_date": timezone.localdate()}
        )
        if request.method == "POST" and form.is_valid():
            try:
                payment = payment_record_manual(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _errors(form, error)
            else:
                self.message_user(
                    request, _("Payment recorded: %(p)s.") % {"p": payment}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:billing_payment_changelist"))
        return self._form_page(request, title=_("Record a payment"), form=form)


class PaymentStatusFilter(admin.SimpleListFilter):
    title = _("payment status")
    parameter_name = "payment_status"

    def lookups(self, request, model_admin):
        return PaymentStatus.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(payment_status=self.value())
        return queryset


@admin.register(Receivable)
class ReceivableAdmin(_ReadOnly):
    """Issued invoices with what is paid and open; the overdue list is a filter away."""

    list_display = [
        "number",
        "client_name",
        "invoice_date",
        "due_date",
        "total",
        "amount_credited",
        "amount_paid",
        "amount_open",
        "status_display",
        "reminded",
    ]
    list_filter = [PaymentStatusFilter, "invoice_date"]
    search_fields = ["number", "payment_reference", "client_name"]
    readonly_fields = [
        "number",
        "client_name",
        "invoice_date",
        "due_date",
        "total",
        "payment_reference",
    ]
    fields = readonly_fields
    date_hierarchy = "due_date"

    def get_queryset(self, request):
        return invoices_with_payment_status(Receivable.objects.all()).prefetch_related("reminders")

    @admin.display(description=_("credited"), ordering="amount_credited")
    def amount_credited(self, obj):
        return obj.amount_credited

    @admin.display(description=_("paid"), ordering="amount_paid")
    def amount_paid(self, obj):
        return obj.amount_paid

    @admin.display(description=_("open"), ordering="amount_open")
    def amount_open(self, obj):
        return obj.amount_open

    @admin.display(description=_("payment status"), ordering="payment_status")
    def status_display(self, obj):
        return PaymentStatus.labels.get(obj.payment_status, obj.payment_status)

    @admin.display(description=_("reminded"))
    def reminded(self, obj):
        sent = [r for r in obj.reminders.all() if r.sent_at]
        return timezone.localdate(sent[0].sent_at) if sent else ""


@admin.register(InvoiceReminder)
class InvoiceReminderAdmin(_ReadOnly):
    list_display = ["invoice", "level", "amount_open", "recipient", "created_at", "sent_at"]
    list_select_related = ["invoice"]
    search_fields = ["invoice__number", "recipient"]
    readonly_fields = ["invoice", "level", "amount_open", "recipient", "created_at", "sent_at"]
    fields = readonly_fields
