import datetime

from celery import shared_task

from core.services import worker_heartbeat_record
from core.sweeps import stalled_work_sweep


@shared_task(bind=True)
def worker_heartbeat_task(self, token: str) -> None:
    worker_heartbeat_record(token=token, hostname=self.request.hostname or "eager")


@shared_task
def stalled_work_sweep_task(
    stall_seconds: int | None = None, names: list[str] | None = None
) -> dict[str, int]:
    """Beat, every minute: requeue the runs and documents without progress for
    RUN_STALL_MINUTES (core.sweeps). `stall_seconds` and `names` are for checks only
    (crash_recovery_smoke)."""
    stall = datetime.timedelta(seconds=stall_seconds) if stall_seconds is not None else None
    return stalled_work_sweep(stall=stall, names=names)
