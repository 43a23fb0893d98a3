"""Settlement runs: every member municipality once, drafts recomputed and submitted or
approved settlements left as they were, a crash leaving the old draft, redelivered tasks
counted once, and the schedule picking the half-year just ended, once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from settlements import tasks
from settlements.models import Period, Settlement, SettlementRun, SettlementRunItem
from settlements.services import runs, settlement_approve, settlement_compute, settlement_submit
from settlements.services.runs import (
    settlement_run_dispatch,
    settlement_run_execute,
    settlement_run_municipalities,
    settlement_run_municipality,
    settlement_run_period,
    settlement_run_scheduled,
    settlement_run_start,
)
from tests.settlements.conftest import H1_2026, H2_2025

pytestmark = pytest.mark.django_db

D = Decimal


def _figures(settlement: Settlement) -> tuple:
    settlement.refresh_from_db()
    return (
        settlement.status,
        settlement.gross,
        settlement.premiums,
        settlement.fee,
        settlement.contribution_municipality,
        settlement.contribution_operator,
        settlement.result,
        settlement.computed_at,
    )


def test_members_of_a_half_year(member_towns):
    towns = member_towns
    assert list(settlement_run_municipalities(period=H1_2026)) == [
        towns["other_town"],  # Assen
        towns["town"],  # Groningen
    ]
    # Heerenveen left on 31 December 2025: its last half-year is settled; Almere never.
    assert set(settlement_run_municipalities(period=H2_2025)) == {
        towns["other_town"],
        towns["town"],
        towns["former_town"],
    }
    assert not settlement_run_municipalities(period=Period(2024, 2)).exists()


def test_a_run_computes_every_member_once(
    member_towns, town_documents, back_office_user, django_capture_on_commit_callbacks
):
    town, other_town = member_towns["town"], member_towns["other_town"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = settlement_run_start(period=H1_2026, actor=back_office_user)
    assert len(callbacks) == 1  # the run's task, queued on commit (eager in tests)
    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.skipped) == ("done", 2, 2, 0)
    assert run.finished_at is not None and run.started_by == back_office_user
    assert Settlement.objects.count() == 2
    mine = Settlement.objects.get(municipality=town, year=2026, half=1)
    assert (mine.gross, mine.premiums, mine.fee) == (D("398.00"), D("44.00"), D("119.40"))
    assert (mine.contribution_municipality, mine.contribution_operator) == (D("3.98"), D("3.98"))
    assert mine.result == D("398.00") - D("44.00") - D("119.40") - D("3.98")
    assert mine.run == run and mine.status == "draft"
    theirs = Settlement.objects.get(municipality=other_town, year=2026, half=1)
    assert (theirs.gross, theirs.premiums, theirs.result) == (D("90.00"), D("12.00"), D("50.10"))
    assert set(run.items.values_list("status", flat=True)) == {"computed"}
    assert not Settlement.objects.filter(municipality__cbs_code__in=["GM0034", "GM0074"]).exists()


def test_a_run_for_one_municipality(town, other_town, town_documents, back_office_user):
    run = settlement_run_period(period=H1_2026, actor=back_office_user, municipality=town)
    assert (run.status, run.done, run.total, run.municipality) == ("done", 1, 1, town)
    assert list(Settlement.objects.values_list("municipality__cbs_code", flat=True)) == ["GM0014"]


def test_a_run_for_a_non_member_is_refused(prospective_town, back_office_user):
    with pytest.raises(ValidationError) as error:
        settlement_run_start(period=H1_2026, actor=back_office_user, municipality=prospective_town)
    assert "was not a member in 2026-H1" in str(error.value)
    with pytest.raises(ValidationError, match="has not begun"):
        settlement_run_start(period=Period(2099, 1), actor=back_office_user)
    assert not SettlementRun.objects.exists()


def test_a_run_without_a_framework_is_refused(db, back_office_user):
    with pytest.raises(ValidationError, match="No general framework"):
        settlement_run_start(period=H1_2026, actor=back_office_user)


def test_rerunning_recomputes_drafts_and_leaves_submitted_and_approved_ones(
    town,
    other_town,
    former_town,
    town_documents,
    issue_invoice,
    back_office_user,
    treasurer_user,
):
    first = settlement_run_period(period=H1_2026, actor=back_office_user)
    assert (first.status, first.done, first.skipped) == ("done", 2, 0)
    mine = Settlement.objects.get(municipality=town)
    theirs = Settlement.objects.get(municipality=other_town)
    settlement_submit(settlement=theirs, actor=back_office_user)
    before_mine, before_theirs = _figures(mine), _figures(theirs)

    # A late invoice for each, dated in the half-year.
    issue_invoice(
        municipality=town, hours=("5.00",), rate="20.00", invoice_date=datetime.date(2026, 6, 30)
    )
    issue_invoice(
        municipality=other_town,
        hours=("5.00",),
        rate="20.00",
        invoice_date=datetime.date(2026, 6, 30),
    )
    second = settlement_run_period(period=H1_2026, actor=back_office_user)
    assert second.pk != first.pk
    assert (second.status, second.done, second.total, second.skipped) == ("done", 2, 2, 1)
    after_mine = _figures(mine)
    assert after_mine[0] == "draft"
    assert after_mine[1] == before_mine[1] + D("100.00")
    assert after_mine[2] == before_mine[2] + D("10.00")
    assert after_mine[-1] > before_mine[-1]
    assert mine.run == second
    assert _figures(theirs) == before_theirs  # submitted: untouched, computed_at too
    assert theirs.run == first
    statuses = dict(second.items.values_list("municipality__cbs_code", "status"))
    assert statuses == {"GM0014": "computed", "GM0106": "skipped"}

    # Approved: a third run leaves it too.
    settlement_approve(settlement=theirs, actor=treasurer_user)
    approved_before = _figures(theirs)
    third = settlement_run_period(period=H1_2026, actor=back_office_user)
    assert (third.done, third.skipped) == (2, 1)
    assert _figures(theirs) == approved_before


def test_a_crash_inside_the_transaction_leaves_the_old_draft(
    town, town_documents, issue_invoice, back_office_user, monkeypatch
):
    old, _computed = settlement_compute(municipality=town, period=H1_2026, actor=None)
    before = _figures(old)
    lines_before = list(old.lines.values_list("kind", "gross"))
    issue_invoice(municipality=town, hours=("5.00",), rate="20.00")

    def crash(**kwargs):
        # settlement_compute has written the new figures in this transaction by now.
        assert Settlement.objects.get(pk=old.pk).gross == before[1] + D("100.00")
        raise RuntimeError("worker lost its database")

    monkeypatch.setattr(runs, "_count", crash)
    run = settlement_run_period(period=H1_2026, actor=back_office_user, municipality=town)
    assert _figures(old) == before
    assert list(old.lines.values_list("kind", "gross")) == lines_before
    assert old.run is None
    assert (run.status, run.done) == ("failed", 0)
    assert "GM0014: worker lost its database" in run.error
    item = run.items.get()
    assert item.status == "failed" and item.settlement is None

    # The next run computes it.
    monkeypatch.undo()
    again = settlement_run_period(period=H1_2026, actor=back_office_user, municipality=town)
    assert (again.status, again.done) == ("done", 1)
    assert _figures(old)[1] == before[1] + D("100.00")


class WorkerKilled(BaseException):
    """Not an Exception: like a SIGKILL, nothing is recorded, the message is redelivered."""


def test_a_killed_worker_leaves_the_item_pending_and_the_redelivery_counts_once(
    town, other_town, town_documents, back_office_user, monkeypatch
):
    with transaction.atomic():
        run = runs._record(period=H1_2026, actor=back_office_user, municipality=None)
    real_count = runs._count

    def killed(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(runs, "_count", killed)
    with pytest.raises(WorkerKilled):
        settlement_run_municipality(run_id=run.pk, municipality_id=town.pk)
    run.refresh_from_db()
    assert (run.status, run.done) == ("running", 0)
    assert not Settlement.objects.filter(municipality=town).exists()
    assert run.items.get(municipality=town).status == "pending"

    monkeypatch.setattr(runs, "_count", real_count)
    # Delivered again, and again (after it committed): counted once.
    for _ in range(3):
        assert settlement_run_municipality(run_id=run.pk, municipality_id=town.pk) == "computed"
    run.refresh_from_db()
    assert (run.status, run.done) == ("running", 1)
    # The run task redelivered: only the pending municipality is queued.
    assert settlement_run_dispatch(run_id=run.pk) == 1
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == ("done", 2, 2)
    assert settlement_run_dispatch(run_id=run.pk) == 0
    tasks.settlement_run_task(run.pk)
    tasks.settlement_run_municipality_task(run.pk, other_town.pk)
    run.refresh_from_db()
    assert (run.status, run.done, run.skipped) == ("done", 2, 0)
    assert Settlement.objects.count() == 2


def test_starting_while_a_run_is_under_way_finds_it(town, other_town, back_office_user):
    with transaction.atomic():
        first = runs._record(period=H1_2026, actor=back_office_user, municipality=None)
    assert settlement_run_start(period=H1_2026, actor=back_office_user) == first
    # Another scope may run beside it.
    single = settlement_run_start(period=H1_2026, actor=back_office_user, municipality=town)
    assert single != first
    assert SettlementRun.objects.count() == 2
    # The database refuses a second running run of the same scope.
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementRun.objects.create(year=2026, half=1, total=0)
    # Resuming through the start finishes it.
    resumed = settlement_run_execute(run_id=first.pk)
    assert (resumed.status, resumed.done) == ("done", 2)


def test_a_run_without_members_is_done_at_once(framework, back_office_user):
    run = settlement_run_period(period=H1_2026, actor=back_office_user)
    assert (run.status, run.done, run.total, run.percent_done) == ("done", 0, 0, 100)


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (datetime.date(2027, 1, 15), Period(2026, 2)),
        (datetime.date(2026, 7, 15), Period(2026, 1)),
        (datetime.date(2026, 1, 15), Period(2025, 2)),
    ],
)
def test_the_schedule_settles_the_half_year_just_ended(
    member_towns, today, period, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(runs.timezone, "localdate", lambda: today)
    with django_capture_on_commit_callbacks(execute=True):
        run = settlement_run_scheduled(today=today)
    run.refresh_from_db()
    assert (run.period, run.scheduled, run.status, run.started_by) == (period, True, "done", None)
    expected = 3 if period == H2_2025 else 2
    assert run.total == run.done == expected
    # Beat fires twice: nothing new.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert settlement_run_scheduled(today=today) is None
    assert callbacks == []
    assert SettlementRun.objects.count() == 1


def test_the_scheduled_task_uses_the_local_date(member_towns, monkeypatch):
    # runs.timezone is django.utils.timezone, which the task reads too.
    monkeypatch.setattr(runs.timezone, "localdate", lambda: datetime.date(2026, 7, 15))
    tasks.settlement_run_scheduled_task()
    run = SettlementRun.objects.get()
    assert (run.period, run.scheduled) == (H1_2026, True)


def test_a_failed_scheduled_run_may_be_retried(member_towns, monkeypatch):
    monkeypatch.setattr(runs.timezone, "localdate", lambda: datetime.date(2026, 7, 15))
    first = settlement_run_scheduled(today=datetime.date(2026, 7, 15))
    SettlementRun.objects.filter(pk=first.pk).update(status="failed")
    second = settlement_run_scheduled(today=datetime.date(2026, 7, 16))
    assert second is not None and second.pk != first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementRun.objects.create(year=2026, half=1, scheduled=True, status="done")


def test_the_schedule_waits_for_a_run_started_by_hand(member_towns, back_office_user, monkeypatch):
    monkeypatch.setattr(runs.timezone, "localdate", lambda: datetime.date(2026, 7, 15))
    with transaction.atomic():
        runs._record(period=H1_2026, actor=back_office_user, municipality=None)
    assert settlement_run_scheduled(today=datetime.date(2026, 7, 15)) is None


def test_items_are_unique_per_run(town, back_office_user):
    with transaction.atomic():
        run = runs._record(period=H1_2026, actor=back_office_user, municipality=town)
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementRunItem.objects.create(run=run, municipality=town)
