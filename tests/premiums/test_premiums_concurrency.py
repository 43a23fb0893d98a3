"""Payout runs under concurrency, on the real PostgreSQL: threads with their own connections,
released together by a barrier. Two back-office users preparing the same moment get one run
with every accrual paid once; two cancelling the same run have one effect."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from core.models import AuditEvent
from premiums.models import PayoutLine, PayoutRun, PremiumAccrual
from premiums.services import payout_run_cancel, payout_run_prepare
from tests.placements.factories import CandidateFactory
from tests.premiums.test_premiums_payouts import work

D = Decimal
JUNE = datetime.date(2026, 6, 30)

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(target, *args_per_thread):
    """Run `target(*args)` in one thread per args tuple, started together; return
    (results, errors)."""
    barrier = threading.Barrier(len(args_per_thread))
    results, errors = [], []

    def run(*args):
        try:
            barrier.wait(timeout=10)
            results.append(target(*args))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@pytest.fixture
def three_candidates(town, framework, back_office_user):
    candidates = [
        CandidateFactory(municipality=town, first_name=name, last_name=f"{name}sen")
        for name in ("Anna", "Bram", "Cees")
    ]
    for candidate in candidates:
        work(candidate, [2, 3, 4], actor=back_office_user)
    return candidates


def test_two_concurrent_prepares_give_one_run_paying_each_accrual_once(
    town, three_candidates, back_office_user
):
    from accounts.roles import Role
    from tests.placements.factories import PlacementsUserFactory

    colleague = PlacementsUserFactory(role=Role.BACK_OFFICE, is_staff=True)

    def prepare(actor):
        return payout_run_prepare(municipality=town, payout_date=JUNE, actor=actor).pk

    results, errors = _at_once(prepare, (back_office_user,), (colleague,))
    assert errors == []
    run = PayoutRun.objects.get()
    assert results == [run.pk, run.pk]
    assert (run.line_count, run.total) == (3, D("144.00"))
    assert PayoutLine.objects.count() == 3
    assert sorted(PayoutLine.objects.values_list("candidate_id", flat=True)) == sorted(
        c.pk for c in three_candidates
    )
    # every accrual linked to exactly one line of this run, and the sums agree
    accruals = PremiumAccrual.objects.all()
    assert accruals.count() == 9
    assert not accruals.filter(payout_line__isnull=True).exists()
    assert set(accruals.values_list("payout_line__run", flat=True)) == {run.pk}
    for line in run.lines.all():
        assert line.amount == line.accruals.aggregate(total=Sum("amount"))["total"] == D("48.00")
    assert AuditEvent.objects.filter(action="payout_run.prepare").count() == 1


def test_two_concurrent_cancels_have_one_effect(town, three_candidates, back_office_user):
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)

    def cancel():
        return payout_run_cancel(run=run, actor=back_office_user)

    results, errors = _at_once(cancel, (), ())
    assert errors == []
    assert sorted(results) == [False, True]
    assert not PayoutRun.objects.exists()
    assert not PremiumAccrual.objects.filter(payout_line__isnull=False).exists()
    assert AuditEvent.objects.filter(action="payout_run.cancel").count() == 1
