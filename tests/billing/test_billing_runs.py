"""The monthly invoice run: one invoice per client, one line per assignment, and nothing
twice when it runs again, concurrently, or after a crash."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from billing.models import DocumentCounter, Invoice, InvoiceLineEntry, InvoiceRun
from billing.services import invoice_finalise, invoice_run_month, invoice_run_start, run_batch
from billing.services import invoices as invoice_services
from billing.services import runs as run_services
from billing.tasks import invoice_run_task
from core.models import AuditEvent
from placements.models import TimeEntry
from tests.billing.factories import (
    APRIL_2,
    MARCH,
    approved_hours,
    billable_assignment,
    client_with_march_hours,
    draft_invoice,
    march_days,
)
from tests.clock import clock_at
from tests.placements.factories import (
    ClientFactory,
    PlacementsMunicipalityFactory,
    TimeEntryFactory,
    general_framework,
)


def _run(**kwargs) -> InvoiceRun:
    return invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None, **kwargs)


def _assert_each_entry_invoiced_once():
    invoiced = TimeEntry.objects.filter(status=TimeEntry.Status.INVOICED)
    assert InvoiceLineEntry.objects.count() == invoiced.count()
    assert not Invoice.objects.values("run", "client").annotate(n=Count("pk")).filter(n__gt=1)


@pytest.mark.django_db
def test_one_invoice_per_client_one_line_per_assignment(framework):
    north, south = PlacementsMunicipalityFactory(), PlacementsMunicipalityFactory()
    client = ClientFactory()
    first = billable_assignment(client=client, candidate__municipality=north)
    second = billable_assignment(
        client=client, candidate__municipality=south, hourly_rate=Decimal("15.10")
    )
    approved_hours(first, *march_days("8.00", "4.50"))
    approved_hours(second, *march_days("6.25"))
    other_client = client_with_march_hours(hours=("3.00",))
    # Not this run's: April hours, entered (unapproved) hours, and another month's.
    approved_hours(first, (datetime.date(2026, 4, 1), "8.00"))
    TimeEntryFactory(assignment=first, work_date=datetime.date(2026, 3, 20))

    run = _run()

    assert (run.status, run.clients_total, run.clients_done) == ("done", 2, 2)
    invoice = Invoice.objects.get(client=client)
    assert invoice.run == run and invoice.period == MARCH and invoice.invoice_date == APRIL_2
    lines = {line.assignment_id: line for line in invoice.lines.all()}
    assert set(lines) == {first.pk, second.pk}
    assert (lines[first.pk].hours, lines[first.pk].rate, lines[first.pk].amount) == (
        Decimal("12.50"),
        Decimal("16.50"),
        Decimal("206.25"),
    )
    assert lines[first.pk].municipality == north
    assert lines[second.pk].municipality == south
    assert lines[second.pk].amount == Decimal("94.38")  # 6.25 x 15.10 = 94.375
    assert lines[first.pk].candidate_name == first.candidate.full_name
    assert invoice.subtotal == Decimal("300.63")
    assert invoice.vat_amount == Decimal("63.13")  # 21% of 300.63 = 63.1323
    assert Invoice.objects.get(client=other_client).lines.get().amount == Decimal("49.50")
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        "2026-000001",
        "2026-000002",
    ]
    assert TimeEntry.objects.filter(status="approved").count() == 1  # the April one
    assert TimeEntry.objects.filter(status="entered").count() == 1
    _assert_each_entry_invoiced_once()


@pytest.mark.django_db
def test_the_rate_is_copied(framework):
    client = client_with_march_hours()
    _run()
    client.assignments.update(hourly_rate=Decimal("99.00"))
    assert Invoice.objects.get(client=client).lines.get().rate == Decimal("16.50")


@pytest.mark.django_db
def test_running_a_month_again_creates_nothing_twice(framework):
    clients = [client_with_march_hours(hours=("8.00", "8.00")) for _ in range(3)]
    first = _run()
    second = _run()
    assert first.pk != second.pk  # the first one finished; the second found nothing left
    assert (second.status, second.clients_total, second.clients_done) == ("done", 0, 0)
    assert Invoice.objects.count() == 3
    # Hours approved late are invoiced by the next run of the month, on a new invoice.
    late = approved_hours(clients[0].assignments.get(), (datetime.date(2026, 3, 31), "2.00"))[0]
    third = _run()
    assert third.clients_done == 1
    assert Invoice.objects.filter(client=clients[0]).count() == 2
    assert late.invoice_link.line.invoice.run == third
    assert Invoice.objects.filter(run=third).get().subtotal == Decimal("33.00")
    _assert_each_entry_invoiced_once()


@pytest.mark.django_db
def test_a_redelivered_task_creates_nothing_twice(framework):
    client_with_march_hours()
    run = _run()
    invoice_run_task(run.pk)
    invoice_run_task.delay(run.pk)
    assert Invoice.objects.count() == 1


@pytest.mark.django_db
def test_a_crashed_run_leaves_whole_invoices_and_resumes(framework, monkeypatch):
    """Batches of two clients; the second batch crashes after its invoices were written,
    numbered and issued (at its audit records): it rolls back whole, numbers included."""
    clients = [client_with_march_hours(assignments=2) for _ in range(4)]
    monkeypatch.setattr(run_services, "BATCH_CLIENTS", 2)
    real_audit = run_batch._audit_issued
    calls = {"n": 0}

    def crash_in_the_second_batch(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            assert Invoice.objects.filter(status="issued").count() == 4  # all written, then:
            raise RuntimeError("worker lost")
        return real_audit(**kwargs)

    monkeypatch.setattr(run_batch, "_audit_issued", crash_in_the_second_batch)
    with pytest.raises(RuntimeError):
        _run()
    run = InvoiceRun.objects.get()
    assert (run.status, run.clients_done, run.clients_total) == ("failed", 2, 4)
    assert "worker lost" in run.error
    assert Invoice.objects.count() == 2  # whole invoices only: the second batch rolled back
    assert all(i.lines.count() == 2 for i in Invoice.objects.all())
    assert TimeEntry.objects.filter(status="approved").count() == 4  # the last two clients'
    assert InvoiceLineEntry.objects.count() == 4
    assert DocumentCounter.objects.get(series="invoice", year=2026).last_number == 2

    monkeypatch.undo()
    again = _run()
    assert (again.status, again.clients_done) == ("done", 2)
    assert {i.client_id for i in Invoice.objects.all()} == {c.pk for c in clients}
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"2026-{n:06d}" for n in range(1, 5)]  # no gap at the crash
    _assert_each_entry_invoiced_once()


@pytest.mark.django_db
def test_the_old_per_client_execution_crashes_per_client(framework, monkeypatch):
    """The reference path (one client per transaction) still resumes as before."""
    clients = [client_with_march_hours(assignments=2) for _ in range(4)]
    real_issue = run_services._issue
    calls = {"n": 0}

    def crash_on_the_third(invoice, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker lost")
        return real_issue(invoice, **kwargs)

    monkeypatch.setattr(run_services, "_issue", crash_on_the_third)
    with pytest.raises(RuntimeError):
        _run(per_client=True)
    assert Invoice.objects.count() == 2
    monkeypatch.undo()
    assert _run().clients_done == 2  # the set-based run picks up the rest
    assert {i.client_id for i in Invoice.objects.all()} == {c.pk for c in clients}
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"2026-{n:06d}" for n in range(1, 5)]
    _assert_each_entry_invoiced_once()


@pytest.mark.django_db
def test_a_run_under_way_is_resumed_not_duplicated(framework):
    client_with_march_hours()
    stuck = InvoiceRun.objects.create(
        month=MARCH, invoice_date=APRIL_2, status=InvoiceRun.Status.RUNNING
    )
    run = _run()
    assert run.pk == stuck.pk and run.status == "done"
    assert InvoiceRun.objects.count() == 1
    InvoiceRun.objects.create(month=MARCH, invoice_date=APRIL_2)
    with pytest.raises(ValidationError) as error:
        invoice_run_start(month=MARCH, invoice_date=datetime.date(2026, 4, 3), actor=None)
    assert error.value.error_list[0].code == "run_under_way"


@pytest.mark.django_db
def test_the_invoice_date_lies_after_the_month(framework):
    client_with_march_hours()
    with pytest.raises(ValidationError) as error:
        invoice_run_month(month=MARCH, invoice_date=datetime.date(2026, 3, 30), actor=None)
    assert "invoice_date" in error.value.error_dict
    assert not InvoiceRun.objects.exists()
    # The month's last day is fine.
    assert (
        invoice_run_month(
            month=MARCH, invoice_date=datetime.date(2026, 3, 31), actor=None
        ).clients_done
        == 1
    )


@pytest.mark.django_db
def test_the_command(framework, capsys):
    client_with_march_hours()
    call_command("run_invoices", "--month", "2026-03", "--date", "2026-04-02")
    assert "1 of 1" in capsys.readouterr().out
    assert Invoice.objects.get().invoice_date == APRIL_2
    with pytest.raises(CommandError):
        call_command("run_invoices", "--month", "03-2026")
    with pytest.raises(CommandError):
        call_command("run_invoices", "--month", "2026-03", "--date", "2026-03-15")


@pytest.mark.parametrize("batch", [500, 5])
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_one_month_create_nothing_twice(batch, monkeypatch):
    """Four executions of one run at once (two `run_invoices` and two deliveries of its
    task), in one batch or in batches of five clients that interleave:
    every client gets one invoice, every entry lands on one line, numbers stay gapless."""
    monkeypatch.setattr(run_services, "BATCH_CLIENTS", batch)
    general_framework()
    for _ in range(24):
        client_with_march_hours(assignments=2, hours=("8.00", "4.00"))
    run = InvoiceRun.objects.create(month=MARCH, invoice_date=APRIL_2)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def execute(fn):
        try:
            barrier.wait()
            fn()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    jobs = [
        lambda: invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None),
        lambda: invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None),
        lambda: run_services.invoice_run_execute(run_id=run.pk),
        lambda: run_services.invoice_run_execute(run_id=run.pk),
    ]
    threads = [threading.Thread(target=execute, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert Invoice.objects.count() == 24
    assert Invoice.objects.values("client").distinct().count() == 24
    assert not TimeEntry.objects.filter(status="approved").exists()
    _assert_each_entry_invoiced_once()
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"2026-{n:06d}" for n in range(1, 25)]
    assert not InvoiceRun.objects.filter(status__in=["pending", "running"]).exists()


# --- Only a month that has ended, dated no later than today ----------------------------------

NOVEMBER = datetime.date(2026, 11, 1)
DECEMBER = datetime.date(2026, 12, 1)
DECEMBER_1 = datetime.date(2026, 12, 1)
JANUARY_1 = datetime.date(2027, 1, 1)


def _late_autumn_hours() -> list[TimeEntry]:
    """Approved hours on 2 and 3 November and on 1 and 2 December 2026."""
    assignment = billable_assignment(
        start_date=datetime.date(2026, 11, 2), end_date=datetime.date(2027, 1, 29)
    )
    return approved_hours(
        assignment,
        (datetime.date(2026, 11, 2), "8.00"),
        (datetime.date(2026, 11, 3), "6.00"),
        (datetime.date(2026, 12, 1), "8.00"),
        (datetime.date(2026, 12, 2), "4.00"),
    )


def _nothing_written():
    assert not InvoiceRun.objects.exists()
    assert not Invoice.objects.exists()
    assert not AuditEvent.objects.exists()
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {"approved"}


def test_the_check_itself(db):
    check = invoice_services.invoice_date_check
    check(month=NOVEMBER, invoice_date=DECEMBER_1, today=DECEMBER_1)
    check(month=NOVEMBER, invoice_date=datetime.date(2026, 11, 30), today=DECEMBER_1)
    with pytest.raises(ValidationError) as error:
        check(month=NOVEMBER, invoice_date=DECEMBER_1, today=datetime.date(2026, 11, 30))
    assert error.value.message_dict == {
        "month": [
            "11-2026 has not ended yet: its hours can be invoiced from 01-12-2026, once they "
            "have all been worked."
        ],
        "invoice_date": [
            "The invoice date 01-12-2026 lies after today (30-11-2026): an invoice is dated on "
            "the day it is issued, not later."
        ],
    }
    with pytest.raises(ValidationError) as error:  # ended, but dated later than today
        check(month=NOVEMBER, invoice_date=datetime.date(2026, 12, 7), today=DECEMBER_1)
    assert list(error.value.message_dict) == ["invoice_date"]


@pytest.mark.django_db
def test_the_command_refuses_a_month_not_ended_and_a_date_after_today(framework):
    """`run_invoices --month 2026-12 --date 2027-01-01` on 4 December: refused, exit code 1,
    nothing written (it once issued an invoice dated 1 January on 4 December)."""
    _late_autumn_hours()
    with clock_at("2026-12-04T15:00Z"), pytest.raises(CommandError) as error:
        call_command("run_invoices", "--month", "2026-12", "--date", "2027-01-01")
    assert error.value.returncode == 1  # manage.py prints the message and exits with this
    assert str(error.value) == (
        "12-2026 has not ended yet: its hours can be invoiced from 01-01-2027, once they have "
        "all been worked. The invoice date 01-01-2027 lies after today (04-12-2026): an "
        "invoice is dated on the day it is issued, not later."
    )
    _nothing_written()


@pytest.mark.django_db
def test_the_command_refuses_the_running_month_dated_today(framework):
    _late_autumn_hours()
    with clock_at("2026-12-04T15:00Z"), pytest.raises(CommandError) as error:
        call_command("run_invoices", "--month", "2026-12")
    assert str(error.value) == (
        "12-2026 has not ended yet: its hours can be invoiced from 01-01-2027, once they have "
        "all been worked."
    )
    _nothing_written()


@pytest.mark.parametrize(
    ("now", "refused"),
    [
        ("2026-11-30T22:30Z", True),  # 23:30 on 30 November in Amsterdam (UTC+1)
        ("2026-11-30T23:30Z", False),  # 00:30 on 1 December in Amsterdam, UTC still November
    ],
)
@pytest.mark.django_db
def test_november_dated_1_december_by_amsterdam_midnight_not_utc(framework, now, refused):
    _late_autumn_hours()
    with clock_at(now):
        if not refused:
            run = invoice_run_month(month=NOVEMBER, invoice_date=DECEMBER_1, actor=None)
            assert (run.status, run.clients_done) == ("done", 1)
            assert Invoice.objects.get().invoice_date == DECEMBER_1
            return
        with pytest.raises(ValidationError) as error:
            invoice_run_month(month=NOVEMBER, invoice_date=DECEMBER_1, actor=None)
    assert set(error.value.message_dict) == {"month", "invoice_date"}
    _nothing_written()


@pytest.mark.django_db
def test_the_admin_form_shows_the_services_refusal(framework, back_office_client):
    _late_autumn_hours()
    start = reverse("admin:billing_invoicerun_start")
    with clock_at("2026-12-04T15:00Z"):
        response = back_office_client.post(
            start, {"month": "2026-12", "invoice_date": "01-01-2027"}
        )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"month", "invoice_date"}
    _nothing_written()


@pytest.mark.django_db
def test_the_task_refuses_a_run_recorded_for_a_month_not_ended(framework):
    """A run the start would refuse (recorded before the rule): the task issues nothing and
    the run fails with the reason."""
    _late_autumn_hours()
    run = InvoiceRun.objects.create(month=DECEMBER, invoice_date=JANUARY_1)
    with clock_at("2026-12-04T15:00Z"), pytest.raises(ValidationError) as error:
        invoice_run_task(run.pk)
    assert set(error.value.message_dict) == {"month", "invoice_date"}
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.FAILED
    assert "12-2026 has not ended yet" in run.error
    assert not Invoice.objects.exists()
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {"approved"}


@pytest.mark.django_db
def test_a_draft_is_not_issued_with_a_date_after_today(framework):
    draft = draft_invoice(month=NOVEMBER, client=_late_autumn_hours()[0].assignment.client)
    with clock_at("2026-12-04T15:00Z"):
        with pytest.raises(ValidationError) as error:
            invoice_finalise(invoice=draft, actor=None, invoice_date=datetime.date(2026, 12, 7))
        assert list(error.value.message_dict) == ["invoice_date"]
        issued = invoice_finalise(
            invoice=draft, actor=None, invoice_date=datetime.date(2026, 12, 4)
        )
    assert issued.number == "2026-000001"


@pytest.mark.django_db
def test_the_commands_refusal_in_dutch(framework):
    with (
        clock_at("2026-12-04T15:00Z"),
        translation.override("nl"),
        pytest.raises(CommandError) as error,
    ):
        call_command("run_invoices", "--month", "2026-12", "--date", "2027-01-01")
    assert str(error.value) == (
        "12-2026 is nog niet voorbij: de uren ervan kunnen vanaf 01-01-2027 worden "
        "gefactureerd, als ze allemaal gewerkt zijn. De factuurdatum 01-01-2027 ligt na "
        "vandaag (04-12-2026): een factuur krijgt de datum van de dag waarop ze definitief "
        "wordt gemaakt, niet later."
    )
