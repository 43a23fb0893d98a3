"""Runs at the same time, on the real PostgreSQL: threads with a connection each, started
together. Whatever mix of direct computations, runs started from scratch and executions of
one run (workers sharing it, redelivered tasks), there is exactly one settlement per
municipality and half-year, with the right figures, and no run counts a municipality
twice."""

import random
import threading
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connections, transaction

from core.models import AuditEvent
from settlements.models import Settlement, SettlementRun, SettlementRunItem
from settlements.services import runs, settlement_compute, settlement_submit
from settlements.services.runs import (
    settlement_run_municipality,
    settlement_run_period,
    settlement_run_start,
)
from tests.factories import MembershipFactory, MunicipalityFactory
from tests.settlements.conftest import H1_2026

D = Decimal
CENT = Decimal("0.01")
THREADS = 12

pytestmark = pytest.mark.django_db(transaction=True)


def _in_threads(work, count: int = THREADS) -> list[BaseException]:
    """Run `work(index)` in `count` threads started at once; returns their errors."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


@pytest.fixture
def members(transactional_db, town, other_town, former_town, town_documents, issue_invoice):
    """Seven members in 2026-H1 with their expected (G, P); Heerenveen is not one."""
    expected = {
        town.pk: (D("398.00"), D("44.00")),
        other_town.pk: (D("90.00"), D("12.00")),
    }
    for n in range(5):
        municipality = MunicipalityFactory(cbs_code=f"GM09{n:02d}", name=f"Gelijktijdig {n}")
        MembershipFactory(municipality=municipality)
        hours = f"{n + 1}.50"
        issue_invoice(municipality=municipality, hours=(hours,), rate="17.33")
        gross = (D(hours) * D("17.33")).quantize(CENT, ROUND_HALF_UP)  # half cents
        expected[municipality.pk] = (gross, D(hours) * 2)
    return expected


def _assert_one_correct_settlement_each(expected: dict) -> None:
    per_key = Counter(Settlement.objects.values_list("municipality_id", "year", "half"))
    assert per_key == Counter({(pk, 2026, 1): 1 for pk in expected})
    for settlement in Settlement.objects.all():
        gross, premiums = expected[settlement.municipality_id]
        assert (settlement.gross, settlement.premiums) == (gross, premiums)
        fee = (gross * D("0.30")).quantize(CENT, ROUND_HALF_UP)
        one_percent = (gross * D("0.01")).quantize(CENT, ROUND_HALF_UP)
        assert settlement.fee == fee
        assert settlement.contribution_municipality == one_percent
        assert settlement.contribution_operator == one_percent
        assert settlement.result == gross - premiums - fee - one_percent
        month_total = sum(line.gross for line in settlement.lines.filter(kind="month"))
        client_total = sum(line.gross for line in settlement.lines.filter(kind="client"))
        assert month_total == client_total == gross


def _assert_runs_counted_once(member_count: int) -> None:
    for run in SettlementRun.objects.all():
        assert run.status == "done", run.error
        assert run.done == run.total
        items = Counter(run.items.values_list("status", flat=True))
        assert sum(items.values()) == run.total
        assert items["computed"] + items["skipped"] == run.done
        if run.municipality_id is None:
            assert run.total == member_count


def test_many_computations_and_runs_of_one_half_year_at_once(members, back_office_user):
    municipalities = list(runs.settlement_run_municipalities(period=H1_2026))
    assert len(municipalities) == len(members) == 7

    def work(index: int) -> None:
        kind = index % 4
        if kind == 0:  # direct computations, in an order of their own
            order = municipalities[:]
            random.Random(index).shuffle(order)
            for municipality in order:
                settlement_compute(municipality=municipality, period=H1_2026, actor=None)
        elif kind == 1:  # the command: start or join the run, execute it in-process
            settlement_run_period(period=H1_2026, actor=back_office_user)
        elif kind == 2:  # the admin: start or find the run, its tasks run on commit (eager)
            settlement_run_start(period=H1_2026, actor=back_office_user)
        else:  # a run for one municipality beside them
            settlement_run_period(
                period=H1_2026, actor=back_office_user, municipality=municipalities[index % 7]
            )

    errors = _in_threads(work)
    assert errors == []
    _assert_one_correct_settlement_each(members)
    _assert_runs_counted_once(len(members))
    assert SettlementRun.objects.filter(municipality=None).exists()


def test_workers_sharing_one_run_and_redeliveries_count_each_municipality_once(
    members, back_office_user
):
    with transaction.atomic():
        run = runs._record(period=H1_2026, actor=back_office_user, municipality=None)
    items = list(run.items.values_list("municipality_id", flat=True))

    def work(index: int) -> None:
        order = items[:]
        random.Random(index).shuffle(order)
        for municipality_id in order:  # every "worker" gets every task: redeliveries
            settlement_run_municipality(run_id=run.pk, municipality_id=municipality_id)

    errors = _in_threads(work)
    assert errors == []
    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.skipped) == ("done", 7, 7, 0)
    assert set(run.items.values_list("status", flat=True)) == {"computed"}
    # Each municipality computed once by this run (one audit record each).
    assert AuditEvent.objects.filter(action="settlement.compute").count() == 7
    assert AuditEvent.objects.filter(action="settlement_run.finish").count() == 1
    _assert_one_correct_settlement_each(members)


def test_concurrent_runs_leave_a_submitted_settlement_alone(members, town, back_office_user):
    mine, _computed = settlement_compute(municipality=town, period=H1_2026, actor=None)
    settlement_submit(settlement=mine, actor=back_office_user)
    mine.refresh_from_db()
    before = (mine.status, mine.gross, mine.computed_at, mine.run_id)

    errors = _in_threads(
        lambda index: settlement_run_period(period=H1_2026, actor=back_office_user), count=10
    )
    assert errors == []
    mine.refresh_from_db()
    assert (mine.status, mine.gross, mine.computed_at, mine.run_id) == before
    _assert_one_correct_settlement_each(members)
    for run in SettlementRun.objects.all():
        assert (run.status, run.done, run.skipped) == ("done", 7, 1)
        assert run.items.get(municipality=town).status == SettlementRunItem.Status.SKIPPED
