from celery import shared_task

from core.services import worker_heartbeat_record


@shared_task(bind=True)
def worker_heartbeat_task(self, token: str) -> None:
    worker_heartbeat_record(token=token, hostname=self.request.hostname or "eager")
