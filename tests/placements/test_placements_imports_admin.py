# ruff: noqa: F811 - `placed` is a fixture imported from import_fixtures
"""The admin's import page: upload, a background check (preview: errors by row and column, or
what would change), confirm, a background write. The file stays server-side with its
extension; tasks carry only the job's id; the job is validated again when it is written.
Without a broker the tasks run in the request (CELERY_TASK_ALWAYS_EAGER)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from placements.imports.jobs import import_job_write
from placements.models import ImportJob, ImportJobProgress, TimeEntry
from tests.factories import UserFactory
from tests.placements.import_fixtures import (
    HEADERS,
    csv_bytes,
    hours_row,
    placed,  # noqa: F401 - a fixture
    write_xlsx,
)

URL = "/admin/placements/import/"


@pytest.fixture
def staff(db):
    user = UserFactory(
        email="import.backoffice@operator.example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        mfa=True,
    )
    client = HttpClient()
    client.force_login(user)
    return client, user


def _upload(client, rows, *, kind="hours", name="uren.csv"):
    return client.post(
        URL, {"kind": kind, "file": SimpleUploadedFile(name, csv_bytes(rows, delimiter=";"))}
    )


def _job_page(client, response):
    """Follow the upload's redirect to its job's page (the check ran in-process)."""
    assert response.status_code == 302, response.content[:500]
    assert re.fullmatch(r"/admin/placements/import/\d+/", response["Location"])
    return client.get(response["Location"]), response["Location"]


def test_url_and_page(staff):
    client, _user = staff
    assert reverse("admin:placements_import") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content


def test_preview_then_confirm(staff, placed, settings):
    client, user = staff
    page, url = _job_page(
        client, _upload(client, [HEADERS["hours"], hours_row(), hours_row("04-03-2026", "7,5")])
    )
    assert page.status_code == 200
    assert 'id="import-preview"' in page.content.decode()
    assert not TimeEntry.objects.exists()  # a preview writes nothing
    stored = list((settings.MEDIA_ROOT / "imports").iterdir())
    assert [path.suffix for path in stored] == [".csv"]
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    assert TimeEntry.objects.filter(entered_by=user).count() == 2
    assert not stored[0].exists()  # removed once imported
    done = client.get(url).content.decode()
    assert 'id="import-result"' in done
    assert reverse("admin:placements_timeentry_changelist") in done
    job = ImportJob.objects.get()
    assert (job.status, job.created, job.rows) == ("done", 2, 2)
    # A second click (or a redelivered task) writes nothing twice.
    assert client.post(url).status_code == 302
    import_job_write(job_id=job.pk)
    assert TimeEntry.objects.count() == 2


def test_xlsx_upload_previews_and_imports(staff, placed, tmp_path, settings):
    """The upload keeps its .xlsx extension; an openpyxl-saved file goes through."""
    client, user = staff
    path = write_xlsx(tmp_path, [HEADERS["hours"], hours_row(), hours_row("04-03-2026", 7.5)])
    page, url = _job_page(
        client,
        client.post(
            URL, {"kind": "hours", "file": SimpleUploadedFile("uren.xlsx", path.read_bytes())}
        ),
    )
    assert 'id="import-preview"' in page.content.decode()
    assert [p.suffix for p in (settings.MEDIA_ROOT / "imports").iterdir()] == [".xlsx"]
    assert client.post(url).status_code == 302
    assert TimeEntry.objects.filter(entered_by=user).count() == 2


def test_errors_listed_by_row_and_column_and_no_confirm(staff, placed, settings):
    client, _user = staff
    page, url = _job_page(
        client, _upload(client, [HEADERS["hours"], hours_row(hours="25"), hours_row("x")])
    )
    text = page.content.decode()
    assert 'id="import-errors"' in text  # the page speaks Dutch; the messages are tested apart
    assert "<td>2</td><td>hours</td><td>" in text
    assert "<td>3</td><td>work_date</td>" in text
    assert 'type="submit"' not in text.split('id="import-errors"')[1]
    assert not list((settings.MEDIA_ROOT / "imports").iterdir())  # a refused file is removed
    assert client.post(url).status_code == 302  # confirming a refused job does nothing
    assert not TimeEntry.objects.exists()


def test_confirm_validates_again(staff, placed):
    client, _user = staff
    _page, url = _job_page(client, _upload(client, [HEADERS["hours"], hours_row()]))
    placed.status = "requested"  # changed between preview and confirm
    placed.decided_at = None
    placed.save()
    client.post(url)
    page = client.get(url).content.decode()
    assert "<td>2</td><td>assignment_start_date</td><td>" in page
    assert ImportJob.objects.get().status == "refused"
    assert not TimeEntry.objects.exists()


def test_another_users_job_is_not_found(staff, placed, db):
    client, _user = staff
    _page, url = _job_page(client, _upload(client, [HEADERS["hours"], hours_row()]))
    other = UserFactory(
        email="other.backoffice@operator.example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        mfa=True,
    )
    other_client = HttpClient()
    other_client.force_login(other)
    assert other_client.get(url).status_code == 404
    assert other_client.post(url).status_code == 404
    assert client.get(URL + "999999/").status_code == 404
    assert not TimeEntry.objects.exists()
    assert ImportJob.objects.get().status == "checked"


def test_a_running_job_shows_its_progress_and_refreshes(staff, placed):
    client, _user = staff
    _page, url = _job_page(client, _upload(client, [HEADERS["hours"], hours_row()]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="writing")
    ImportJobProgress.objects.filter(job=job).update(done=1200, total=6000)
    with translation.override("en"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress value="1200" max="6000">' in page
    assert f'href="{url}"' in page  # refresh by hand, without JavaScript
    ImportJob.objects.filter(pk=job.pk).update(status="checked")
    assert "http-equiv" not in client.get(url).content.decode()


def test_task_arguments_carry_only_the_job_id(staff, placed, monkeypatch):
    from placements import tasks

    sent = []
    monkeypatch.setattr(tasks.import_job_check_task, "delay", lambda *args: sent.append(args))
    client, _user = staff
    _upload(client, [HEADERS["hours"], hours_row()], kind="hours")
    assert sent == [(ImportJob.objects.get().pk,)]


def test_coordinator_and_anonymous_kept_out(coordinator_client, anonymous_client):
    assert coordinator_client.get(URL).status_code == 302  # not staff: to the sign-in
    assert anonymous_client.get(URL).status_code == 302


def test_oversized_upload_refused_and_not_kept(staff, placed, settings):
    client, _user = staff
    settings.IMPORT_MAX_BYTES = 50
    response = _upload(client, [HEADERS["hours"], hours_row()])
    with translation.override("nl"):  # the page is rendered in Dutch
        assert (
            translation.gettext("The file is larger than the import limit.")
            in response.content.decode()
        )
    assert not (settings.MEDIA_ROOT / "imports").exists()


@pytest.mark.parametrize("model", ["candidate", "client", "assignment", "timeentry"])
def test_every_placements_list_links_to_the_import_page(staff, model):
    client, _user = staff
    response = client.get(f"/admin/placements/{model}/")
    assert response.status_code == 200
    assert f'href="{URL}"' in response.content.decode()
