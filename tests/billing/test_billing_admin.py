"""The billing back office: starting a run from a small form, its progress, the lists, and
a credit note from the invoice's page: all through the services."""

import pytest
from django.urls import reverse

from billing.models import CreditNote, Invoice, InvoiceRun
from tests.billing.factories import client_with_march_hours, issued_invoice

pytestmark = pytest.mark.django_db


def test_run_invoices_for_a_month_from_the_admin(
    framework, back_office_client, django_capture_on_commit_callbacks
):
    for _ in range(3):
        client_with_march_hours()
    changelist = reverse("admin:billing_invoicerun_changelist")
    assert (
        reverse("admin:billing_invoicerun_start")
        in back_office_client.get(changelist).content.decode()
    )
    start = reverse("admin:billing_invoicerun_start")
    assert back_office_client.get(start).status_code == 200
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = back_office_client.post(
            start, {"month": "2026-03", "invoice_date": "02-04-2026"}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(callbacks) >= 1  # the run's task, queued on commit (eager in tests)
    run = InvoiceRun.objects.get()
    assert (run.status, run.clients_done, run.clients_total) == ("done", 3, 3)
    assert Invoice.objects.filter(run=run, status="issued").count() == 3
    page = back_office_client.get(changelist).content.decode()
    assert "3 / 3" in page


def test_the_run_form_reports_the_service_refusal(framework, back_office_client):
    start = reverse("admin:billing_invoicerun_start")
    response = back_office_client.post(start, {"month": "2026-03", "invoice_date": "15-03-2026"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    response = back_office_client.post(start, {"month": "maart", "invoice_date": "15-04-2026"})
    assert response.status_code == 200
    assert not InvoiceRun.objects.exists()


def test_only_the_back_office_starts_runs(framework, treasurer_client, coordinator_client):
    start = reverse("admin:billing_invoicerun_start")
    for client in (treasurer_client, coordinator_client):
        response = client.post(start, {"month": "2026-03", "invoice_date": "02-04-2026"})
        assert response.status_code in (302, 403)
    assert not InvoiceRun.objects.exists()


def test_the_invoice_list_filters_and_searches(framework, back_office_client):
    invoice = issued_invoice()
    url = reverse("admin:billing_invoice_changelist")
    for query in (
        "",
        "?status__exact=issued",
        "?period=2026-03-01",
        f"?client__id__exact={invoice.client_id}",
        f"?q={invoice.number}",
        f"?q={invoice.client.name}",
    ):
        response = back_office_client.get(url + query)
        assert response.status_code == 200, query
        assert invoice.number in response.content.decode(), query
    assert back_office_client.get(reverse("admin:billing_creditnote_changelist")).status_code == 200


def test_credit_an_invoice_from_its_page(framework, back_office_client):
    invoice = issued_invoice(hours=("8.00", "4.00"), assignments=2)
    line = invoice.lines.first()
    url = reverse("admin:billing_invoice_credit", args=[invoice.pk])
    assert back_office_client.get(url).status_code == 200
    response = back_office_client.post(
        url, {"reason": "Wrong rate", "credit_date": "10-04-2026", "lines": [line.pk]}
    )
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert note.lines.get().invoice_line == line and not note.is_full
    # The whole rest, with a date before the invoice: refused on the form.
    response = back_office_client.post(url, {"reason": "All", "credit_date": "01-04-2026"})
    assert response.status_code == 200
    assert CreditNote.objects.count() == 1
