# ruff: noqa: F811 - `placed` is a fixture imported from import_fixtures
"""The admin's import page: upload, dry-run preview (errors by row and column, or what would
change), confirm. The browser only carries a signed token; the file stays server-side and is
validated again on confirm."""

import re

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from placements.models import TimeEntry
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


def _token(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_url_and_page(staff):
    client, _user = staff
    assert reverse("admin:placements_import") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content


def test_preview_then_confirm(staff, placed, settings):
    client, user = staff
    response = _upload(client, [HEADERS["hours"], hours_row(), hours_row("04-03-2026", "7,5")])
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-preview"' in page
    assert not TimeEntry.objects.exists()  # a preview writes nothing
    stored = list((settings.MEDIA_ROOT / "imports").iterdir())
    assert len(stored) == 1
    response = client.post(URL, {"token": _token(response)})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:placements_timeentry_changelist")
    assert TimeEntry.objects.filter(entered_by=user).count() == 2
    assert not stored[0].exists()  # removed once imported


def test_xlsx_upload_previews_and_imports(staff, placed, tmp_path):
    """The upload is kept under a bare uuid (no .xlsx): the reader still reads it."""
    client, user = staff
    path = write_xlsx(tmp_path, [HEADERS["hours"], hours_row(), hours_row("04-03-2026", 7.5)])
    response = client.post(
        URL,
        {"kind": "hours", "file": SimpleUploadedFile("uren.xlsx", path.read_bytes())},
    )
    assert 'id="import-preview"' in response.content.decode()
    response = client.post(URL, {"token": _token(response)})
    assert response.status_code == 302
    assert TimeEntry.objects.filter(entered_by=user).count() == 2


def test_errors_listed_by_row_and_column_and_no_confirm(staff, placed):
    client, _user = staff
    response = _upload(client, [HEADERS["hours"], hours_row(hours="25"), hours_row("x")])
    page = response.content.decode()
    assert 'id="import-errors"' in page  # the page speaks Dutch; the messages are tested apart
    assert "<td>2</td><td>hours</td><td>" in page
    assert "<td>3</td><td>work_date</td>" in page
    assert 'name="token"' not in page
    assert not TimeEntry.objects.exists()


def test_confirm_validates_again(staff, placed):
    client, _user = staff
    response = _upload(client, [HEADERS["hours"], hours_row()])
    token = _token(response)
    placed.status = "requested"  # changed between preview and confirm
    placed.decided_at = None
    placed.save()
    response = client.post(URL, {"token": token})
    assert response.status_code == 200
    assert "<td>2</td><td>assignment_start_date</td><td>" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_forged_or_foreign_token_refused(staff, placed, db):
    client, _user = staff
    token = _token(_upload(client, [HEADERS["hours"], hours_row()]))
    response = client.post(URL, {"token": token + "x"})
    assert response.status_code == 302 and response["Location"] == URL
    other = UserFactory(
        email="other.backoffice@operator.example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        mfa=True,
    )
    other_client = HttpClient()
    other_client.force_login(other)
    assert other_client.post(URL, {"token": token}).status_code == 403
    forged = signing.dumps(
        {"file": "../../etc/passwd", "kind": "hours", "name": "x", "user": _user.pk},
        salt="placements.import",
    )
    assert client.post(URL, {"token": forged}).status_code == 302
    assert not TimeEntry.objects.exists()


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
