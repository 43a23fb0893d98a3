"""The go-live import of running assignments approved before the portal took over: they
arrive approved (and signed off where large or long) by the coordinator named, through the
services' own rules, with audit events naming the import; a coordinator of another
municipality, an unknown one or a date in the future is a row error and writes nothing;
re-importing adds nothing. Through the command and the admin page, CSV and XLSX."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.roles import Role
from core.models import AuditEvent
from placements.models import Assignment, DisplacementCheck
from tests.factories import UserFactory
from tests.placements.factories import CandidateFactory, ClientFactory, PlacementsUserFactory
from tests.placements.import_fixtures import (
    counts,
    messages,
    run,
    write_csv,
    write_xlsx,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
HEADER = [
    "municipality",
    "client_number",
    "kvk_number",
    "start_date",
    "end_date",
    "hours_per_week",
    "work_description",
    "hourly_rate",
    "displacement_check_date",
    "client_signatory",
    "approved_by",
    "approved_on",
]
COORDINATOR = "coordinator@groningen.example.nl"


@pytest.fixture
def world(town, other_town, framework):
    """Candidate K-3001 of Groningen, client 23456789, Groningen's and Assen's coordinators."""
    candidate = CandidateFactory(municipality=town, client_number="K-3001")
    client = ClientFactory(kvk_number="23456789", name="Groen B.V.")
    coordinator = PlacementsUserFactory(
        email=COORDINATOR, role=Role.COORDINATOR, municipalities=[town]
    )
    neighbour = PlacementsUserFactory(
        email="coordinator@assen.example.nl", role=Role.COORDINATOR, municipalities=[other_town]
    )
    return candidate, client, coordinator, neighbour


def row(
    hours="20",
    *,
    approved_by=COORDINATOR,
    checked="20-02-2026",
    approved="23-02-2026",
    end="29-05-2026",
    number="K-3001",
):
    return [
        "GM0014",
        number,
        "23456789",
        "02-03-2026",
        end,
        hours,
        "Groenonderhoud",
        "16,50",
        checked,
        "J. Bakker",
        approved_by,
        approved,
    ]


def test_command_csv_arrives_approved_with_the_audit_naming_import_and_coordinator(
    world, tmp_path, capsys, back_office_user
):
    candidate, client, coordinator, _neighbour = world
    path = write_csv(tmp_path, [HEADER, row()], delimiter=";")
    call_command(
        "import_data", "approved_assignments", str(path), "--actor", back_office_user.email
    )
    assert capsys.readouterr().out == (
        "upload.csv: approved_assignments: 1 rows; 1 created, 0 updated, 0 unchanged\n"
    )
    assignment = Assignment.objects.get(candidate=candidate, client=client)
    assert assignment.status == Assignment.Status.APPROVED
    assert assignment.decided_by == coordinator
    assert timezone.localdate(assignment.decided_at) == datetime.date(2026, 2, 23)
    assert assignment.requested_by == back_office_user
    assert (assignment.is_large_or_long, assignment.sign_off_at) == (False, None)
    check = DisplacementCheck.objects.get(assignment=assignment)
    assert check.is_complete
    assert (check.performed_by, check.client_signatory_name, check.client_signed_on) == (
        coordinator,
        "J. Bakker",
        datetime.date(2026, 2, 20),
    )
    event = AuditEvent.objects.get(action="assignment.approval_record")
    assert event.actor == back_office_user
    assert event.object_id == str(assignment.pk)
    assert "upload.csv (import approved_assignments)" in event.summary
    assert COORDINATOR in event.summary
    assert "23-02-2026" in event.summary
    assert event.changes["status"] == ["requested", "approved"]
    assert "upload.csv" in AuditEvent.objects.get(action="displacement_check.record").summary
    assert AuditEvent.objects.get(action="import.approved_assignments").actor == back_office_user
    # hours can be entered on it at once
    from placements.services import time_entry_create

    time_entry_create(
        assignment=assignment,
        actor=back_office_user,
        work_date=datetime.date(2026, 3, 3),
        hours=Decimal("8"),
    )


def test_large_or_long_arrives_signed_off_by_the_coordinator(world, tmp_path):
    _candidate, _client, coordinator, _neighbour = world
    result = run(
        "approved_assignments",
        write_csv(tmp_path, [HEADER, row("36", end="30-12-2026")]),
    )
    assert messages(result) == []
    assignment = Assignment.objects.get()
    assert (assignment.is_long, assignment.is_large_hours, assignment.is_large_or_long) == (
        True,
        True,
        True,
    )
    assert assignment.sign_off_by == coordinator
    assert timezone.localdate(assignment.sign_off_at) == datetime.date(2026, 2, 23)
    assert "upload.csv" in assignment.sign_off_reason


def test_empty_approved_on_is_the_check_date(world, tmp_path):
    result = run("approved_assignments", write_csv(tmp_path, [HEADER, row(approved="")]))
    assert messages(result) == []
    decided = Assignment.objects.get().decided_at
    assert timezone.localdate(decided) == datetime.date(2026, 2, 20)


def test_coordinator_of_another_municipality_is_a_row_error_and_nothing_is_written(world, tmp_path):
    other = CandidateFactory(municipality=world[0].municipality, client_number="K-3002")
    before = counts()
    path = write_csv(
        tmp_path,
        [
            HEADER,
            row(),  # valid on its own: rolled back with the rest
            row(approved_by="Coordinator@Assen.example.nl", number=other.client_number),
        ],
    )
    result = run("approved_assignments", path)
    assert messages(result) == [
        "row 3, column approved_by: coordinator@assen.example.nl is not a coordinator of "
        "Groningen (GM0014).",
    ]
    assert counts() == before  # no assignment, no audit event
    assert not DisplacementCheck.objects.exists()


def test_unknown_coordinator_future_dates_and_approval_before_check_name_row_and_column(
    world, tmp_path
):
    for number in ("K-3002", "K-3003", "K-3004"):
        CandidateFactory(municipality=world[0].municipality, client_number=number)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    path = write_csv(
        tmp_path,
        [
            HEADER,
            row(approved_by="nobody@example.nl"),
            row(checked=f"{tomorrow:%d-%m-%Y}", approved="", number="K-3002"),
            row(checked="20-02-2026", approved="19-02-2026", number="K-3003"),
            row(approved_by="not an address", number="K-3004"),
        ],
    )
    result = run("approved_assignments", path)
    assert messages(result) == [
        "row 2, column approved_by: No user has the e-mail address nobody@example.nl.",
        "row 3, column displacement_check_date: This date lies in the future.",
        "row 3, column approved_on: This date lies in the future.",
        "row 4, column approved_on: The approval (19-02-2026) lies before the displacement "
        "check (20-02-2026).",
        "row 5, column approved_by: Enter an e-mail address, not “not an address”.",
    ]
    assert not Assignment.objects.exists()


def test_reimport_adds_nothing_and_a_changed_row_is_refused(world, tmp_path):
    path = write_csv(tmp_path, [HEADER, row()])
    assert run("approved_assignments", path).created == 1
    before = counts()
    again = run("approved_assignments", path)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, 1)
    assert counts() == before  # not even an audit event
    changed = run("approved_assignments", write_csv(tmp_path, [HEADER, row(end="26-06-2026")]))
    assert messages(changed) == [
        "row 2, column start_date: This assignment is already in the portal (“Approved”, "
        "approved on 23-02-2026) with another end_date: an approved assignment is not changed "
        "by an import.",
    ]
    assert counts() == before


def test_a_requested_assignment_is_not_approved_by_the_import(world, tmp_path):
    plain = [HEADER[:8], row()[:8]]
    assert run("assignments", write_csv(tmp_path, plain)).created == 1
    result = run("approved_assignments", write_csv(tmp_path, [HEADER, row()]))
    assert messages(result) == [
        "row 2, column start_date: This assignment is “Requested” in the portal: only a "
        "coordinator decides it there; this import adds approved assignments that are not in "
        "the portal yet.",
    ]


def test_admin_upload_of_an_xlsx_previews_then_imports(world, tmp_path, settings):
    _candidate, _client, coordinator, _neighbour = world
    user = UserFactory(
        email="opening.backoffice@operator.example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        mfa=True,
    )
    client = HttpClient()
    client.force_login(user)
    xlsx_row = row()
    xlsx_row[3] = datetime.date(2026, 3, 2)  # a real date cell
    xlsx_row[5] = 20  # a number cell
    path = write_xlsx(tmp_path, [HEADER, xlsx_row], name="lopend.xlsx")
    url = "/admin/placements/import/"
    page = client.get(url).content.decode()
    assert 'value="approved_assignments"' in page
    response = client.post(
        url,
        {
            "kind": "approved_assignments",
            "file": SimpleUploadedFile("lopend.xlsx", path.read_bytes()),
        },
    )
    assert response.status_code == 302  # to the job's page: checked in the background
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert 'id="import-preview"' in page
    assert not Assignment.objects.exists()
    response = client.post(job_url)
    assert response.status_code == 302
    assert response["Location"] == job_url
    assert 'href="/admin/placements/assignment/"' in client.get(job_url).content.decode()
    assignment = Assignment.objects.get()
    assert (assignment.status, assignment.decided_by) == ("approved", coordinator)
    event = AuditEvent.objects.get(action="assignment.approval_record")
    assert event.actor == user
    assert "lopend.xlsx (import approved_assignments)" in event.summary


def test_documented_example_imports(world, tmp_path):
    for earlier in ["candidates", "clients"]:
        assert messages(run(earlier, EXAMPLES / f"{earlier}.csv")) == []
    result = run("approved_assignments", EXAMPLES / "approved_assignments.csv")
    assert messages(result) == []
    assert result.created == 2
    large = Assignment.objects.get(candidate__client_number="K-1001")
    assert large.is_large_hours and large.sign_off_at is not None
