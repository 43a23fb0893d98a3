"""Settlement runs: a half-year computed for every member municipality (or one).

`settlement_run_start` records the run with one item per municipality and queues
`settlements.tasks.settlement_run_task` on commit. That task settles every pending item
set-based (`settlement_run_settle`, settlements.services.half_year) in ONE transaction:

    advisory lock of settling the half-year      -- a second executor waits, then finds
                                                    nothing pending
    advisory locks of each pending (municipality, half-year), in key order
                                                 -- the lock settlement_compute takes too
    the items still pending (FOR UPDATE)         -- done by others meanwhile: left out
    settlements_compute_many(...)                -- one grouped pass over the documents,
                                                    drafts upserted, submitted and approved
                                                    ones left as they were (skipped)
    items -> computed / skipped / failed, run.done and run.skipped added, in one UPDATE each

so a worker killed halfway leaves every item pending and the old drafts (the redelivered
task, or the sweeper's requeue, does it all again), never a half-written settlement or a
progress count without its settlement. Progress (done of total) moves when the transaction
commits. A municipality whose figures or terms fail is marked failed with its error in that
transaction and the others are settled; should the set-based transaction fail as a whole
(a database error), each pending municipality is settled on its own instead
(`settlement_run_municipality`, one transaction each, as runs used to), so one bad
municipality fails alone. `settlement_run_municipality_task` settles one item that way
too: the sweeper may queue it per pending item; either way each item is counted once (it
leaves `pending` once, under its municipality's advisory lock). When no item is pending any
more the run is done, or failed if an item failed.

Why one transaction per half-year rather than per region (SETTLE_CHUNK, measured by
bench/settlement.py at 1 M entries, same run: floor 14.6 s, per half-year 16.7 s (1.14x),
per region 55.4 s (3.79x), old per municipality 59.7 s (4.09x)): the grouped pass hashes the
half-year's documents once; per region it does so 35 times. A resume point per region is not
worth 3x for a run of seconds; a killed run simply runs again.

Who is settled: the municipalities whose membership covered at least one day of the
half-year. An ended membership counts for the days between its start and end dates (the
last half-year of a member that left is settled too); a prospective one never does.

Starting a run while one of the same scope (the half-year, and all or the one municipality)
is running finds that one and queues it again: a stuck run resumes, nothing is counted
twice. The schedule (`settlement_run_scheduled`) starts the half-year just ended once; a
second beat finds the first run. Both are also partial unique constraints on the run table.

`settlement_run_period` does it all in this process (`manage.py run_settlement`).
"""

import datetime
import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import audit_record
from members.models import Membership, Municipality
from members.selectors import FrameworkNotInForce, framework_in_force
from settlements.models import Period, SettlementRun, SettlementRunItem
from settlements.services.half_year import lock_settlement_keys, settlements_compute_many
from settlements.services.settlements import lock_settlement_key, settlement_compute

logger = logging.getLogger(__name__)

RUN_ADVISORY_NAMESPACE = 0x5E7720  # the first key of the advisory lock per half-year's runs
SETTLE_ADVISORY_NAMESPACE = 0x5E7721  # the first key of the lock of settling a half-year
# How the pending municipalities of a run are settled set-based: all in one transaction
# ("half-year"), or a transaction per labour-market region ("region": progress and a resume
# point per region, each region's documents read by index). bench/settlement.py measures both.
SETTLE_CHUNK = "half-year"


# --- Who is settled ----------------------------------------------------------------------------


def _membership_in(period: Period):
    """Memberships (of OuterRef("pk")) that covered at least one day of the half-year."""
    return Membership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period.start),
        municipality=OuterRef("pk"),
        status__in=[Membership.Status.ACTIVE, Membership.Status.ENDED],
        start_date__lte=period.end,
    )


def settlement_run_municipalities(*, period: Period):
    """The municipalities a run of the half-year settles, by name."""
    return Municipality.objects.filter(Exists(_membership_in(period))).order_by("name", "pk")


def settlement_run_is_member(*, municipality: Municipality, period: Period) -> bool:
    return settlement_run_municipalities(period=period).filter(pk=municipality.pk).exists()


# --- Starting --------------------------------------------------------------------------------


def _lock_period(period: Period) -> None:
    """Serialise starting runs of one half-year until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [RUN_ADVISORY_NAMESPACE, period.year * 10 + period.half],
        )


def _check(*, period: Period, municipality: Municipality | None) -> None:
    today = timezone.localdate()
    if period.start > today:
        raise ValidationError(
            _("%(period)s has not begun yet: there is nothing to settle.") % {"period": period},
            code="period_in_future",
        )
    try:
        framework_in_force(municipality=None, on=period.end)
    except FrameworkNotInForce as error:
        raise ValidationError(str(error), code="framework_not_in_force") from error
    if municipality is not None and not settlement_run_is_member(
        municipality=municipality, period=period
    ):
        raise ValidationError(
            _("%(municipality)s was not a member in %(period)s: it has no settlement there.")
            % {"municipality": municipality, "period": period},
            code="not_a_member",
        )


def _running(*, period: Period, municipality: Municipality | None) -> SettlementRun | None:
    return SettlementRun.objects.filter(
        year=period.year,
        half=period.half,
        municipality=municipality,
        status=SettlementRun.Status.RUNNING,
    ).first()


def _create(
    *, period: Period, municipality: Municipality | None, actor, scheduled: bool
) -> SettlementRun:
    municipality_ids = (
        [municipality.pk]
        if municipality is not None
        else list(settlement_run_municipalities(period=period).values_list("pk", flat=True))
    )
    run = SettlementRun.objects.create(
        year=period.year,
        half=period.half,
        municipality=municipality,
        total=len(municipality_ids),
        scheduled=scheduled,
        started_by=actor if actor is not None and actor.is_authenticated else None,
    )
    SettlementRunItem.objects.bulk_create(
        SettlementRunItem(run=run, municipality_id=pk) for pk in municipality_ids
    )
    audit_record(
        actor=actor,
        action="settlement_run.start",
        obj=run,
        summary=f"{period}: {run.total} municipalities"
        + (f" ({municipality.cbs_code})" if municipality else "")
        + (" (scheduled)" if scheduled else ""),
    )
    return run


def _record(*, period: Period, actor, municipality: Municipality | None) -> SettlementRun:
    """The run of this scope under way, or a new one (inside a transaction)."""
    _check(period=period, municipality=municipality)
    _lock_period(period)
    return _running(period=period, municipality=municipality) or _create(
        period=period, municipality=municipality, actor=actor, scheduled=False
    )


def _queue(run_id: int) -> None:
    from settlements.tasks import settlement_run_task

    settlement_run_task.delay(run_id)


@transaction.atomic
def settlement_run_start(
    *, period: Period, actor, municipality: Municipality | None = None
) -> SettlementRun:
    """Start a run of the half-year for every member municipality (or the one), or find the
    one of that scope under way; its task is queued on commit either way (a run whose
    task was lost resumes)."""
    run = _record(period=period, actor=actor, municipality=municipality)
    run_id = run.pk
    transaction.on_commit(lambda: _queue(run_id))
    return run


def settlement_run_scheduled(*, today: datetime.date) -> SettlementRun | None:
    """The schedule (15 January and 15 July): the half-year just ended, once.

    None when the half-year already has a scheduled run that did not fail, or a run of all
    municipalities is under way (started by hand): firing twice starts nothing twice.
    """
    period = Period.containing(today).previous
    with transaction.atomic():
        _check(period=period, municipality=None)
        _lock_period(period)
        already = SettlementRun.objects.filter(
            year=period.year, half=period.half, scheduled=True
        ).exclude(status=SettlementRun.Status.FAILED)
        if already.exists() or _running(period=period, municipality=None):
            logger.info("Settlement run of %s: already scheduled or under way.", period)
            return None
        run = _create(period=period, municipality=None, actor=None, scheduled=True)
        run_id = run.pk
        transaction.on_commit(lambda: _queue(run_id))
    return run


# --- Executing ---------------------------------------------------------------------------------


def _count(*, run_id: int, done: int = 1, skipped: int = 0) -> None:
    """The run's progress, in the transaction that settled the municipalities counted."""
    SettlementRun.objects.filter(pk=run_id).update(
        done=F("done") + done,
        skipped=F("skipped") + skipped,
        progress_at=timezone.now(),  # what the stalled-work sweeper watches (settlements.sweeps)
    )


def settlement_run_municipality(*, run_id: int, municipality_id: int) -> str:
    """Settle one municipality of a run in one transaction; returns the item's status.

    Safe to call again and concurrently: the item leaves `pending` once, under the
    advisory lock of (municipality, half-year).
    """
    run = SettlementRun.objects.select_related("started_by").get(pk=run_id)
    municipality = Municipality.objects.get(pk=municipality_id)
    try:
        with transaction.atomic():
            lock_settlement_key(municipality_id=municipality_id, period=run.period)
            item = SettlementRunItem.objects.select_for_update().get(
                run_id=run_id, municipality_id=municipality_id
            )
            if item.status != SettlementRunItem.Status.PENDING:
                return item.status  # done by an earlier delivery of this task
            settlement, computed = settlement_compute(
                municipality=municipality, period=run.period, actor=run.started_by, run=run
            )
            item.status = (
                SettlementRunItem.Status.COMPUTED if computed else SettlementRunItem.Status.SKIPPED
            )
            item.settlement = settlement
            item.finished_at = timezone.now()
            item.save(update_fields=["status", "settlement", "finished_at"])
            _count(run_id=run_id, done=1, skipped=0 if computed else 1)
    except Exception as error:
        logger.exception("Settlement run %s: %s failed", run_id, municipality.cbs_code)
        message = " ".join(getattr(error, "messages", None) or [str(error) or repr(error)])
        SettlementRunItem.objects.filter(
            run_id=run_id,
            municipality_id=municipality_id,
            status=SettlementRunItem.Status.PENDING,
        ).update(
            status=SettlementRunItem.Status.FAILED,
            error=message[:2000],
            finished_at=timezone.now(),
        )
        item = SettlementRunItem.objects.get(run_id=run_id, municipality_id=municipality_id)
    settlement_run_finish(run_id=run_id)
    return item.status


def settlement_run_finish(*, run_id: int) -> SettlementRun:
    """Mark the run done (or failed) once no municipality is pending; else leave it."""
    with transaction.atomic():
        # FOR NO KEY UPDATE: a step holds a key-share lock on the run (its settlement refers
        # to it) before it counts; FOR UPDATE here would deadlock with that lock upgrade.
        run = SettlementRun.objects.select_for_update(no_key=True).get(pk=run_id)
        if run.status != SettlementRun.Status.RUNNING:
            return run
        items = SettlementRunItem.objects.filter(run_id=run_id)
        if items.filter(status=SettlementRunItem.Status.PENDING).exists():
            return run
        failed = list(
            items.filter(status=SettlementRunItem.Status.FAILED)
            .select_related("municipality")
            .order_by("municipality__name")
        )
        run.status = SettlementRun.Status.FAILED if failed else SettlementRun.Status.DONE
        run.error = "\n".join(f"{i.municipality.cbs_code}: {i.error}" for i in failed)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        audit_record(
            actor=None,
            action="settlement_run.finish",
            obj=run,
            summary=f"{run.done} of {run.total} done, {run.skipped} left as they were, "
            f"{len(failed)} failed.",
        )
    return run


def _pending_ids(run_id: int) -> list[int]:
    return list(
        SettlementRunItem.objects.filter(run_id=run_id, status=SettlementRunItem.Status.PENDING)
        .order_by("municipality__name", "municipality_id")
        .values_list("municipality_id", flat=True)
    )


def _lock_settling(period: Period) -> None:
    """One executor at a time settles a half-year's pending items set-based (a redelivered
    or second run task waits here, then finds nothing pending)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [SETTLE_ADVISORY_NAMESPACE, period.year * 10 + period.half],
        )


def _settle_chunk(run: SettlementRun, municipality_ids: list[int]) -> list[int]:
    """Settle these pending municipalities of the run set-based in one transaction; returns
    those it settled (the ones still pending once their locks were held)."""
    with transaction.atomic():
        _lock_settling(run.period)
        lock_settlement_keys(municipality_ids=municipality_ids, period=run.period)
        ids = sorted(
            SettlementRunItem.objects.select_for_update()
            .filter(
                run_id=run.pk,
                municipality_id__in=municipality_ids,
                status=SettlementRunItem.Status.PENDING,
            )
            .values_list("municipality_id", flat=True)
        )
        if not ids:
            return []
        outcomes = settlements_compute_many(
            municipality_ids=ids, period=run.period, actor=run.started_by, run=run
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE settlements_settlementrunitem i
                SET status = v.status, settlement_id = v.settlement_id, error = v.error,
                    finished_at = %s
                FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::text[])
                     AS v(municipality_id, status, settlement_id, error)
                WHERE i.run_id = %s AND i.municipality_id = v.municipality_id
                """,
                [
                    timezone.now(),
                    ids,
                    [outcomes[pk].status for pk in ids],
                    [outcomes[pk].settlement_id for pk in ids],
                    [outcomes[pk].error[:2000] for pk in ids],
                    run.pk,
                ],
            )
        for pk in ids:
            if outcomes[pk].status == SettlementRunItem.Status.FAILED:
                logger.error(
                    "Settlement run %s: municipality %s failed: %s", run.pk, pk, outcomes[pk].error
                )
        skipped = sum(1 for o in outcomes.values() if o.status == SettlementRunItem.Status.SKIPPED)
        computed = sum(
            1 for o in outcomes.values() if o.status == SettlementRunItem.Status.COMPUTED
        )
        _count(run_id=run.pk, done=computed + skipped, skipped=skipped)
    return ids


def _chunks(pending: list[int]) -> list[list[int]]:
    if SETTLE_CHUNK != "region" or len(pending) <= 1:
        return [pending]
    regions: dict[int, list[int]] = {}
    for pk, region in Municipality.objects.filter(pk__in=pending).values_list("pk", "region_id"):
        regions.setdefault(region, []).append(pk)
    order = {pk: n for n, pk in enumerate(pending)}
    return sorted(regions.values(), key=lambda chunk: min(order[pk] for pk in chunk))


def settlement_run_settle(
    *, run_id: int, settled: Callable[[list[int]], None] | None = None
) -> list[int]:
    """Settle the run's pending municipalities set-based (settlements.services.half_year):
    one transaction for the half-year (SETTLE_CHUNK), items and progress written in it, so a
    worker killed midway leaves every item of it pending for the redelivery or resume.
    Should the set-based transaction fail as a whole (a database error), each municipality
    is settled on its own instead (settlement_run_municipality), so one bad municipality
    fails alone. Returns the municipalities settled here; calls `settled(ids)` after each
    committed chunk."""
    run = SettlementRun.objects.select_related("started_by").get(pk=run_id)
    handled: list[int] = []
    for chunk in _chunks(_pending_ids(run_id)):
        try:
            ids = _settle_chunk(run, chunk)
        except Exception:
            logger.exception(
                "Settlement run %s: the set-based step failed; settling one by one", run_id
            )
            ids = []
            for municipality_id in chunk:
                if (
                    settlement_run_municipality(run_id=run_id, municipality_id=municipality_id)
                    != SettlementRunItem.Status.PENDING
                ):
                    ids.append(municipality_id)
        handled += ids
        if settled is not None and ids:
            settled(ids)
    return handled


def settlement_run_dispatch(*, run_id: int) -> int:
    """The run task: settle what is pending of the run (set-based, settlement_run_settle) and
    finish the run; returns how many municipalities it settled. Safe to call again
    (redelivery, resume): a finished run has nothing pending. The sweeper may instead queue
    `settlement_run_municipality_task` per pending item; both count each item once."""
    handled = settlement_run_settle(run_id=run_id)
    settlement_run_finish(run_id=run_id)
    return len(handled)


def settlement_run_execute(
    *,
    run_id: int,
    progress: Callable[[SettlementRun, SettlementRunItem, int], None] | None = None,
) -> SettlementRun:
    """Settle the run's pending municipalities in this process (set-based); calls
    `progress(run, item, handled)` for each once its transaction committed, `handled` being
    the number of the run's municipalities no longer pending with this one. Returns the run
    as it ends."""
    before = (
        SettlementRunItem.objects.filter(run_id=run_id)
        .exclude(status=SettlementRunItem.Status.PENDING)
        .count()
    )
    reported = 0

    def settled(ids: list[int]) -> None:
        nonlocal reported
        if progress is None:
            return
        run = SettlementRun.objects.get(pk=run_id)
        items = SettlementRunItem.objects.filter(
            run_id=run_id, municipality_id__in=ids
        ).select_related("municipality")
        for item in sorted(items, key=lambda i: (i.municipality.name, i.municipality_id)):
            reported += 1
            progress(run, item, before + reported)

    settlement_run_settle(run_id=run_id, settled=settled)
    return settlement_run_finish(run_id=run_id)


def settlement_run_period(
    *,
    period: Period,
    actor=None,
    municipality: Municipality | None = None,
    progress: Callable[[SettlementRun, SettlementRunItem, int], None] | None = None,
) -> SettlementRun:
    """Start (or join) the run and execute it in this process: the command line."""
    with transaction.atomic():
        run = _record(period=period, actor=actor, municipality=municipality)
    return settlement_run_execute(run_id=run.pk, progress=progress)
