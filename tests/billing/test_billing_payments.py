"""Payments: camt.053 matching (exact, partial, combined, unknown reference, duplicate
statement), manual payments and queued lines, payment status, reminders sent once."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from billing.models import BankStatement, BankStatementLine, InvoiceReminder, Payment
from billing.selectors_payments import (
    PaymentStatus,
    invoice_list_overdue,
    invoice_payment_status,
    invoices_with_payment_status,
)
from billing.services import credit_note_create
from billing.services.payments import (
    bank_statement_import,
    bank_statement_line_allocate,
    bank_statement_line_ignore,
    invoice_reminders_create,
    payment_record_manual,
    references_in,
)
from tests.billing.camt_builder import Credit, camt053
from tests.billing.factories import issued_invoice

pytestmark = pytest.mark.django_db

BEFORE_DUE = datetime.date(2026, 4, 10)  # invoices of 2 April are due 16 April
AFTER_DUE = datetime.date(2026, 4, 30)


@pytest.fixture
def invoice(framework):
    return issued_invoice(hours=("8.00", "8.00"))


@pytest.fixture
def second_invoice(framework):
    return issued_invoice(hours=("4.00",))


def _status(invoice, today=BEFORE_DUE):
    return invoice_payment_status(invoice, today=today)


def _import(*credits, **kwargs):
    [result] = bank_statement_import(data=camt053(*credits, **kwargs), actor=None)
    return result


def _open(invoice):
    return (
        invoices_with_payment_status(type(invoice).objects.filter(pk=invoice.pk)).get().amount_open
    )


def test_references_are_found_in_the_texts():
    refs, numbers = references_in("RF71 2026 0001 23", "Factuur 2026-000124 en 2026000125", "")
    assert refs == {"RF712026000123"}
    assert numbers == {"2026-000124", "2026-000125"}
    assert references_in("Bestelling 7781, tel 0612345678") == (set(), set())


def test_exact_payment_by_structured_reference(invoice):
    result = _import(Credit(invoice.total, "R1", structured=invoice.payment_reference))
    assert result.created and result.kinds == {"exact": 1}
    line = BankStatementLine.objects.get()
    assert line.status == BankStatementLine.Status.MATCHED
    assert line.payment.allocations.get().invoice == invoice
    assert _status(invoice) == PaymentStatus.PAID
    assert _status(invoice, AFTER_DUE) == PaymentStatus.PAID


def test_partial_payments_by_invoice_number(invoice):
    part = Decimal("100.00")
    result = _import(Credit(part, "R1", description=f"factuur {invoice.number} termijn 1"))
    assert result.kinds == {"partial": 1}
    assert _status(invoice) == PaymentStatus.PARTLY_PAID
    assert _status(invoice, AFTER_DUE) == PaymentStatus.OVERDUE
    assert _open(invoice) == invoice.total - part
    # The rest on a later statement: paid.
    _import(Credit(invoice.total - part, "R2", description=invoice.number), statement_id="S2")
    assert _status(invoice, AFTER_DUE) == PaymentStatus.PAID


def test_combined_payment_of_several_invoices(invoice, second_invoice):
    total = invoice.total + second_invoice.total
    result = _import(
        Credit(total, "R1", description=f"{invoice.payment_reference} {second_invoice.number}")
    )
    assert result.kinds == {"combined": 1}
    payment = Payment.objects.get()
    assert {a.invoice_id: a.amount for a in payment.allocations.all()} == {
        invoice.pk: invoice.total,
        second_invoice.pk: second_invoice.total,
    }
    assert _status(invoice) == _status(second_invoice) == PaymentStatus.PAID


def test_unknown_reference_waits_in_the_queue(invoice):
    result = _import(
        Credit("50.00", "R1", description="bedankt!"),
        Credit("60.00", "R2", description="factuur 2026-999999"),
    )
    assert (result.matched, result.queued) == (0, 2)
    assert result.kinds == {"unknown": 2}
    assert not Payment.objects.exists()
    queued = BankStatementLine.objects.filter(status=BankStatementLine.Status.UNMATCHED)
    assert queued.count() == 2
    assert "2026-999999" in queued.get(reference="R2").note
    assert _status(invoice) == PaymentStatus.OPEN


def test_more_than_is_open_waits_in_the_queue(invoice):
    result = _import(Credit(invoice.total + 1, "R1", structured=invoice.payment_reference))
    assert result.kinds == {"more_than_open": 1}
    assert not Payment.objects.exists()
    # Paid, then paid again: the second waits.
    _import(Credit(invoice.total, "R2", structured=invoice.payment_reference), statement_id="S2")
    again = _import(
        Credit(invoice.total, "R3", structured=invoice.payment_reference), statement_id="S3"
    )
    assert again.kinds == {"more_than_open": 1}


def test_debits_are_no_payments(invoice):
    result = _import(Credit("10.00", "R1", description=invoice.number, debit=True))
    assert (result.ignored, result.matched) == (1, 0)
    assert _status(invoice) == PaymentStatus.OPEN


def test_the_same_statement_imported_twice_changes_nothing(invoice):
    data = camt053(Credit(invoice.total, "R1", structured=invoice.payment_reference))
    [first] = bank_statement_import(data=data, actor=None)
    [second] = bank_statement_import(data=data, actor=None)
    assert first.created and not second.created
    assert second.statement == first.statement
    assert BankStatement.objects.count() == 1
    assert BankStatementLine.objects.count() == 1
    assert Payment.objects.count() == 1
    assert _open(invoice) == 0


def test_a_statement_of_another_account_is_refused(invoice):
    with pytest.raises(ValidationError, match="not of NVSI's account"):
        bank_statement_import(
            data=camt053(Credit("1.00", "R1"), iban="NL44RABO0123456789"), actor=None
        )


def test_an_unreadable_file_is_refused():
    with pytest.raises(ValidationError, match="not well-formed XML"):
        bank_statement_import(data=b"<Document>", actor=None)


def test_manual_payment_transitions(invoice, back_office_user):
    assert _status(invoice) == PaymentStatus.OPEN
    assert _status(invoice, AFTER_DUE) == PaymentStatus.OVERDUE
    payment_record_manual(
        invoices=[invoice], amount="10.00", payment_date=BEFORE_DUE, actor=back_office_user
    )
    assert _status(invoice) == PaymentStatus.PARTLY_PAID
    with pytest.raises(ValidationError, match="more than"):
        payment_record_manual(
            invoices=[invoice],
            amount=invoice.total,
            payment_date=BEFORE_DUE,
            actor=back_office_user,
        )
    payment_record_manual(
        invoices=[invoice],
        amount=invoice.total - Decimal("10.00"),
        payment_date=BEFORE_DUE,
        actor=back_office_user,
    )
    assert _status(invoice, AFTER_DUE) == PaymentStatus.PAID
    assert list(invoice_list_overdue(today=AFTER_DUE)) == []


def test_floats_are_refused(invoice, back_office_user):
    with pytest.raises(TypeError):
        payment_record_manual(invoices=[invoice], amount=1.5, payment_date=BEFORE_DUE, actor=None)


def test_a_credit_note_lowers_what_is_due(invoice):
    credit_note_create(invoice=invoice, actor=None, reason="Alles onterecht")
    assert _open(invoice) == 0
    assert _status(invoice, AFTER_DUE) == PaymentStatus.PAID


def test_a_queued_line_is_allocated_or_ignored_by_hand(invoice, second_invoice, back_office_user):
    _import(Credit(invoice.total, "R1", description="zie bijlage"), Credit("5.00", "R2"))
    first, second = BankStatementLine.objects.order_by("reference")
    payment = bank_statement_line_allocate(line=first, invoices=[invoice], actor=back_office_user)
    assert payment.allocations.get().amount == invoice.total
    first.refresh_from_db()
    assert first.status == BankStatementLine.Status.MATCHED
    assert first.handled_by == back_office_user
    with pytest.raises(ValidationError, match="handled already"):
        bank_statement_line_allocate(line=first, invoices=[second_invoice], actor=back_office_user)
    with pytest.raises(ValidationError):
        bank_statement_line_ignore(line=second, actor=back_office_user, note="")
    bank_statement_line_ignore(line=second, actor=back_office_user, note="Rente")
    second.refresh_from_db()
    assert second.status == BankStatementLine.Status.IGNORED


def test_overdue_list_and_a_reminder_sent_once(
    invoice, second_invoice, settings, django_capture_on_commit_callbacks
):
    settings.INVOICE_REMINDER_DAYS = 7
    payment_record_manual(
        invoices=[second_invoice], amount=second_invoice.total, payment_date=BEFORE_DUE, actor=None
    )
    assert list(invoice_list_overdue(today=AFTER_DUE)) == [invoice]
    # Due 16 April: not yet on the 22nd (6 days), on the 23rd.
    with django_capture_on_commit_callbacks(execute=True):
        assert invoice_reminders_create(today=datetime.date(2026, 4, 22)) == []
    with django_capture_on_commit_callbacks(execute=True):
        [reminder] = invoice_reminders_create(today=datetime.date(2026, 4, 23))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [invoice.client.billing_email]
    assert invoice.number in message.subject
    assert invoice.payment_reference in message.body
    with django_capture_on_commit_callbacks(execute=True):
        assert invoice_reminders_create(today=datetime.date(2026, 4, 30)) == []
    from billing.tasks import invoice_reminder_send_task

    invoice_reminder_send_task(reminder.pk)  # a redelivered task
    assert len(mail.outbox) == 1
    assert InvoiceReminder.objects.get().sent_at is not None


def test_the_database_allows_one_reminder_per_level(invoice):
    from django.db import IntegrityError

    InvoiceReminder.objects.create(invoice=invoice, level=1, amount_open=1, recipient="a@b.nl")
    with pytest.raises(IntegrityError):
        InvoiceReminder.objects.create(invoice=invoice, level=1, amount_open=1, recipient="a@b.nl")


# --- Admin pages ------------------------------------------------------------------------------


def test_admin_import_queue_and_receivables(invoice, back_office_client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = SimpleUploadedFile(
        "afschrift.xml",
        camt053(
            Credit(invoice.total, "R1", structured=invoice.payment_reference),
            Credit("9.99", "R2", description="onbekend"),
        ),
    )
    response = back_office_client.post(
        reverse("admin:billing_bankstatement_import"), {"file": upload}
    )
    assert response.status_code == 302
    queue = back_office_client.get(response["Location"])
    assert queue.status_code == 200
    assert "9,99" in queue.content.decode() or "9.99" in queue.content.decode()
    line = BankStatementLine.objects.get(reference="R2")
    page = back_office_client.post(
        reverse("admin:billing_bankstatementline_ignore", args=[line.pk]), {"note": "Rente"}
    )
    assert page.status_code == 302
    for name in [
        "admin:billing_receivable_changelist",
        "admin:billing_payment_changelist",
        "admin:billing_bankstatement_changelist",
        "admin:billing_invoicereminder_changelist",
        "admin:billing_payment_record",
    ]:
        assert back_office_client.get(reverse(name)).status_code == 200, name
    overdue = back_office_client.get(
        reverse("admin:billing_receivable_changelist"), {"payment_status": "paid"}
    )
    assert invoice.number in overdue.content.decode()


def test_admin_payment_pages_are_closed_to_coordinators(coordinator_client):
    from django.urls import reverse

    for name in ["admin:billing_bankstatement_import", "admin:billing_payment_record"]:
        response = coordinator_client.get(reverse(name))
        assert response.status_code in (302, 403, 404)
