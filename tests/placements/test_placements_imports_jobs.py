# ruff: noqa: F811 - `placed` is a fixture imported from import_fixtures
"""The admin's background imports on the real PostgreSQL (placements.imports.jobs): a write
task delivered twice or run by two workers at once writes the file once; the progress is
written from a connection of its own while the task holds its job's row locked."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from accounts.roles import Role
from core.models import AuditEvent
from placements.imports import jobs
from placements.models import ImportJob, ImportJobProgress, TimeEntry
from tests.factories import UserFactory
from tests.placements.import_fixtures import (
    HEADERS,
    csv_bytes,
    hours_row,
    placed,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db(transaction=True)
WORKERS = 6


def _in_threads(work, count: int) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target() -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


@pytest.fixture
def confirmed(placed, monkeypatch):
    """A checked and confirmed job of three hours rows whose write task was not yet run."""
    user = UserFactory(email="jobs@operator.example.nl", role=Role.BACK_OFFICE, is_staff=True)
    rows = [HEADERS["hours"], hours_row(), hours_row("04-03-2026"), hours_row("05-03-2026")]
    upload = SimpleUploadedFile("uren.csv", csv_bytes(rows, delimiter=";"))
    job = jobs.import_job_create(kind="hours", upload=upload, user=user)  # checked in-process
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    queued = []
    monkeypatch.setattr(jobs, "_queue", lambda step, job_id: queued.append((step, job_id)))
    assert jobs.import_job_confirm(job=job, user=user)
    assert not jobs.import_job_confirm(job=job, user=user)  # a second click queues nothing
    assert queued == [("write", job.pk)]
    return job


def test_write_tasks_at_once_and_redelivered_write_once(confirmed):
    errors = _in_threads(lambda: jobs.import_job_write(job_id=confirmed.pk), WORKERS)
    assert not errors
    jobs.import_job_write(job_id=confirmed.pk)  # redelivered after it finished
    confirmed.refresh_from_db()
    assert confirmed.status == ImportJob.Status.DONE
    assert (confirmed.created, confirmed.rows) == (3, 3)
    assert TimeEntry.objects.count() == 3
    assert AuditEvent.objects.filter(action="import.hours").count() == 1
    assert not jobs.stored_path(confirmed).exists()


def test_a_write_that_fails_halfway_is_done_again_by_the_next_delivery(confirmed, monkeypatch):
    """A worker that dies inside the import leaves nothing written and the job writing."""
    from placements.imports import runner

    real = runner.audit_record

    def die(**kwargs):
        raise SystemExit("worker lost")  # not an Exception: as a killed worker, uncaught

    monkeypatch.setattr(runner, "audit_record", die)
    with pytest.raises(SystemExit):
        jobs.import_job_write(job_id=confirmed.pk)
    assert not TimeEntry.objects.exists()
    assert ImportJob.objects.get(pk=confirmed.pk).status == ImportJob.Status.WRITING
    monkeypatch.setattr(runner, "audit_record", real)
    jobs.import_job_write(job_id=confirmed.pk)
    assert TimeEntry.objects.count() == 3
    assert ImportJob.objects.get(pk=confirmed.pk).status == ImportJob.Status.DONE


def test_an_unexpected_error_marks_the_job_failed_without_writing(confirmed, monkeypatch):
    from placements.imports import runner

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(runner, "audit_record", broken)
    jobs.import_job_write(job_id=confirmed.pk)
    assert ImportJob.objects.get(pk=confirmed.pk).status == ImportJob.Status.FAILED
    assert not TimeEntry.objects.exists()


def test_progress_is_seen_while_the_task_holds_its_job_locked(confirmed):
    progress = jobs._Progress(confirmed.pk)
    try:
        with transaction.atomic():
            ImportJob.objects.select_for_update().get(pk=confirmed.pk)
            progress(2, 3)  # its own connection: not blocked by the lock, committed at once
            reader = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with reader.cursor() as cursor:
                    cursor.execute(
                        "SELECT done, total FROM placements_importjobprogress WHERE job_id = %s",
                        [confirmed.pk],
                    )
                    assert cursor.fetchone() == (2, 3)
            finally:
                reader.close()
    finally:
        progress.close()
    assert ImportJobProgress.objects.get(job=confirmed).done == 2
