"""The stalled-work sweeper and billing (billing.sweeps): an invoice run whose worker died
inside a client's invoice is requeued after RUN_STALL_MINUTES without progress and ends with
every client invoiced once, the invoices (numbers included) of a run without a crash; a run
making progress is left alone; missing PDFs are requeued once the workers stopped storing
them."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from billing import sweeps
from billing.models import Invoice, InvoiceRun
from billing.services import invoice_run_month, invoice_run_start, run_batch
from billing.services import runs as run_services
from billing.services.invoices import pdf_rendering_deferred
from core.models import AuditEvent
from core.sweeps import stalled_work_sweep
from placements.models import TimeEntry
from tests.billing.factories import APRIL_2, MARCH, client_with_march_hours, issued_invoice
from tests.clock import clock_at

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Not an Exception: like a SIGKILL, nothing is recorded, the transaction is lost."""


class _Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def _stall_ten_minutes(settings):
    settings.RUN_STALL_MINUTES = 10


def _invoices() -> list[tuple]:
    return sorted(
        (
            invoice.client_id,
            invoice.number,
            invoice.subtotal,
            invoice.vat_amount,
            invoice.total,
            tuple(sorted(invoice.lines.values_list("assignment_id", "hours", "rate", "amount"))),
        )
        for invoice in Invoice.objects.filter(status=Invoice.Status.ISSUED)
    )


def _uninterrupted_invoices() -> list[tuple]:
    try:
        with transaction.atomic():
            run = invoice_run_month(month=MARCH, invoice_date=APRIL_2, actor=None)
            assert (run.status, run.clients_done) == ("done", 3)
            invoices = _invoices()
            raise _Rollback
    except _Rollback:
        pass
    assert not Invoice.objects.exists() and not InvoiceRun.objects.exists()
    return invoices


def test_a_run_killed_inside_a_client_is_requeued_and_invoices_each_client_once(
    framework, monkeypatch, django_capture_on_commit_callbacks
):
    clients = [client_with_march_hours(assignments=2, hours=("8.00", "4.25")) for _ in range(3)]
    with pdf_rendering_deferred():
        expected = _uninterrupted_invoices()
        assert [number for _client, number, *_rest in expected] == [
            "2026-000001",
            "2026-000002",
            "2026-000003",
        ]

        with clock_at("2026-12-05T10:00Z"), django_capture_on_commit_callbacks(execute=False):
            run = invoice_run_start(month=MARCH, invoice_date=APRIL_2, actor=None)  # task lost
        # Batches of one client: the worker dies inside the second batch's transaction.
        monkeypatch.setattr(run_services, "BATCH_CLIENTS", 1)
        real_audit = run_batch._audit_issued
        batches = []

        def killed_in_the_second(**kwargs):
            if batches:
                raise WorkerKilled
            batches.append(1)
            return real_audit(**kwargs)

        monkeypatch.setattr(run_batch, "_audit_issued", killed_in_the_second)
        with clock_at("2026-12-05T10:01Z"), pytest.raises(WorkerKilled):
            run_services.invoice_run_execute(run_id=run.pk)
        monkeypatch.undo()
        run.refresh_from_db()
        assert (run.status, run.clients_done, run.clients_total) == ("running", 1, 3)
        assert Invoice.objects.count() == 1  # the second client's transaction died

        with clock_at("2026-12-05T10:11Z"), django_capture_on_commit_callbacks(execute=True):
            assert stalled_work_sweep(names=["billing.invoice_runs"]) == {"billing.invoice_runs": 0}
        with clock_at("2026-12-05T10:12Z"), django_capture_on_commit_callbacks(execute=True):
            assert stalled_work_sweep(names=["billing.invoice_runs"]) == {"billing.invoice_runs": 1}

    run.refresh_from_db()
    assert (run.status, run.clients_done, run.clients_total) == ("done", 3, 3)
    assert sorted(Invoice.objects.values_list("client_id", flat=True)) == sorted(
        c.pk for c in clients
    )
    assert _invoices() == expected  # numbers, amounts and lines of a run without a crash
    assert not TimeEntry.objects.filter(status=TimeEntry.Status.APPROVED).exists()
    requeue = AuditEvent.objects.get(action="sweep.requeue")
    assert requeue.object_id == str(run.pk) and "1 of 3 clients invoiced" in requeue.summary


def test_a_pending_run_whose_task_was_lost_is_requeued(
    framework, django_capture_on_commit_callbacks
):
    client_with_march_hours()
    with clock_at("2026-12-05T10:00Z"), django_capture_on_commit_callbacks(execute=False):
        run = invoice_run_start(month=MARCH, invoice_date=APRIL_2, actor=None)
    with (
        pdf_rendering_deferred(),
        clock_at("2026-12-05T10:11Z"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        stalled_work_sweep(names=["billing.invoice_runs"])
    run.refresh_from_db()
    assert (run.status, run.clients_done) == ("done", 1)


def test_a_run_making_progress_is_left_alone(
    framework, monkeypatch, django_capture_on_commit_callbacks
):
    first = client_with_march_hours()
    client_with_march_hours()
    queued = []
    monkeypatch.setattr(sweeps, "_queue_run", queued.append)
    with clock_at("2026-12-05T10:00Z"):
        run = InvoiceRun.objects.create(
            month=MARCH, invoice_date=APRIL_2, status=InvoiceRun.Status.RUNNING
        )
    with pdf_rendering_deferred(), clock_at("2026-12-05T10:30Z") as now:  # a client invoiced
        run_services._invoice_client(
            run=run, client_id=first.pk, vat_percentage=Decimal("21.00"), actor=None
        )
    run.refresh_from_db()
    assert (run.clients_done, run.progress_at) == (1, now)
    with clock_at("2026-12-05T10:35Z"), django_capture_on_commit_callbacks(execute=True):
        assert stalled_work_sweep(names=["billing.invoice_runs"]) == {"billing.invoice_runs": 0}
    with clock_at("2026-12-05T10:41Z"), django_capture_on_commit_callbacks(execute=True):
        # eleven minutes after it: stalled
        assert stalled_work_sweep(names=["billing.invoice_runs"]) == {"billing.invoice_runs": 1}
    assert queued == [run.pk]


def test_missing_pdfs_are_requeued_once_the_workers_stopped_storing_them(
    framework, monkeypatch, django_capture_on_commit_callbacks
):
    from billing import tasks

    queued = []
    monkeypatch.setattr(tasks.invoice_render_pdf_task, "delay", queued.append)
    with pdf_rendering_deferred(), clock_at("2026-12-05T10:00Z"):
        missing = issued_invoice()
        rendered = issued_invoice()
    # Another invoice's PDF stored at 10:05: the workers are working through a backlog.
    Invoice.objects.filter(pk=rendered.pk).update(
        pdf_rendered_at=datetime.datetime(2026, 12, 5, 10, 5, tzinfo=datetime.UTC)
    )

    def sweep(moment: str) -> dict:
        with clock_at(moment), django_capture_on_commit_callbacks(execute=True):
            return stalled_work_sweep(names=["billing.invoice_pdfs"])

    assert sweep("2026-12-05T10:09Z") == {"billing.invoice_pdfs": 0}  # issued 9 minutes ago
    assert sweep("2026-12-05T10:14Z") == {"billing.invoice_pdfs": 0}  # a PDF 9 minutes ago
    assert sweep("2026-12-05T10:16Z") == {"billing.invoice_pdfs": 1}
    assert sweep("2026-12-05T10:17Z") == {"billing.invoice_pdfs": 0}  # claimed in this window
    assert queued == [missing.pk]
    assert AuditEvent.objects.filter(action="sweep.requeue").count() == 1
