"""The admin's imports in the background (docs/imports.md, "In the admin").

upload → `import_job_create` stores the file (MEDIA_ROOT/imports/<uuid>.<extension>) and
queues the check → `import_job_check` (a task) runs the import as a dry run and keeps its
result on the job: the preview, or the errors → the user confirms (`import_job_confirm`) →
`import_job_write` (a task) runs it for real. Both go through `import_run`, the command line's
code path. A task gets only the job's id, never the file or a cell of it.

Exactly once: each task locks the job's row and works only from the status it expects
(checking, writing) to the next one, in the same transaction as the import itself. A task
delivered twice waits for the lock and then finds the step done; a worker killed halfway
leaves the transaction rolled back and the status as it was, so the redelivered task does
it all again. Without a broker (CELERY_TASK_ALWAYS_EAGER) the request runs the tasks.
"""

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils.translation import gettext as _

from placements.imports.base import ImportResult
from placements.imports.runner import import_run
from placements.models import ImportJob, ImportJobProgress

logger = logging.getLogger(__name__)

SUFFIXES = (".csv", ".xlsx", ".xls", ".txt")


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def stored_path(job: ImportJob) -> Path:
    return upload_dir() / Path(job.stored_name).name


def import_job_create(*, kind: str, upload, user) -> ImportJob:
    """Store the upload with its own extension (openpyxl and people read it by that) under a
    new uuid, record the job and queue its check."""
    suffix = Path(upload.name).suffix.lower()
    stored_name = uuid.uuid4().hex + (suffix if suffix in SUFFIXES else ".dat")
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / stored_name).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind, file_name=upload.name[:255], stored_name=stored_name, user=user
        )
        ImportJobProgress.objects.create(job=job)
    _queue("check", job.pk)
    return job


def import_job_confirm(*, job: ImportJob, user) -> bool:
    """Checked → writing, once (a second click changes nothing); queues the write."""
    moved = ImportJob.objects.filter(pk=job.pk, user=user, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.WRITING
    )
    if moved:
        ImportJobProgress.objects.filter(job_id=job.pk).update(done=0)
        _queue("write", job.pk)
    return bool(moved)


def _queue(step: str, job_id: int) -> None:
    from placements.tasks import import_job_check_task, import_job_write_task

    task = import_job_check_task if step == "check" else import_job_write_task
    task.delay(job_id)


def import_job_check(*, job_id: int) -> None:
    _step(job_id, expected=ImportJob.Status.CHECKING, dry_run=True)


def import_job_write(*, job_id: int) -> None:
    _step(job_id, expected=ImportJob.Status.WRITING, dry_run=False)


def _step(job_id: int, *, expected: str, dry_run: bool) -> None:
    progress = _Progress(job_id)
    remove = False
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
            if job is None or job.status != expected:
                return  # done already (a redelivered task), or never confirmed
            path = stored_path(job)
            if not path.is_file():
                result = ImportResult(kind=job.kind, file_name=job.file_name, dry_run=dry_run)
                result.add_issue(None, None, _("The uploaded file is gone: upload it again."))
            else:
                result = import_run(
                    kind=job.kind,
                    path=path,
                    file_name=job.file_name,
                    actor=job.user,
                    dry_run=dry_run,
                    progress=progress,
                )
            if not result.ok:
                status = ImportJob.Status.REFUSED
            else:
                status = ImportJob.Status.CHECKED if dry_run else ImportJob.Status.DONE
            _keep(job, result, status)
            remove = status != ImportJob.Status.CHECKED
        if remove:
            stored_path(job).unlink(missing_ok=True)
    except Exception as error:
        # Only the kind of error and the job: the text may quote a cell (a BSN).
        logger.error("Import job %s failed: %s", job_id, type(error).__name__)
        ImportJob.objects.filter(pk=job_id, status=expected).update(status=ImportJob.Status.FAILED)
    finally:
        progress.close()


def _keep(job: ImportJob, result: ImportResult, status: str) -> None:
    job.status = status
    job.rows = result.rows
    job.created, job.updated, job.unchanged = result.created, result.updated, result.unchanged
    job.issue_count = len(result.issues)
    job.issues = [
        [issue.row, issue.column, issue.message] for issue in result.issues[: job.ISSUES_KEPT]
    ]
    job.columns = list(result.columns)
    job.preview = [[row.number, row.action, row.cells] for row in result.preview]
    job.save()
    ImportJobProgress.objects.filter(job_id=job.pk).update(done=result.rows, total=result.rows)


class _Progress:
    """Writes the progress from a database connection of its own, outside the import's
    transaction (which keeps it invisible until it ends); a failure here is only logged."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.connection = None

    def __call__(self, done: int, total: int) -> None:
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportJobProgress._meta.db_table} SET done = %s, total = %s "  # noqa: S608 - a table name
                    "WHERE job_id = %s",
                    [done, total, self.job_id],
                )
        except DatabaseError as error:
            logger.warning("Import job %s: progress not saved (%s).", self.job_id, error)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
