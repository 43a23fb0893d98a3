"""The Celery app. Without a broker (no REDIS_URL / CELERY_BROKER_URL) tasks run eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvsi_portal.settings")

app = Celery("nvsi_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
