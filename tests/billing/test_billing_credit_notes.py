"""Credit notes: full or partial, their own numbers, and the credited hours corrected and
invoiced again on a later invoice."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import CreditNote, Invoice
from billing.services import credit_note_create, invoice_run_month
from placements.models import TimeEntry
from placements.services import time_entries_approve, time_entry_create
from tests.billing.factories import (
    APRIL_2,
    MARCH,
    approved_hours,
    billable_assignment,
    draft_invoice,
    issued_invoice,
    march_days,
)
from tests.placements.factories import ClientFactory

pytestmark = pytest.mark.django_db
APRIL_10 = datetime.date(2026, 4, 10)


def _credit(invoice, **kwargs):
    kwargs.setdefault("reason", "Wrong hours")
    kwargs.setdefault("credit_date", APRIL_10)
    return credit_note_create(invoice=invoice, actor=None, **kwargs)


def _two_line_invoice():
    client = ClientFactory()
    for rate in ("14.71", "16.33"):
        approved_hours(
            billable_assignment(client=client, hourly_rate=Decimal(rate)),
            *march_days("0.50", "0.50", "0.50"),
        )
    return issued_invoice(client=client)


def test_a_full_credit_note_credits_every_line(framework):
    invoice = _two_line_invoice()
    # Lines 1.50 x 14.71 = 22.07 (22.065) and 1.50 x 16.33 = 24.50 (24.495): 46.57 + 9.78 VAT.
    assert (invoice.subtotal, invoice.vat_amount, invoice.total) == (
        Decimal("46.57"),
        Decimal("9.78"),
        Decimal("56.35"),
    )
    note = _credit(invoice)
    assert note.number == "C2026-000001" and note.is_full and note.status == "issued"
    assert (note.subtotal, note.vat_amount, note.total) == (
        invoice.subtotal,
        invoice.vat_amount,
        invoice.total,
    )
    assert note.vat_percentage == invoice.vat_percentage
    assert {(cl.invoice_line_id, cl.amount) for cl in note.lines.all()} == {
        (line.pk, line.amount) for line in invoice.lines.all()
    }
    assert all(cl.municipality_id == cl.invoice_line.municipality_id for cl in note.lines.all())
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {"credited"}
    with pytest.raises(ValidationError) as error:
        _credit(invoice)
    assert error.value.error_list[0].code == "already_credited"


def test_a_partial_credit_note_on_chosen_lines(framework):
    invoice = _two_line_invoice()
    line = invoice.lines.get(rate=Decimal("16.33"))
    note = _credit(invoice, lines=[line])
    assert not note.is_full
    assert note.lines.get().amount == Decimal("24.50")
    assert note.subtotal == Decimal("24.50")
    assert note.vat_amount == Decimal("5.15")  # 21% of 24.50 = 5.145
    assert TimeEntry.objects.filter(status="credited").count() == 3
    assert TimeEntry.objects.filter(status="invoiced").count() == 3


def test_partial_credits_of_hours_net_to_exactly_zero(framework):
    """Credited entry by entry, a line's half cents could add up to more or less than the
    line; the last part takes what is left, and the last credit note the VAT left."""
    invoice = _two_line_invoice()
    line = invoice.lines.get(rate=Decimal("14.71"))
    entries = list(TimeEntry.objects.filter(invoice_link__line=line).order_by("work_date"))
    notes = [_credit(invoice, time_entries=[entry]) for entry in entries[:2]]
    assert [n.subtotal for n in notes] == [Decimal("7.36"), Decimal("7.36")]  # 7.355 each
    last_of_line = _credit(invoice, time_entries=[entries[2]])
    assert last_of_line.subtotal == Decimal("7.35")  # 22.07 - 14.72
    rest = _credit(invoice)
    assert rest.is_full and rest.subtotal == Decimal("24.50")
    all_notes = CreditNote.objects.filter(invoice=invoice)
    assert sum(n.subtotal for n in all_notes) == invoice.subtotal
    assert sum(n.vat_amount for n in all_notes) == invoice.vat_amount
    assert sum(n.total for n in all_notes) == invoice.total
    assert sorted(all_notes.values_list("number", flat=True)) == [
        f"C2026-{n:06d}" for n in range(1, 5)
    ]


def test_credited_hours_are_corrected_and_invoiced_again(framework, back_office_user):
    assignment = billable_assignment()
    approved_hours(assignment, *march_days("8.00", "8.00"))
    invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None)
    invoice = Invoice.objects.get()
    wrong = TimeEntry.objects.get(work_date=datetime.date(2026, 3, 3))
    _credit(invoice, time_entries=[wrong])

    correction = time_entry_create(
        assignment=assignment,
        actor=back_office_user,
        work_date=wrong.work_date,
        hours=Decimal("6.00"),
    )
    time_entries_approve(entries=[correction], actor=back_office_user)
    invoice_run_month(month=MARCH, invoice_date=datetime.date(2026, 4, 30), actor=None)

    later = Invoice.objects.exclude(pk=invoice.pk).get()
    assert later.number == "2026-000002"
    line = later.lines.get()
    assert (line.hours, line.amount) == (Decimal("6.00"), Decimal("99.00"))
    correction.refresh_from_db()
    wrong.refresh_from_db()
    assert (correction.status, wrong.status) == ("invoiced", "credited")
    assert correction.invoice_link.line == line
    assert wrong.invoice_link.line.invoice == invoice  # the history stays


def test_what_cannot_be_credited(framework):
    invoice = _two_line_invoice()
    with pytest.raises(ValidationError):
        _credit(invoice, reason="  ")
    with pytest.raises(ValidationError) as error:
        _credit(invoice, credit_date=datetime.date(2026, 4, 1))
    assert "credit_date" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        _credit(draft_invoice())
    assert error.value.error_list[0].code == "invoice_not_issued"
    foreign = issued_invoice().lines.get()
    with pytest.raises(ValidationError) as error:
        _credit(invoice, lines=[foreign])
    assert error.value.error_list[0].code == "not_on_invoice"
    entry = TimeEntry.objects.filter(invoice_link__line__invoice=invoice).first()
    _credit(invoice, time_entries=[entry])
    with pytest.raises(ValidationError) as error:
        _credit(invoice, time_entries=[entry])
    assert error.value.error_list[0].code == "not_creditable"
    with pytest.raises(TypeError):
        _credit(invoice, lines=[], time_entries=[])
    assert CreditNote.objects.count() == 1
