"""Invoice and credit note PDFs: their text (read with pypdf), rendered once and stored."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from billing import pdf as billing_pdf
from billing.models import Invoice
from billing.pdf import invoice_run_pdf_progress
from billing.services import credit_note_create, invoice_run_month
from billing.tasks import credit_note_render_pdf_task, invoice_render_pdf_task
from tests.billing.factories import (
    APRIL_2,
    MARCH,
    approved_hours,
    billable_assignment,
    issued_invoice,
    march_days,
)
from tests.database_roles import owner_cursor
from tests.placements.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


@pytest.fixture
def invoice(framework, settings):
    settings.NVSI_KVK = "87654321"
    settings.NVSI_IBAN = "NL86INGB0002445588"
    client = ClientFactory(name="Bakkerij Korenschoof", vat_number="NL001234567B01")
    assignment = billable_assignment(client=client, hourly_rate=Decimal("15.00"))
    approved_hours(assignment, *march_days("8.00", "7.50", "0.25"))
    return issued_invoice(client=client)


def test_the_invoice_pdf_states_number_client_lines_and_totals_in_dutch(invoice):
    invoice_render_pdf_task(invoice.pk)
    invoice.refresh_from_db()
    assert invoice.pdf_rendered_at is not None
    assert invoice.pdf.name.endswith(f"factuur-{invoice.number}.pdf")
    text = _text(invoice.pdf.read())
    assert invoice.number in text
    assert "Bakkerij Korenschoof" in text
    line = invoice.lines.get()
    assert line.candidate_name in text
    assert line.municipality.name in text
    assert f"Opdracht {line.assignment_id}" in text
    # The candidate's client number is the municipality's benefits data: not on a client's invoice.
    assert line.candidate_client_number not in text
    assert "15,75" in text  # hours, decimal comma
    assert "02-04-2026" in text  # invoice date dd-mm-yyyy
    assert invoice.due_date.strftime("%d-%m-%Y") in text
    for amount in (invoice.subtotal, invoice.vat_amount, invoice.total):
        assert f"€ {amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in text
    assert "21,00 %" in text
    assert invoice.payment_reference in text
    assert "KvK 87654321" in text
    assert "NL86INGB0002445588" in text
    assert " 14 " in text  # the payment term in days


def test_rendering_twice_renders_once_and_keeps_the_first(invoice, monkeypatch):
    calls = []
    real = billing_pdf.invoice_pdf_bytes

    def counting(document):
        calls.append(document.pk)
        return real(document)

    monkeypatch.setattr(billing_pdf, "invoice_pdf_bytes", counting)
    invoice_render_pdf_task(invoice.pk)
    invoice.refresh_from_db()
    first = (invoice.pdf.name, invoice.pdf_rendered_at)
    invoice_render_pdf_task(invoice.pk)
    invoice.refresh_from_db()
    assert calls == [invoice.pk]
    assert (invoice.pdf.name, invoice.pdf_rendered_at) == first


def test_a_worker_losing_the_race_stores_nothing(invoice, monkeypatch):
    """Another worker stores the PDF while this one renders: this one's is thrown away."""
    real = billing_pdf.invoice_pdf_bytes

    def render_while_another_stores(document):
        content = real(document)
        Invoice.objects.filter(pk=document.pk).update(
            pdf="invoices/2026/other.pdf", pdf_rendered_at="2026-04-02T10:00:00+02:00"
        )
        return content

    monkeypatch.setattr(billing_pdf, "invoice_pdf_bytes", render_while_another_stores)
    assert billing_pdf.invoice_pdf_store(invoice_id=invoice.pk) is False
    invoice.refresh_from_db()
    assert invoice.pdf.name == "invoices/2026/other.pdf"


def test_a_draft_gets_no_pdf(framework):
    from tests.billing.factories import draft_invoice

    draft = draft_invoice()
    invoice_render_pdf_task(draft.pk)
    draft.refresh_from_db()
    assert draft.pdf_rendered_at is None and not draft.pdf


def test_the_stored_pdf_never_changes(invoice):
    from django.db import IntegrityError, transaction

    invoice_render_pdf_task(invoice.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(pdf="invoices/2026/forged.pdf")


def test_the_credit_note_pdf_references_its_invoice(invoice):
    note = credit_note_create(invoice=invoice, actor=None, reason="Uren dubbel geboekt")
    credit_note_render_pdf_task(note.pk)
    note.refresh_from_db()
    assert note.pdf_rendered_at is not None
    text = _text(note.pdf.read())
    assert note.number in text
    assert invoice.number in text
    assert "Uren dubbel geboekt" in text
    total = f"{note.total:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert f"€ -{total}" in text
    credit_note_render_pdf_task(note.pk)  # once only
    assert note.pdf_rendered_at == type(note).objects.get(pk=note.pk).pdf_rendered_at


def test_pdfs_are_queued_on_commit_and_counted_per_run(
    framework, django_capture_on_commit_callbacks
):
    from tests.billing.factories import client_with_march_hours

    client_with_march_hours()
    client_with_march_hours()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None)
    assert invoice_run_pdf_progress(run).total == 2
    assert invoice_run_pdf_progress(run).done == 0
    for callback in callbacks:
        callback()
    progress = invoice_run_pdf_progress(run)
    assert (progress.done, progress.total, progress.percentage) == (2, 2, 100)


def test_the_assignment_number_has_no_thousands_separator(framework):
    """An id is a number to quote, not an amount: "Opdracht 123456", never "123.456"."""
    sequence = "pg_get_serial_sequence('placements_assignment', 'id')"
    with owner_cursor() as cursor:  # the application role may not set a sequence
        cursor.execute("SELECT last_value FROM placements_assignment_id_seq")
        (previous,) = cursor.fetchone()
        cursor.execute("SELECT setval(" + sequence + ", 123455)")
    try:
        client = ClientFactory(name="Bakkerij Korenschoof")
        assignment = billable_assignment(client=client, hourly_rate=Decimal("15.00"))
        assert assignment.pk == 123456
        approved_hours(assignment, *march_days("8.00"))
        invoice = issued_invoice(client=client)
        invoice_render_pdf_task(invoice.pk)
        invoice.refresh_from_db()
        text = _text(invoice.pdf.read())
    finally:
        with owner_cursor() as cursor:  # the rows above are rolled back: ids free again
            cursor.execute("SELECT setval(" + sequence + ", %s)", [previous])
    assert "Opdracht 123456" in text
    assert "123.456" not in text


# --- Addressed formally, to the contact person, with the client's reference ------------------


@pytest.fixture
def addressed_invoice(framework):
    client = ClientFactory(
        name="Bakkerij Korenschoof",
        kvk_number="12345678",
        contact_person="J. de Boer",
        invoice_reference="PO-2026-0042",
    )
    approved_hours(billable_assignment(client=client), *march_days("8.00"))
    return issued_invoice(client=client)


def test_the_invoice_is_addressed_formally_with_attention_line_and_reference(addressed_invoice):
    assert addressed_invoice.client_contact == "J. de Boer"  # copied when issued
    assert addressed_invoice.client_reference == "PO-2026-0042"
    text = _text(billing_pdf.invoice_pdf_bytes(addressed_invoice))
    assert "T.a.v. J. de Boer" in text
    assert "Uw referentie PO-2026-0042" in text
    assert "Uw KvK-nummer 12345678" in text
    assert "Wij verzoeken u" in text
    assert "Betaalt u meerdere facturen" in text
    assert " je " not in f" {text} " and "Je " not in text  # no informal "je" to a business


def test_the_credit_note_carries_the_clients_kvk_and_reference(addressed_invoice):
    note = credit_note_create(invoice=addressed_invoice, actor=None, reason="Dubbel")
    text = _text(billing_pdf.credit_note_pdf_bytes(note))
    assert "Uw KvK-nummer 12345678" in text
    assert "Uw referentie PO-2026-0042" in text
    assert "T.a.v. J. de Boer" in text
    assert "aan u terug" in text


def test_the_reference_on_an_issued_invoice_never_changes(addressed_invoice):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=addressed_invoice.pk).update(client_reference="other")
