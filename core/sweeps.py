"""Work that recovers by itself after a crash: the stalled-work sweeper.

A worker killed with `kill -9` (or lost with its machine) takes the message of the task it was
running with it: Redis hands it out again only after the broker's visibility timeout
(CELERY_BROKER_TRANSPORT_OPTIONS, two hours by default), and until then its run says
"running 9 of 10" and nothing moves. The sweeper notices instead. Each app with work that
shows its progress registers a sweep function in its `AppConfig.ready()` (core imports no app):

    sweep_register("settlements.runs", settlement_runs_sweep)

`core.tasks.stalled_work_sweep_task` (Celery beat, every minute) calls every sweep with
`stalled_before` = now - RUN_STALL_MINUTES. A sweep finds its work that has made no progress
since then and requeues what is left of it through `sweep_requeue`, which

- claims the work once per stall window: one `INSERT ... ON CONFLICT DO UPDATE ... WHERE
  claimed_at < stalled_before` on `SweepClaim`, so of two sweepers at once exactly one
  requeues, and the next sweep leaves the work alone for another window;
- records the requeue in the audit trail (`sweep.requeue`, with the progress it found) and
  logs it, in the same transaction;
- queues the task on commit.

Requeueing is a redelivery and nothing more: every task it queues is safe to run twice and
concurrently (an item done is not done again, nothing is counted twice), which is what the
sweeper relies on. It never changes a run's figures or status itself.
"""

import datetime
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from core.services import audit_record

logger = logging.getLogger(__name__)

SweepFunction = Callable[..., int]
_SWEEPS: dict[str, SweepFunction] = {}


def sweep_register(name: str, function: SweepFunction) -> None:
    """Register `function(*, stalled_before) -> number requeued` under `name` (once)."""
    registered = _SWEEPS.get(name)
    if registered is not None and registered is not function:
        raise ValueError(f"Another sweep is registered as {name!r}: {registered!r}.")
    _SWEEPS[name] = function


def sweeps_registered() -> list[str]:
    return sorted(_SWEEPS)


def stall_threshold() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.RUN_STALL_MINUTES)


def sweep_claim(*, key: str, stalled_before: datetime.datetime) -> bool:
    """True for exactly one caller per `key` per stall window, also under concurrency.

    One conditional upsert of `SweepClaim`: a concurrent claim of the same key waits for the
    first to commit and then finds it too recent (PostgreSQL re-checks the WHERE on the row
    it waited for).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_sweepclaim (key, claimed_at, times) VALUES (%s, %s, 1) "
            "ON CONFLICT (key) DO UPDATE SET claimed_at = EXCLUDED.claimed_at, "
            "times = core_sweepclaim.times + 1 WHERE core_sweepclaim.claimed_at < %s "
            "RETURNING id",
            [key, timezone.now(), stalled_before],
        )
        return cursor.fetchone() is not None


def sweep_requeue(
    *,
    key: str,
    stalled_before: datetime.datetime,
    obj: models.Model | None,
    summary: str,
    queue: Callable[[], None],
) -> bool:
    """Claim `key`, record the requeue and queue `queue()` on commit; False when another
    sweeper requeued it in this window (nothing done). No personal data in `summary`."""
    with transaction.atomic():
        if not sweep_claim(key=key, stalled_before=stalled_before):
            return False
        audit_record(actor=None, action="sweep.requeue", obj=obj, summary=f"{key}: {summary}")
        logger.warning("Stalled work requeued: %s: %s", key, summary)
        transaction.on_commit(queue, robust=True)
    return True


def stalled_work_sweep(
    *, stall: datetime.timedelta | None = None, names: Iterable[str] | None = None
) -> dict[str, int]:
    """Run every registered sweep (or the `names` given); returns what each requeued.
    A sweep that fails is logged and does not stop the others."""
    stalled_before = timezone.now() - (stall if stall is not None else stall_threshold())
    wanted = sweeps_registered() if names is None else sorted(names)
    unknown = set(wanted) - set(_SWEEPS)
    if unknown:
        raise ValueError(f"No sweep registered as {', '.join(sorted(unknown))}.")
    requeued = {}
    for name in wanted:
        try:
            requeued[name] = _SWEEPS[name](stalled_before=stalled_before)
        except Exception:
            logger.exception("Sweep %s failed", name)
            requeued[name] = 0
    return requeued
