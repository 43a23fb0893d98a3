"""Issuing without PDFs (`pdf_rendering_deferred`), `manage.py render_missing_pdfs` to render
them later, and the PDF progress of a run in the admin."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from billing import pdf as billing_pdf
from billing.models import CreditNote, Invoice, InvoiceRun
from billing.services import credit_note_create, invoice_run_month
from billing.services.invoices import pdf_rendering_deferred
from tests.billing.factories import APRIL_2, MARCH, client_with_march_hours, issued_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_render(monkeypatch):
    """WeasyPrint is tested in test_billing_pdf; here a render is a few bytes, counted."""
    rendered = []

    def render_pdf(*, template_name, context):
        rendered.append(template_name)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(billing_pdf, "render_pdf", render_pdf)
    return rendered


def _run(django_capture_on_commit_callbacks, *, deferred: bool):
    for _ in range(3):
        client_with_march_hours()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        if deferred:
            with pdf_rendering_deferred():
                run = invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None)
        else:
            run = invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None)
    return run, callbacks


def test_a_run_queues_one_pdf_per_invoice(framework, django_capture_on_commit_callbacks):
    run, callbacks = _run(django_capture_on_commit_callbacks, deferred=False)
    assert run.clients_done == 3
    assert len(callbacks) == 3


def test_a_deferred_run_issues_everything_and_queues_no_pdf(
    framework, django_capture_on_commit_callbacks
):
    run, callbacks = _run(django_capture_on_commit_callbacks, deferred=True)
    assert (run.status, run.clients_done) == (InvoiceRun.Status.DONE, 3)
    assert Invoice.objects.filter(status="issued", pdf_rendered_at__isnull=True).count() == 3
    assert callbacks == []
    # The deferral ends with its block: the next finalisation queues its PDF again.
    with django_capture_on_commit_callbacks(execute=False) as later:
        issued_invoice()
    assert len(later) == 1


def test_render_missing_pdfs_renders_each_missing_document_once(
    framework, fake_render, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks, deferred=True)
    invoice = Invoice.objects.order_by("number").first()
    credit_note_create(invoice=invoice, actor=None, reason="Te veel uren", credit_date=APRIL_2)
    out = io.StringIO()
    call_command("render_missing_pdfs", "--limit", "2", stdout=out)
    assert "2 invoice PDFs and 0 credit note PDFs rendered in this process" in out.getvalue()
    assert Invoice.objects.filter(pdf_rendered_at__isnull=False).count() == 2

    call_command("render_missing_pdfs", stdout=out)
    assert not Invoice.objects.filter(status="issued", pdf_rendered_at__isnull=True).exists()
    assert not CreditNote.objects.filter(pdf_rendered_at__isnull=True).exists()
    assert len(fake_render) == 4  # 3 invoices, 1 credit note

    out = io.StringIO()
    call_command("render_missing_pdfs", stdout=out)
    assert "0 invoice PDFs and 0 credit note PDFs" in out.getvalue()
    assert len(fake_render) == 4


def test_render_missing_pdfs_retries_a_failed_render(
    framework, monkeypatch, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks, deferred=True)
    calls = []

    def flaky(*, template_name, context):
        calls.append(template_name)
        if len(calls) == 1:
            raise OSError("font cache unavailable")
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(billing_pdf, "render_pdf", flaky)
    err = io.StringIO()
    with pytest.raises(Exception, match="1 PDFs failed"):
        call_command("render_missing_pdfs", stdout=io.StringIO(), stderr=err)
    assert "font cache unavailable" in err.getvalue()
    assert Invoice.objects.filter(pdf_rendered_at__isnull=True).count() == 1
    call_command("render_missing_pdfs", stdout=io.StringIO())
    assert not Invoice.objects.filter(pdf_rendered_at__isnull=True).exists()


def test_the_run_admin_shows_clients_and_pdfs_and_refreshes_while_pdfs_render(
    framework, fake_render, back_office_client, django_capture_on_commit_callbacks
):
    run, _callbacks = _run(django_capture_on_commit_callbacks, deferred=True)
    call_command("render_missing_pdfs", "--limit", "1", stdout=io.StringIO())
    changelist = reverse("admin:billing_invoicerun_changelist")
    page = back_office_client.get(changelist).content.decode()
    assert "3 / 3" in page  # clients
    assert "1 / 3" in page  # PDFs
    assert 'http-equiv="refresh"' in page  # finished just now, PDFs outstanding
    change = back_office_client.get(
        reverse("admin:billing_invoicerun_change", args=[run.pk])
    ).content.decode()
    assert "1 / 3" in change and 'http-equiv="refresh"' in change

    call_command("render_missing_pdfs", stdout=io.StringIO())
    page = back_office_client.get(changelist).content.decode()
    assert "3 / 3" in page and "1 / 3" not in page
    assert 'http-equiv="refresh"' not in page


def test_the_run_admin_refreshes_while_a_run_is_active(framework, back_office_client):
    run = InvoiceRun.objects.create(month=MARCH, invoice_date=APRIL_2)
    changelist = reverse("admin:billing_invoicerun_changelist")
    assert 'http-equiv="refresh"' in back_office_client.get(changelist).content.decode()
    run.status = InvoiceRun.Status.DONE
    run.save(update_fields=["status"])
    assert 'http-equiv="refresh"' not in back_office_client.get(changelist).content.decode()
