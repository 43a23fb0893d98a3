"""The bank-statement queue in the admin opens on the lines still to be matched."""

import pytest
from django.urls import reverse

from billing.models import BankStatementLine
from billing.services.payments import bank_statement_import
from tests.billing.camt_builder import Credit, camt053
from tests.billing.factories import issued_invoice


@pytest.fixture
def queue(framework):
    invoice = issued_invoice()
    bank_statement_import(
        data=camt053(
            Credit(invoice.total, "PAID1", structured=invoice.payment_reference),
            Credit("9.99", "OPEN1", description="onbekend " + "x" * 120),
        ),
        actor=None,
    )
    return BankStatementLine.objects.order_by("reference")


def test_the_queue_opens_on_the_lines_to_be_matched(queue, back_office_client):
    url = reverse("admin:billing_bankstatementline_changelist")
    page = back_office_client.get(url).content.decode()
    assert "OPEN1" in page or "onbekend" in page
    assert "9,99" in page
    assert queue.get(reference="PAID1").status == BankStatementLine.Status.MATCHED
    matched_amount = f"{queue.get(reference='PAID1').amount:.2f}".replace(".", ",")
    assert matched_amount not in page
    everything = back_office_client.get(url, {"status": "all"}).content.decode()
    assert "9,99" in everything and matched_amount in everything
    # The long remittance text is shortened in the list, whole in the hover title.
    assert "x" * 120 in page and "x" * 61 + "…" not in page
