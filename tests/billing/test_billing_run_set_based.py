"""The set-based invoice run issues exactly what the per-client run issued before it.

The same data is invoiced twice: by the old path (one client per transaction,
`per_client=True`) in a savepoint that is rolled back, then by the set-based run. Every
figure of every invoice must be equal: numbers, lines, hours, rates, amounts, subtotal, VAT,
total, payment reference, the client's details, the linked entries and the audit records.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from billing.models import DocumentCounter, Invoice, InvoiceLineEntry, InvoiceRun
from billing.services import invoice_run_month
from billing.services import runs as run_services
from core.models import AuditEvent
from placements.models import TimeEntry
from tests.billing.factories import (
    APRIL_2,
    MARCH,
    approved_hours,
    billable_assignment,
    draft_invoice,
    march_days,
)
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    ClientFactory,
    PlacementsMunicipalityFactory,
    PlacementsUserFactory,
    TimeEntryFactory,
    general_framework,
)

RATES = ["14.71", "15.10", "16.63", "18.21", "21.37", "99.99"]
# Hours whose products with the rates above end on half cents (6.25 x 15.10 = 94.375,
# 0.25 x 14.71 = 3.6775, 7.25 x 16.63 = 120.5675 ...).
HOURS = ["8.00", "6.25", "0.25", "7.25", "3.75", "4.50", "0.50", "23.99", "1.05"]


def _varied_month():
    """Clients with one to twelve assignments at several rates, in two municipalities, with
    hours of March around half cents; and hours the run must leave alone: April's,
    February's, entered ones, and those already on a draft invoice."""
    north, south = PlacementsMunicipalityFactory(), PlacementsMunicipalityFactory()
    clients = []
    for n in range(9):
        client = ClientFactory(
            vat_number=f"NL00{n:07d}B01" if n % 2 else "",
            contact_person=f"Contact {n}",
            invoice_reference=f"PO-{n}" if n % 3 else "",
        )
        clients.append(client)
        for a in range(1 + (n * 5) % 12):
            candidate = CandidateFactory(
                municipality=north if (n + a) % 3 else south,
                last_name="van der Wal" if a % 2 else "Jansen",
            )
            assignment = billable_assignment(
                client=client,
                candidate=candidate,
                hourly_rate=Decimal(RATES[(n + a) % len(RATES)]),
                work_description=f"Werk {n}-{a}",
            )
            days = [HOURS[(n + a + d) % len(HOURS)] for d in range(1 + (n + a) % 6)]
            approved_hours(assignment, *march_days(*days))
            if a == 0:
                # Not this run's.
                approved_hours(assignment, (datetime.date(2026, 4, 1), "8.00"))
                TimeEntryFactory(assignment=assignment, work_date=datetime.date(2026, 3, 25))
    # A February entry (approved), and a client whose March hours are on a draft already.
    early = AssignmentFactory(active=True, start_date=datetime.date(2026, 2, 2))
    approved_hours(early, (datetime.date(2026, 2, 27), "5.00"))
    draft_invoice(hours=("8.00", "1.25"))
    # A client with March hours but no rate-bearing surprises: one entry of a cent's hour.
    tiny = ClientFactory()
    approved_hours(
        billable_assignment(client=tiny, hourly_rate=Decimal("14.71")), *march_days("0.01")
    )
    return [*clients, tiny]


def _figures() -> dict:
    """Everything a run decides, by invoice number (issued_at, ids and creation times
    excepted)."""
    figures = {}
    for invoice in Invoice.objects.filter(run__isnull=False).prefetch_related("lines__entries"):
        lines = sorted(
            (
                line.assignment_id,
                line.municipality_id,
                line.candidate_name,
                line.candidate_client_number,
                line.description,
                line.hours,
                line.rate,
                line.amount,
                tuple(sorted(link.time_entry_id for link in line.entries.all())),
            )
            for line in invoice.lines.all()
        )
        audit = AuditEvent.objects.get(action="invoice.issue", object_id=str(invoice.pk))
        figures[invoice.number] = {
            "client": invoice.client_id,
            "status": invoice.status,
            "period": invoice.period,
            "invoice_date": invoice.invoice_date,
            "due_date": invoice.due_date,
            "payment_reference": invoice.payment_reference,
            "vat_percentage": invoice.vat_percentage,
            "subtotal": invoice.subtotal,
            "vat_amount": invoice.vat_amount,
            "total": invoice.total,
            "client_details": (
                invoice.client_name,
                invoice.client_address,
                invoice.client_kvk_number,
                invoice.client_vat_number,
                invoice.client_contact,
                invoice.client_reference,
            ),
            "issued_by": invoice.issued_by_id,
            "lines": lines,
            "audit": (audit.actor_id, audit.object_repr, audit.summary, audit.changes),
        }
    return figures


def _state() -> dict:
    return {
        "entries": dict(TimeEntry.objects.values_list("pk", "status")),
        "counter": list(DocumentCounter.objects.values_list("series", "year", "last_number")),
        "run": list(InvoiceRun.objects.values_list("status", "clients_total", "clients_done")),
    }


@pytest.mark.parametrize("vat", ["21.00", "9.00", "20.50"])
@pytest.mark.django_db
def test_the_set_based_run_issues_what_the_per_client_run_issued(vat):
    general_framework(vat_percentage=Decimal(vat))
    clients = _varied_month()
    actor = PlacementsUserFactory()

    with transaction.atomic():
        old_run = invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=actor, per_client=True)
        old = _figures()
        old_state = _state()
        transaction.set_rollback(True)
    assert not Invoice.objects.filter(run__isnull=False).exists()

    new_run = invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=actor)
    new = _figures()

    assert (old_run.status, old_run.clients_done) == ("done", len(clients))
    assert (new_run.status, new_run.clients_total, new_run.clients_done) == (
        "done",
        len(clients),
        len(clients),
    )
    assert sorted(new) == [f"2026-{n:06d}" for n in range(1, len(clients) + 1)]
    assert new == old
    assert _state() == old_state
    # Hours the run must leave alone stayed as they were.
    assert TimeEntry.objects.filter(status="entered").count() == 9
    assert TimeEntry.objects.filter(status="approved").count() == 10  # 9 April, 1 February
    assert InvoiceLineEntry.objects.count() == TimeEntry.objects.filter(status="invoiced").count()
    # Half cents are where the two could differ: there are lines on them.
    products = [line[5] * line[6] for figures in new.values() for line in figures["lines"]]
    assert any(p % Decimal("0.01") == Decimal("0.005") for p in products)


@pytest.mark.django_db
def test_a_batch_is_a_handful_of_statements_whatever_its_size(framework, monkeypatch):
    """The set-based run costs statements per batch, not per client or entry."""
    for n in range(12):
        client = ClientFactory()
        for _ in range(1 + n % 3):
            approved_hours(billable_assignment(client=client), *march_days("8.00", "6.25", "1.00"))
    monkeypatch.setattr(run_services, "BATCH_CLIENTS", 6)
    with CaptureQueriesContext(connection) as queries:
        run = invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None)
    assert (run.status, run.clients_done) == ("done", 12)
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    # Per batch: the drafts with their lines and links (one statement), the audit records;
    # the run's own start and finish records.
    assert len([q for q in inserts if "billing_invoicelineentry" in q]) == 2
    assert len([q for q in inserts if '"core_auditevent"' in q]) == 2 + 2
    assert len(queries.captured_queries) < 60


@pytest.mark.django_db
def test_concurrent_writes_to_an_issued_invoices_links_are_refused_as_a_set(framework):
    """The statement-level trigger checks every row of a statement: one link of an issued
    invoice among draft ones refuses the whole statement."""
    run = invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None)
    assert run.status == "done"  # nothing to invoice yet
    draft = draft_invoice(hours=("8.00",))
    issued_client = ClientFactory()
    approved_hours(billable_assignment(client=issued_client), *march_days("2.00"))
    invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None)
    issued = Invoice.objects.get(client=issued_client)
    assert issued.is_issued
    draft_line, issued_line = draft.lines.get(), issued.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_invoicelineentry SET line_id = line_id WHERE line_id = ANY(%s)",
            [[draft_line.pk, issued_line.pk]],
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM billing_invoicelineentry WHERE line_id = ANY(%s)",
            [[draft_line.pk, issued_line.pk]],
        )
    assert InvoiceLineEntry.objects.filter(line=draft_line).exists()
    # The draft's own links alone may change.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_invoicelineentry SET line_id = line_id WHERE line_id = %s",
            [draft_line.pk],
        )


@pytest.mark.django_db(transaction=True)
def test_a_run_outside_a_transaction_vacuums_what_it_rewrote(monkeypatch):
    general_framework()
    for _ in range(3):
        approved_hours(billable_assignment(client=ClientFactory()), *march_days("8.00"))
    monkeypatch.setattr(run_services, "VACUUM_AFTER_INVOICES", 3)
    with CaptureQueriesContext(connection) as queries:
        run = invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None)
    assert (run.status, run.clients_done) == ("done", 3)
    assert [q["sql"] for q in queries.captured_queries if q["sql"].startswith("VACUUM")] == [
        "VACUUM (ANALYZE) placements_timeentry, billing_invoice"
    ]


@pytest.mark.django_db
def test_a_run_inside_a_transaction_does_not_vacuum(framework, monkeypatch):
    approved_hours(billable_assignment(client=ClientFactory()), *march_days("8.00"))
    monkeypatch.setattr(run_services, "VACUUM_AFTER_INVOICES", 1)
    with CaptureQueriesContext(connection) as queries:
        assert invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None).clients_done == 1
    assert not [q for q in queries.captured_queries if q["sql"].startswith("VACUUM")]
