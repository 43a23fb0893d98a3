"""Queue a heartbeat through the configured broker and wait until a worker has written it."""

import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.models import WorkerHeartbeat
from core.tasks import worker_heartbeat_task


class Command(BaseCommand):
    help = "Checks that a real Celery worker runs tasks from the broker and writes to the database."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0)

    def handle(self, *args, timeout: float, **options):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("No broker configured: set REDIS_URL or CELERY_BROKER_URL.")
        token = uuid.uuid4().hex
        worker_heartbeat_task.delay(token)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            beat = WorkerHeartbeat.objects.filter(token=token).first()
            if beat is not None:
                self.stdout.write(f"worker {beat.hostname} wrote heartbeat {token}")
                return
            time.sleep(0.25)
        raise CommandError(f"No worker wrote heartbeat {token} within {timeout:.0f} s.")
