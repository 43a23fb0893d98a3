"""The stalled-work sweeper and settlement runs (core.sweeps, settlements.sweeps): a run whose
worker was killed inside a municipality is requeued after RUN_STALL_MINUTES without progress
and finishes with each municipality counted once and the figures of a run without a crash;
two sweepers at once requeue it once; a run that makes progress is left alone."""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core import sweeps as core_sweeps
from core.models import AuditEvent, SweepClaim
from core.sweeps import stalled_work_sweep, sweeps_registered
from settlements import sweeps
from settlements.models import Settlement, SettlementRun, SettlementRunItem
from settlements.services import runs
from settlements.services.runs import (
    settlement_run_municipality,
    settlement_run_period,
    settlement_run_start,
)
from tests.clock import clock_at
from tests.factories import MunicipalityFactory
from tests.settlements.conftest import H1_2026

D = Decimal


class WorkerKilled(BaseException):
    """Not an Exception: like a SIGKILL, nothing is recorded, the transaction is lost."""


class _Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def _stall_ten_minutes(settings):
    settings.RUN_STALL_MINUTES = 10


def _figures() -> list[tuple]:
    return sorted(
        (
            s.municipality.cbs_code,
            s.status,
            s.gross,
            s.premiums,
            s.fee,
            s.contribution_municipality,
            s.contribution_operator,
            s.result,
        )
        for s in Settlement.objects.select_related("municipality")
    )


def _uninterrupted_figures(actor) -> list[tuple]:
    """The figures of the same run without a crash, rolled back again."""
    try:
        with transaction.atomic():
            run = settlement_run_period(period=H1_2026, actor=actor)
            assert (run.status, run.done) == ("done", 2)
            figures = _figures()
            raise _Rollback
    except _Rollback:
        pass
    assert not Settlement.objects.exists() and not SettlementRun.objects.exists()
    return figures


def _killed_inside_the_second_municipality(run, second, monkeypatch) -> None:
    """The worker settles the first municipality, then dies inside the second one's
    transaction: that item is still pending, its settlement never written."""
    real_compute = runs.settlement_compute

    def killed(**kwargs):
        if kwargs["municipality"].pk == second.pk:
            raise WorkerKilled
        return real_compute(**kwargs)

    monkeypatch.setattr(runs, "settlement_compute", killed)
    for item in run.items.order_by("municipality__name"):
        try:
            settlement_run_municipality(run_id=run.pk, municipality_id=item.municipality_id)
        except WorkerKilled:
            break
    monkeypatch.setattr(runs, "settlement_compute", real_compute)


def test_the_sweeps_are_registered():
    assert {"settlements.runs", "settlements.statements"} <= set(sweeps_registered())
    assert {"billing.invoice_runs", "billing.invoice_pdfs"} <= set(sweeps_registered())


def test_a_run_killed_inside_a_municipality_is_requeued_and_counts_each_once(
    member_towns,
    town_documents,
    back_office_user,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    town, other_town = member_towns["town"], member_towns["other_town"]  # Groningen, Assen
    expected = _uninterrupted_figures(back_office_user)
    assert ("GM0014", "draft", D("398.00"), D("44.00"), D("119.40"), D("3.98"), D("3.98"),
            D("230.62")) in expected  # fmt: skip

    # The run's task message is lost (not executed).
    with clock_at("2026-12-05T10:00Z"), django_capture_on_commit_callbacks(execute=False):
        run = settlement_run_start(period=H1_2026, actor=back_office_user)
    with clock_at("2026-12-05T10:01Z"):
        _killed_inside_the_second_municipality(run, town, monkeypatch)
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("running", 1, 2)  # "running 1/2"
    assert run.items.get(municipality=town).status == SettlementRunItem.Status.PENDING
    assert not Settlement.objects.filter(municipality=town).exists()

    # Ten minutes without progress is not yet a stall; eleven is.
    with clock_at("2026-12-05T10:11Z"), django_capture_on_commit_callbacks(execute=True):
        assert stalled_work_sweep(names=["settlements.runs"]) == {"settlements.runs": 0}
    with clock_at("2026-12-05T10:12Z"), django_capture_on_commit_callbacks(execute=True):
        assert stalled_work_sweep(names=["settlements.runs"]) == {"settlements.runs": 1}

    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.skipped) == ("done", 2, 2, 0)
    assert set(run.items.values_list("status", flat=True)) == {"computed"}
    assert Settlement.objects.filter(municipality=other_town).count() == 1
    assert Settlement.objects.filter(municipality=town).count() == 1
    assert _figures() == expected
    requeue = AuditEvent.objects.get(action="sweep.requeue")
    assert requeue.object_id == str(run.pk)
    assert "1 of 2 done, 1 pending" in requeue.summary

    # A finished run is never requeued again.
    with clock_at("2026-12-05T12:00Z"), django_capture_on_commit_callbacks(execute=True):
        assert stalled_work_sweep(names=["settlements.runs"]) == {"settlements.runs": 0}
    assert AuditEvent.objects.filter(action="sweep.requeue").count() == 1


def test_a_run_making_progress_is_left_alone(
    member_towns, town_documents, back_office_user, django_capture_on_commit_callbacks
):
    town = member_towns["town"]
    with clock_at("2026-12-05T10:00Z"), django_capture_on_commit_callbacks(execute=False):
        run = settlement_run_start(period=H1_2026, actor=back_office_user)
    # Started long ago, but a municipality was settled five minutes ago.
    with clock_at("2026-12-05T10:30Z"):
        settlement_run_municipality(run_id=run.pk, municipality_id=town.pk)
    run.refresh_from_db()
    assert run.progress_at.isoformat() == "2026-12-05T10:30:00+00:00"
    with clock_at("2026-12-05T10:35Z"), django_capture_on_commit_callbacks(execute=True) as cbs:
        assert stalled_work_sweep(names=["settlements.runs"]) == {"settlements.runs": 0}
    assert cbs == []
    run.refresh_from_db()
    assert (run.status, run.done) == ("running", 1)
    assert not AuditEvent.objects.filter(action="sweep.requeue").exists()
    assert not SweepClaim.objects.exists()


def test_a_requeued_run_is_not_requeued_again_within_the_window(
    member_towns, town_documents, back_office_user, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(sweeps, "_queue_run", queued.append)  # the requeue itself is lost
    with clock_at("2026-12-05T10:00Z"):
        run = runs._record(period=H1_2026, actor=back_office_user, municipality=None)
    for minute in ("10:11", "10:15", "10:20", "10:22"):
        with clock_at(f"2026-12-05T{minute}Z"), django_capture_on_commit_callbacks(execute=True):
            stalled_work_sweep(names=["settlements.runs"])
    # 10:11 requeued; 10:15 and 10:20 within its window; 10:22 the next window.
    assert queued == [run.pk, run.pk]
    assert SweepClaim.objects.get(key=f"settlements.run:{run.pk}").times == 2
    assert AuditEvent.objects.filter(action="sweep.requeue").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_requeue_once(monkeypatch):
    """Two sweeps in two connections: the second waits for the first's claim, then finds it
    too recent. The first holds its transaction open until the second is waiting."""
    municipality = MunicipalityFactory()
    with clock_at("2026-12-05T10:00Z"):
        run = SettlementRun.objects.create(year=2026, half=1, total=1)
        SettlementRunItem.objects.create(run=run, municipality=municipality)
    queued = []
    monkeypatch.setattr(sweeps, "_queue_run", queued.append)
    first_claimed = threading.Event()
    real_audit = core_sweeps.audit_record

    def slow_audit(**kwargs):
        first_claimed.set()
        time.sleep(0.5)  # the second sweeper reaches its claim meanwhile and waits
        return real_audit(**kwargs)

    monkeypatch.setattr(core_sweeps, "audit_record", slow_audit)
    results: dict[str, dict] = {}
    errors: list[BaseException] = []

    def sweep(name: str) -> None:
        try:
            results[name] = stalled_work_sweep(names=["settlements.runs"])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=sweep, args=("first",))
    second = threading.Thread(target=sweep, args=("second",))
    with clock_at("2026-12-05T10:20Z"):  # patched once, for both threads
        first.start()
        assert first_claimed.wait(10)
        second.start()
        first.join(20)
        second.join(20)
    assert not errors
    assert results == {"first": {"settlements.runs": 1}, "second": {"settlements.runs": 0}}
    assert queued == [run.pk]
    assert AuditEvent.objects.filter(action="sweep.requeue").count() == 1
    assert SweepClaim.objects.get().times == 1


def test_an_approved_settlement_without_its_statement_is_requeued(
    approved, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(sweeps, "_queue_approved", queued.append)
    decided = approved.decided_at
    nine, eleven = (decided + datetime.timedelta(minutes=m) for m in (9, 11))
    with clock_at(nine.isoformat()), django_capture_on_commit_callbacks(execute=True):
        stalled_work_sweep(names=["settlements.statements"])
    assert queued == []
    with clock_at(eleven.isoformat()), django_capture_on_commit_callbacks(execute=True):
        stalled_work_sweep(names=["settlements.statements"])
        stalled_work_sweep(names=["settlements.statements"])  # again: claimed already
    assert queued == [approved.pk]


def test_a_run_whose_finish_was_lost_is_finished_by_the_requeue(
    member_towns, town_documents, back_office_user, monkeypatch, django_capture_on_commit_callbacks
):
    """Killed after the last municipality committed, before the run was marked done."""
    with clock_at("2026-12-05T10:00Z"):
        run = runs._record(period=H1_2026, actor=back_office_user, municipality=None)
    monkeypatch.setattr(runs, "settlement_run_finish", lambda **kwargs: None)
    with clock_at("2026-12-05T10:01Z"):
        for item in run.items.all():
            settlement_run_municipality(run_id=run.pk, municipality_id=item.municipality_id)
    monkeypatch.undo()
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("running", 2, 2)
    with clock_at("2026-12-05T10:12Z"), django_capture_on_commit_callbacks(execute=True):
        assert stalled_work_sweep(names=["settlements.runs"]) == {"settlements.runs": 1}
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("done", 2, 2)
    assert Settlement.objects.count() == 2
