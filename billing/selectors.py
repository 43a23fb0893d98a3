"""Reads for billing, already scoped to the user.

Back office and treasurer see every invoice, credit note and run. A coordinator sees the
invoice lines tagged with their own municipalities only (an invoice may carry candidates of
several municipalities); the invoices and credit notes they may open are those with such a
line, and what they show of them must come from `invoice_line_list_for_user`. Anyone else
sees nothing. The `*_get_*` functions raise Http404 outside the scope.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceRun


def _sees_all(user) -> bool:
    return user.is_authenticated and (is_back_office(user) or is_treasurer(user))


def _coordinates(user) -> bool:
    return user.is_authenticated and is_coordinator(user)


def invoice_line_list_for_user(*, user) -> QuerySet[InvoiceLine]:
    qs = InvoiceLine.objects.select_related("invoice", "municipality")
    if _sees_all(user):
        return qs
    if _coordinates(user):
        return qs.filter(municipality__coordinators=user)
    return qs.none()


def credit_note_line_list_for_user(*, user) -> QuerySet[CreditNoteLine]:
    qs = CreditNoteLine.objects.select_related("credit_note__invoice", "municipality")
    if _sees_all(user):
        return qs
    if _coordinates(user):
        return qs.filter(municipality__coordinators=user)
    return qs.none()


def invoice_list_for_user(*, user) -> QuerySet[Invoice]:
    """Issued invoices (and drafts for the back office)."""
    qs = Invoice.objects.select_related("client")
    if user.is_authenticated and is_back_office(user):
        return qs
    qs = qs.filter(status=Invoice.Status.ISSUED)
    if _sees_all(user):
        return qs
    if _coordinates(user):
        return qs.filter(
            pk__in=InvoiceLine.objects.filter(municipality__coordinators=user).values("invoice_id")
        )
    return qs.none()


def invoice_get_for_user(*, user, pk: int) -> Invoice:
    return get_object_or_404(invoice_list_for_user(user=user), pk=pk)


def credit_note_list_for_user(*, user) -> QuerySet[CreditNote]:
    qs = CreditNote.objects.select_related("invoice__client").filter(
        status=CreditNote.Status.ISSUED
    )
    if _sees_all(user):
        return qs
    if _coordinates(user):
        return qs.filter(
            pk__in=CreditNoteLine.objects.filter(municipality__coordinators=user).values(
                "credit_note_id"
            )
        )
    return qs.none()


def credit_note_get_for_user(*, user, pk: int) -> CreditNote:
    return get_object_or_404(credit_note_list_for_user(user=user), pk=pk)


def invoice_run_list_for_user(*, user) -> QuerySet[InvoiceRun]:
    """Runs are the back office's business."""
    if user.is_authenticated and is_back_office(user):
        return InvoiceRun.objects.all()
    return InvoiceRun.objects.none()
