"""Celery tasks for placements: thin, by primary key, safe to run twice (acks late is global)."""

from celery import shared_task


@shared_task
def import_job_check_task(job_id: int) -> None:
    """Check an uploaded import file (a dry run) and keep the preview or the errors."""
    from placements.imports.jobs import import_job_check

    import_job_check(job_id=job_id)


@shared_task
def import_job_write_task(job_id: int) -> None:
    """Write a confirmed import, once however often it is delivered."""
    from placements.imports.jobs import import_job_write

    import_job_write(job_id=job_id)
