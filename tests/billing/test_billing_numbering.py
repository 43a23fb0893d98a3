"""Numbers: gapless per year and series, under concurrency and when a finalisation fails."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from stdnum import iso11649

from billing.models import DocumentCounter, Invoice
from billing.services import (
    credit_note_create,
    document_number_next,
    invoice_finalise,
    payment_reference_for,
)
from billing.services import invoices as invoice_services
from tests.billing.factories import APRIL_2, draft_invoice, issued_invoice
from tests.clock import clock_at
from tests.placements.factories import general_framework


def _sequence(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


@pytest.mark.django_db
def test_a_draft_has_no_number_and_finalising_gives_the_next(framework):
    draft = draft_invoice()
    assert draft.number is None and draft.status == Invoice.Status.DRAFT
    first = invoice_finalise(invoice=draft, actor=None, invoice_date=APRIL_2)
    second = issued_invoice()
    assert (first.number, second.number) == ("2026-000001", "2026-000002")


@pytest.mark.django_db
def test_the_invoice_date_decides_the_year(framework):
    with clock_at("2027-01-04T09:00Z"):  # neither invoice is dated after today
        december = issued_invoice(invoice_date=datetime.date(2026, 12, 31))
        january = issued_invoice(invoice_date=datetime.date(2027, 1, 4))
    assert (december.number, january.number) == ("2026-000001", "2027-000001")


@pytest.mark.django_db
def test_credit_notes_have_their_own_series(framework):
    invoice = issued_invoice()
    note = credit_note_create(
        invoice=invoice, actor=None, reason="Wrong hours", credit_date=APRIL_2
    )
    later = issued_invoice()
    assert note.number == "C2026-000001"
    assert later.number == "2026-000002"


@pytest.mark.django_db
def test_the_payment_reference_is_a_valid_creditor_reference(framework):
    invoice = issued_invoice()
    assert invoice.payment_reference == payment_reference_for("2026-000001")
    assert iso11649.is_valid(invoice.payment_reference)
    assert invoice.payment_reference.endswith("2026000001")
    for number in ["2026-000123", "2027-999999", "2030-000010"]:
        assert iso11649.is_valid(payment_reference_for(number))


@pytest.mark.parametrize(
    ("number", "reference"),
    [
        ("2026-000001", "RF422026000001"),
        ("2026-000123", "RF462026000123"),
        ("C2026-000012", "RF362026000012"),
        ("5390-0754-7034", "RF18539007547034"),  # the example of ISO 11649
    ],
)
def test_known_payment_references(number, reference):
    assert payment_reference_for(number) == reference


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_inside_a_transaction_only():
    with pytest.raises(RuntimeError):
        document_number_next(series=DocumentCounter.Series.INVOICE, year=2026)


@pytest.mark.django_db
def test_a_finalisation_failing_after_taking_its_number_leaves_no_gap(framework, monkeypatch):
    first = issued_invoice()
    doomed = draft_invoice()

    def fail(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(invoice_services, "audit_record", fail)
    with pytest.raises(RuntimeError):
        invoice_finalise(invoice=doomed, actor=None, invoice_date=APRIL_2)
    monkeypatch.undo()

    doomed.refresh_from_db()
    assert doomed.status == Invoice.Status.DRAFT and doomed.number is None
    assert DocumentCounter.objects.get(series="invoice", year=2026).last_number == 1
    again = invoice_finalise(invoice=doomed, actor=None, invoice_date=APRIL_2)
    assert (first.number, again.number) == ("2026-000001", "2026-000002")


@pytest.mark.django_db
def test_an_issued_invoice_is_not_finalised_again(framework):
    invoice = issued_invoice()
    with pytest.raises(ValidationError) as error:
        invoice_finalise(invoice=invoice, actor=None, invoice_date=APRIL_2)
    assert error.value.error_list[0].code == "invoice_issued"
    assert DocumentCounter.objects.get(series="invoice", year=2026).last_number == 1


CONCURRENT = 24
FAILING = {3, 11, 17}  # these finalisations fail after taking their number


@pytest.mark.django_db(transaction=True)
def test_concurrent_finalisations_give_no_duplicates_and_no_gaps(monkeypatch):
    """24 threads, each with its own database connection, finalise 24 drafts at once (the
    counter row of the year does not exist yet either); three of them fail after taking
    their number. The 21 that commit are numbered 1..21 of 2026."""
    general_framework()
    drafts = [draft_invoice() for _ in range(CONCURRENT)]
    doomed_ids = {drafts[i].pk for i in FAILING}
    real_audit = invoice_services.audit_record

    def audit_or_fail(**kwargs):
        if kwargs["obj"].pk in doomed_ids:
            raise RuntimeError("fails halfway")
        return real_audit(**kwargs)

    monkeypatch.setattr(invoice_services, "audit_record", audit_or_fail)
    barrier = threading.Barrier(CONCURRENT)
    errors: list[BaseException] = []

    def finalise(draft):
        try:
            barrier.wait()
            invoice_finalise(invoice=draft, actor=None, invoice_date=APRIL_2)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=finalise, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(errors) == len(FAILING)
    assert all(str(error) == "fails halfway" for error in errors)
    numbers = list(Invoice.objects.filter(status="issued").values_list("number", flat=True))
    sequences = sorted(_sequence(n) for n in numbers)
    assert len(numbers) == len(set(numbers))  # no duplicates
    assert sequences == list(range(1, CONCURRENT - len(FAILING) + 1))  # no gaps
    assert Invoice.objects.filter(pk__in=doomed_ids, status="draft", number=None).count() == 3
    assert DocumentCounter.objects.get(series="invoice", year=2026).last_number == 21


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_numbers_of_a_year_share_one_counter():
    numbers: list[str] = []
    barrier = threading.Barrier(20)

    def take():
        try:
            barrier.wait()
            with transaction.atomic():
                numbers.append(
                    document_number_next(series=DocumentCounter.Series.CREDIT_NOTE, year=2031)
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(numbers) == [f"C2031-{n:06d}" for n in range(1, 21)]
