"""An issued invoice or credit note never changes: the services refuse, the admin is
read-only, and the database triggers refuse even raw SQL."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import CreditNote, Invoice, InvoiceLine, InvoiceLineEntry
from billing.services import credit_note_create, invoice_draft_delete, invoice_finalise
from placements.models import TimeEntry
from tests.billing.factories import APRIL_2, draft_invoice, issued_invoice
from tests.database_roles import owner_cursor

pytestmark = pytest.mark.django_db


def _sql(statement: str, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def _refused(statement: str, params=()):
    with pytest.raises(IntegrityError):
        _sql(statement, params)


# --- Services -------------------------------------------------------------------------------


def test_the_services_refuse_an_issued_invoice(framework):
    invoice = issued_invoice()
    with pytest.raises(ValidationError):
        invoice_finalise(invoice=invoice, actor=None, invoice_date=APRIL_2)
    with pytest.raises(ValidationError):
        invoice_draft_delete(invoice=invoice, actor=None)
    assert Invoice.objects.filter(pk=invoice.pk, status="issued").exists()


def test_a_draft_is_deleted_and_its_hours_released(framework):
    draft = draft_invoice(hours=("8.00", "2.00"))
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {"invoiced"}
    invoice_draft_delete(invoice=draft, actor=None)
    assert not Invoice.objects.exists()
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {"approved"}


# --- Triggers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "assignment",
    [
        "total = total + 1",
        "subtotal = subtotal + 1, total = total + 1",
        "number = '2026-999999'",
        "status = 'draft', number = NULL",
        "invoice_date = invoice_date + 1",
        "vat_percentage = 9",
        "client_name = 'Someone else'",
        "payment_reference = 'RF00'",
    ],
)
def test_the_database_refuses_to_update_an_issued_invoice(framework, assignment):
    invoice = issued_invoice()
    _refused(f"UPDATE billing_invoice SET {assignment} WHERE id = %s", [invoice.pk])  # noqa: S608


def test_the_database_refuses_to_delete_an_issued_invoice_or_its_lines(framework):
    invoice = issued_invoice()
    line = invoice.lines.get()
    _refused("DELETE FROM billing_invoicelineentry WHERE line_id = %s", [line.pk])
    _refused("DELETE FROM billing_invoiceline WHERE id = %s", [line.pk])
    _refused("DELETE FROM billing_invoice WHERE id = %s", [invoice.pk])
    _refused("UPDATE billing_invoiceline SET candidate_name = 'X' WHERE id = %s", [line.pk])
    _refused(
        "INSERT INTO billing_invoiceline (invoice_id, assignment_id, municipality_id,"
        " candidate_name, candidate_client_number, description, hours, rate, amount)"
        " SELECT invoice_id, assignment_id, municipality_id, candidate_name,"
        " candidate_client_number, description, 1, 1, 1 FROM billing_invoiceline WHERE id = %s",
        [line.pk],
    )
    entry = TimeEntry.objects.filter(invoice_link__line=line).first()
    _refused(
        "UPDATE billing_invoicelineentry SET line_id = line_id WHERE time_entry_id = %s",
        [entry.pk],
    )
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 1
    assert InvoiceLineEntry.objects.filter(line=line).exists()


def test_columns_outside_the_money_stay_writable_and_the_pdf_is_stored_once(framework):
    invoice = issued_invoice()
    _sql("UPDATE billing_invoice SET updated_at = now() WHERE id = %s", [invoice.pk])
    Invoice.objects.filter(pk=invoice.pk).update(
        pdf="invoices/2026/2026-000001.pdf", pdf_rendered_at=timezone.now()
    )
    _refused("UPDATE billing_invoice SET pdf = 'other.pdf' WHERE id = %s", [invoice.pk])


def test_a_draft_stays_free_to_change(framework):
    draft = draft_invoice()
    _sql("UPDATE billing_invoice SET subtotal = subtotal WHERE id = %s", [draft.pk])
    _sql("UPDATE billing_invoiceline SET description = 'x' WHERE invoice_id = %s", [draft.pk])


def test_the_database_refuses_to_change_or_delete_a_credit_note(framework):
    invoice = issued_invoice()
    note = credit_note_create(
        invoice=invoice, actor=None, reason="Wrong", credit_date=datetime.date(2026, 4, 3)
    )
    _refused("UPDATE billing_creditnote SET total = total + 1 WHERE id = %s", [note.pk])
    _refused("UPDATE billing_creditnote SET reason = 'other' WHERE id = %s", [note.pk])
    for delete in (
        "DELETE FROM billing_creditnote WHERE id = %s",
        "DELETE FROM billing_creditnoteline WHERE credit_note_id = %s",
        "DELETE FROM billing_creditnotelineentry WHERE line_id IN"
        " (SELECT id FROM billing_creditnoteline WHERE credit_note_id = %s)",
    ):
        # The portal may not delete from them at all; the trigger refuses the owner too.
        with pytest.raises(ProgrammingError, match="permission denied"):
            _sql(delete, [note.pk])
        with pytest.raises(IntegrityError), owner_cursor() as cursor:
            cursor.execute(delete, [note.pk])
    assert CreditNote.objects.filter(pk=note.pk, status="issued").exists()


# --- Admin ----------------------------------------------------------------------------------


def test_the_admin_shows_an_issued_invoice_read_only(framework, back_office_client):
    invoice = issued_invoice()
    url = reverse("admin:billing_invoice_change", args=[invoice.pk])
    page = back_office_client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert invoice.number in content
    assert 'name="_save"' not in content
    with translation.override("nl"):  # the page is rendered in Dutch
        assert translation.gettext("Credit this invoice") in content
    assert back_office_client.post(url, {"client_name": "X"}).status_code == 403
    delete_url = reverse("admin:billing_invoice_delete", args=[invoice.pk])
    assert back_office_client.get(delete_url).status_code == 403
    assert back_office_client.post(delete_url, {"post": "yes"}).status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == "issued"
    assert back_office_client.get(reverse("admin:billing_invoice_add")).status_code == 403


def test_the_admin_deletes_a_draft_through_the_service(framework, back_office_client):
    draft = draft_invoice()
    url = reverse("admin:billing_invoice_delete", args=[draft.pk])
    response = back_office_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Invoice.objects.exists()
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {"approved"}


def test_the_admin_shows_a_credit_note_read_only(framework, back_office_client):
    note = credit_note_create(invoice=issued_invoice(), actor=None, reason="Wrong")
    url = reverse("admin:billing_creditnote_change", args=[note.pk])
    assert back_office_client.get(url).status_code == 200
    assert back_office_client.post(url, {"reason": "X"}).status_code == 403
    delete_url = reverse("admin:billing_creditnote_delete", args=[note.pk])
    assert back_office_client.post(delete_url, {"post": "yes"}).status_code == 403
