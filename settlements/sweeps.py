"""Settlements' work for the stalled-work sweeper (core.sweeps), registered in
`SettlementsConfig`.

- `settlement_runs_sweep`: a running settlement run without progress (`progress_at`: started,
  or a municipality settled) since `stalled_before` gets its run task again, which queues a
  task for each municipality still pending (settlements.services.runs), or finishes a run
  with none left. A municipality settled is not settled again and counted once: its item
  left `pending` in the transaction that counted it.
- `settlement_statements_sweep`: an approved settlement without its PDF statement since
  before `stalled_before` gets its approval task again (payment instructions and statement,
  each made once); the daily `settlement_approved_catch_up_task` stays as a backstop.
"""

import datetime

from core.sweeps import sweep_requeue
from settlements.models import Settlement, SettlementRun, SettlementRunItem


def _queue_run(run_id: int) -> None:
    from settlements.tasks import settlement_run_task

    settlement_run_task.delay(run_id)


def _queue_approved(settlement_id: int) -> None:
    from settlements.tasks import settlement_approved_task

    settlement_approved_task.delay(settlement_id)


def settlement_runs_sweep(*, stalled_before: datetime.datetime) -> int:
    stalled = SettlementRun.objects.filter(
        status=SettlementRun.Status.RUNNING, progress_at__lt=stalled_before
    ).order_by("pk")
    requeued = 0
    for run in stalled:
        pending = run.items.filter(status=SettlementRunItem.Status.PENDING).count()
        summary = (
            f"settlement run {run.period}, {run.done} of {run.total} done, {pending} pending, "
            f"no progress since {run.progress_at.isoformat(timespec='seconds')}"
        )
        requeued += sweep_requeue(
            key=f"settlements.run:{run.pk}",
            stalled_before=stalled_before,
            obj=run,
            summary=summary,
            queue=lambda pk=run.pk: _queue_run(pk),
        )
    return requeued


def settlement_statements_sweep(*, stalled_before: datetime.datetime) -> int:
    waiting = Settlement.objects.filter(
        status=Settlement.Status.APPROVED,
        statement__isnull=True,
        decided_at__lt=stalled_before,
    ).order_by("pk")
    requeued = 0
    for settlement in waiting:
        requeued += sweep_requeue(
            key=f"settlements.statement:{settlement.pk}",
            stalled_before=stalled_before,
            obj=settlement,
            summary=f"approved {settlement.decided_at.isoformat(timespec='seconds')}, "
            "statement missing",
            queue=lambda pk=settlement.pk: _queue_approved(pk),
        )
    return requeued
