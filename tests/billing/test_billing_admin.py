"""The billing back office: starting a run from a small form, its progress, the lists, and
a credit note from the invoice's page: all through the services."""

from decimal import Decimal

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
    chosen = {
        "reason": "Wrong rate",
        "credit_date": "10-04-2026",
        "scope": "lines",
        "lines": [line.pk],
    }
    response = back_office_client.post(url, {**chosen, "confirm": "1"})
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert note.lines.get().invoice_line == line and not note.is_full
    # The whole rest, with a date before the invoice: refused on the form.
    response = back_office_client.post(
        url, {"reason": "All", "credit_date": "01-04-2026", "scope": "whole", "confirm": "1"}
    )
    assert response.status_code == 200
    assert CreditNote.objects.count() == 1


def _euro(amount) -> str:
    return "€\xa0" + f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def test_the_credit_form_shows_the_amount_before_issuing(framework, back_office_client):
    invoice = issued_invoice(hours=("8.00", "4.00"), assignments=2)
    url = reverse("admin:billing_invoice_credit", args=[invoice.pk])
    whole = {"reason": "Dubbel", "credit_date": "10-04-2026", "scope": "whole"}

    preview = back_office_client.post(url, whole)
    assert preview.status_code == 200
    text = preview.content.decode()
    assert _euro(invoice.total) in text  # the whole invoice: its total, before confirming
    assert 'name="confirm"' in text
    assert not CreditNote.objects.exists()  # nothing issued, no number used

    issued = back_office_client.post(url, {**whole, "confirm": "1"})
    assert issued.status_code == 302
    note = CreditNote.objects.get()
    assert note.is_full and note.total == invoice.total
    assert note.number.endswith("0001")  # the preview used no number


def test_the_credit_form_preview_of_lines_shows_their_amount(framework, back_office_client):
    invoice = issued_invoice(hours=("8.00", "4.00"), assignments=2)
    line = invoice.lines.order_by("pk").first()
    url = reverse("admin:billing_invoice_credit", args=[invoice.pk])
    chosen = {"reason": "Tarief", "credit_date": "10-04-2026", "scope": "lines", "lines": [line.pk]}
    text = back_office_client.post(url, chosen).content.decode()
    assert f'<strong id="credit-total">{_euro(line.amount * Decimal("1.21"))}</strong>' in text
    assert not CreditNote.objects.exists()


def test_the_credit_form_asks_for_an_explicit_choice(framework, back_office_client):
    invoice = issued_invoice(hours=("8.00",), assignments=2)
    line = invoice.lines.first()
    url = reverse("admin:billing_invoice_credit", args=[invoice.pk])
    base = {"reason": "x", "credit_date": "10-04-2026", "confirm": "1"}
    for data in (
        base,  # no choice
        {**base, "scope": "lines"},  # lines, none ticked
        {**base, "scope": "whole", "lines": [line.pk]},  # whole, yet lines ticked
    ):
        response = back_office_client.post(url, data)
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
    assert not CreditNote.objects.exists()
