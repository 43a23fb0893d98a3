"""Amounts: line = hours x rate rounded half up; VAT once on the sum of the lines; stored
totals; the VAT percentage and payment term in force on the invoice date."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing.models import InvoiceLine
from billing.services import invoice_finalise
from members.models import Framework
from tests.billing.factories import (
    APRIL_2,
    approved_hours,
    billable_assignment,
    draft_invoice,
    issued_invoice,
)
from tests.database_roles import owner_cursor
from tests.placements.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("hours", "rate", "amount"),
    [
        ("1.50", "14.71", "22.07"),
        ("0.25", "14.70", "3.68"),
        ("2.50", "16.33", "40.83"),
        ("0.01", "14.71", "0.15"),
        ("0.03", "14.85", "0.45"),
        ("7.77", "15.05", "116.94"),  # 116.9385
    ],
)
def test_half_cent_cases(framework, hours, rate, amount):
    client = ClientFactory()
    assignment = billable_assignment(client=client, hourly_rate=Decimal(rate))
    approved_hours(assignment, (datetime.date(2026, 3, 2), hours))
    invoice = draft_invoice(client=client)
    line = invoice.lines.get()
    assert (line.hours, line.rate, line.amount) == (Decimal(hours), Decimal(rate), Decimal(amount))
    assert invoice.subtotal == Decimal(amount)


def _three_line_invoice():
    client = ClientFactory()
    for rate, hours in [("14.71", "1.50"), ("14.70", "0.25"), ("16.33", "2.50")]:
        approved_hours(
            billable_assignment(client=client, hourly_rate=Decimal(rate)),
            (datetime.date(2026, 3, 2), hours),
        )
    return invoice_finalise(invoice=draft_invoice(client=client), actor=None, invoice_date=APRIL_2)


def test_vat_is_taken_once_on_the_sum_of_the_lines(framework):
    invoice = _three_line_invoice()
    amounts = sorted(invoice.lines.values_list("amount", flat=True))
    assert amounts == [Decimal("3.68"), Decimal("22.07"), Decimal("40.83")]
    assert invoice.subtotal == Decimal("66.58")
    # 21% of 66.58 = 13.9818 -> 13.98; per line it would be 0.77 + 4.63 + 8.57 = 13.97.
    assert invoice.vat_percentage == Decimal("21.00")
    assert invoice.vat_amount == Decimal("13.98")
    assert invoice.total == Decimal("80.56")
    invoice.refresh_from_db()
    assert invoice.total == invoice.subtotal + invoice.vat_amount


def test_the_vat_in_force_on_the_invoice_date_applies(framework):
    values = {
        f.name: getattr(framework, f.name)
        for f in Framework._meta.concrete_fields
        if f.name not in ("id", "valid_from", "created_at", "updated_at")
    }
    values["vat_percentage"] = Decimal("9.00")
    Framework.objects.create(valid_from=datetime.date(2026, 4, 10), **values)
    before = issued_invoice(hours=("10.00",), invoice_date=datetime.date(2026, 4, 9))
    after = issued_invoice(hours=("10.00",), invoice_date=datetime.date(2026, 4, 10))
    assert before.vat_percentage == Decimal("21.00")
    assert before.vat_amount == Decimal("34.65")  # 165.00 x 21%
    assert after.vat_percentage == Decimal("9.00")
    assert after.vat_amount == Decimal("14.85")


def test_due_date_follows_the_payment_term(framework, settings):
    assert issued_invoice().due_date == APRIL_2 + datetime.timedelta(days=14)
    settings.INVOICE_PAYMENT_TERM_DAYS = 30
    assert issued_invoice().due_date == APRIL_2 + datetime.timedelta(days=30)


def test_the_database_holds_a_line_to_hours_times_rate(framework):
    line = draft_invoice().lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.filter(pk=line.pk).update(amount=line.amount + Decimal("0.01"))


def test_the_database_holds_the_total_to_the_sum_of_its_parts(framework):
    invoice = issued_invoice()
    # Even with the immutability trigger out of the way (only its owner can), the check
    # constraint refuses.
    with pytest.raises(IntegrityError), owner_cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE billing_invoice DISABLE TRIGGER billing_invoice_immutable")
        cursor.execute(
            "UPDATE billing_invoice SET total = total + 0.01 WHERE id = %s", [invoice.pk]
        )


def test_client_details_are_copied_when_issued(framework):
    invoice = issued_invoice()
    client = invoice.client
    assert (invoice.client_name, invoice.client_address, invoice.client_kvk_number) == (
        client.name,
        client.billing_address,
        client.kvk_number,
    )
