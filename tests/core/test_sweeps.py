"""The stalled-work sweeper's registry, claim and beat entry (core.sweeps)."""

import datetime

import pytest
from django.conf import settings

from core import sweeps
from core.models import SweepClaim
from core.tasks import stalled_work_sweep_task
from nvsi_portal.celery import app
from tests.clock import clock_at

pytestmark = pytest.mark.django_db


def test_beat_runs_the_sweep_every_minute_and_redis_gets_the_visibility_timeout():
    entry = settings.CELERY_BEAT_SCHEDULE["core-stalled-work-sweep"]
    assert entry["task"] == stalled_work_sweep_task.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 60.0
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS == {
        "visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT
    }
    assert settings.CELERY_VISIBILITY_TIMEOUT == 7200 and settings.RUN_STALL_MINUTES == 10


def test_a_name_is_registered_once(monkeypatch):
    monkeypatch.setattr(sweeps, "_SWEEPS", {})

    def one(*, stalled_before):
        return 0

    def other(*, stalled_before):
        return 0

    sweeps.sweep_register("x.one", one)
    sweeps.sweep_register("x.one", one)  # AppConfig.ready() again: the same function
    with pytest.raises(ValueError, match=r"Another sweep is registered as 'x\.one'"):
        sweeps.sweep_register("x.one", other)
    with pytest.raises(ValueError, match=r"No sweep registered as x\.two"):
        sweeps.stalled_work_sweep(names=["x.two"])


def test_a_failing_sweep_does_not_stop_the_others(monkeypatch, caplog, settings):
    settings.RUN_STALL_MINUTES = 10
    seen = []

    def broken(*, stalled_before):
        raise RuntimeError("database gone")

    def working(*, stalled_before):
        seen.append(stalled_before)
        return 2

    monkeypatch.setattr(sweeps, "_SWEEPS", {"a.broken": broken, "b.working": working})
    with clock_at("2026-12-05T10:00Z"):
        assert sweeps.stalled_work_sweep() == {"a.broken": 0, "b.working": 2}
    assert seen == [datetime.datetime(2026, 12, 5, 9, 50, tzinfo=datetime.UTC)]
    assert "Sweep a.broken failed" in caplog.text


def test_a_claim_holds_for_one_window():
    def claim(moment: str) -> bool:
        with clock_at(moment) as now:
            return sweeps.sweep_claim(key="k", stalled_before=now - datetime.timedelta(minutes=10))

    assert claim("2026-12-05T10:00Z") is True
    assert claim("2026-12-05T10:00Z") is False  # a second sweeper at the same moment
    assert claim("2026-12-05T10:09Z") is False
    assert claim("2026-12-05T10:11Z") is True
    claimed = SweepClaim.objects.get(key="k")
    assert (claimed.times, claimed.claimed_at.isoformat()) == (2, "2026-12-05T10:11:00+00:00")
