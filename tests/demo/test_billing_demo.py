"""`manage.py seed_demo`, billing part: a year of issued invoices, paid, partly paid, open and
overdue, one credit note, statement lines with one left to match; a second run changes
nothing. (No PDFs are rendered here: the seed queues them on commit, and the test's
transaction never commits.)"""

from collections import defaultdict

from django.db.models import Sum

from billing.models import (
    BankStatement,
    BankStatementLine,
    CreditNote,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    Payment,
)
from billing.selectors_payments import PaymentStatus, invoices_with_payment_status
from core.money import percentage_of
from placements.models import TimeEntry


def test_second_run_changes_nothing(data):
    first, second, output = data
    assert first == second
    assert first["Invoice"] > 300
    assert "Billing: " in output and "render_missing_pdfs" in output


def test_a_year_of_runs_with_every_payment_status(data):
    months = set(InvoiceRun.objects.values_list("month", flat=True))
    assert len(months) >= 11
    assert not InvoiceRun.objects.exclude(status=InvoiceRun.Status.DONE).exists()
    statuses = defaultdict(int)
    for status in invoices_with_payment_status().values_list("payment_status", flat=True):
        statuses[status] += 1
    assert set(statuses) == {
        PaymentStatus.PAID,
        PaymentStatus.PARTLY_PAID,
        PaymentStatus.OPEN,
        PaymentStatus.OVERDUE,
    }
    assert statuses[PaymentStatus.PAID] > statuses[PaymentStatus.OVERDUE]
    # Invoices dated on the third working day of the month after.
    for run in InvoiceRun.objects.order_by("month")[:3]:
        assert run.invoice_date.month != run.month.month
        assert run.invoice_date.day <= 7


def test_every_issued_invoice_adds_up_from_its_stored_lines(data):
    sums = dict(
        InvoiceLine.objects.values("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    invoices = Invoice.objects.filter(status=Invoice.Status.ISSUED)
    assert invoices.count() == Invoice.objects.count()  # no drafts left behind
    for invoice in invoices:
        assert invoice.subtotal == sums[invoice.pk]
        assert invoice.total == sums[invoice.pk] + invoice.vat_amount
        assert invoice.vat_amount == percentage_of(invoice.subtotal, invoice.vat_percentage)


def test_numbers_are_gapless_per_year(data):
    per_year = defaultdict(list)
    for number in Invoice.objects.values_list("number", flat=True):
        year, seq = number.split("-")
        per_year[year].append(int(seq))
    for year, numbers in per_year.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), year
        assert DocumentCounter.objects.get(series="invoice", year=int(year)).last_number == len(
            numbers
        )


def test_one_partial_credit_note_and_its_correction_approved(data):
    note = CreditNote.objects.get()
    assert note.is_full is False and note.number.startswith("C")
    credited = TimeEntry.objects.get(status=TimeEntry.Status.CREDITED)
    correction = TimeEntry.objects.get(
        assignment=credited.assignment,
        work_date=credited.work_date,
        status=TimeEntry.Status.APPROVED,
    )
    assert correction.hours < credited.hours
    assert note.total < note.invoice.total


def test_statement_lines_partial_combined_and_one_to_match(data):
    assert BankStatement.objects.count() >= 10
    assert BankStatementLine.objects.filter(status="unmatched").count() == 1
    assert BankStatementLine.objects.filter(status="ignored").count() == 1
    bank = Payment.objects.filter(source=Payment.Source.BANK)
    combined = [p for p in bank.prefetch_related("allocations") if p.allocations.count() > 1]
    assert combined
    partial = invoices_with_payment_status().filter(amount_paid__gt=0, amount_open__gt=0)
    assert partial.filter(payment_status=PaymentStatus.OVERDUE).exists()
    assert Payment.objects.filter(source=Payment.Source.MANUAL).count() == 2
