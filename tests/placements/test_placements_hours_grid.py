"""The back office's hours grid: one assignment, one ISO week, seven day fields saved through
the time-entry services in one transaction, errors per day, invoiced days left alone."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone

from core.models import AuditEvent
from placements.models import Assignment, TimeEntry
from tests.clock import clock_at
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    TimeEntryFactory,
)

MONDAY = datetime.date(2026, 3, 9)  # ISO week 2026-W11, inside the factory's assignment
WEEK = "2026-W11"


def _day(offset: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=offset)


def _field(offset: int) -> str:
    return f"day_{_day(offset):%Y%m%d}"


def _url(assignment) -> str:
    return f"/admin/placements/assignment/{assignment.pk}/hours/?week={WEEK}"


@pytest.fixture
def client(back_office_client):
    back_office_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return back_office_client


@pytest.fixture
def assignment(town, framework):
    return AssignmentFactory(candidate=CandidateFactory(municipality=town), active=True)


def _post(client, assignment, days: dict[int, str], **extra):
    data = {_field(offset): "" for offset in range(7)}
    data.update({_field(offset): value for offset, value in days.items()})
    data.update(extra)
    return client.post(_url(assignment), data)


def _hours(assignment) -> dict[datetime.date, Decimal]:
    return dict(assignment.time_entries.values_list("work_date", "hours"))


def test_grid_shows_the_week_prefilled(client, assignment):
    TimeEntryFactory(assignment=assignment, work_date=_day(1), hours=Decimal("7.50"))
    response = client.get(_url(assignment))
    assert response.status_code == 200
    form = response.context["form"]
    assert form[_field(1)].value() == Decimal("7.50")
    assert form[_field(0)].value() is None
    assert "Week 11 (2026)" in response.content.decode()


def test_save_creates_changes_and_removes_through_the_services(client, assignment):
    TimeEntryFactory(assignment=assignment, work_date=_day(1), hours=Decimal("4.00"))
    TimeEntryFactory(assignment=assignment, work_date=_day(2), hours=Decimal("6.00"))
    response = _post(client, assignment, {0: "8", 1: "7,5", 2: "", 3: "6.25", 4: "0"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?week={WEEK}")
    assert _hours(assignment) == {
        _day(0): Decimal("8.00"),
        _day(1): Decimal("7.50"),
        _day(3): Decimal("6.25"),
    }
    actions = sorted(AuditEvent.objects.values_list("action", flat=True))
    assert actions == [
        "time_entry.create",
        "time_entry.create",
        "time_entry.delete",
        "time_entry.update",
    ]


def test_unchanged_approved_hours_stay_approved(client, assignment, back_office_user):
    approved = TimeEntryFactory(
        assignment=assignment,
        work_date=_day(0),
        hours=Decimal("8.00"),
        status=TimeEntry.Status.APPROVED,
        approved_at=datetime.datetime(2026, 3, 16, tzinfo=datetime.UTC),
    )
    assert _post(client, assignment, {0: "8,00", 1: "4"}).status_code == 302
    approved.refresh_from_db()
    assert approved.status == TimeEntry.Status.APPROVED


def test_errors_per_day_and_nothing_half_saved(client, assignment):
    existing = TimeEntryFactory(assignment=assignment, work_date=_day(0), hours=Decimal("4.00"))
    response = _post(client, assignment, {0: "6", 1: "25", 2: "8", 3: "abc", 4: "-2", 5: "7,125"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {
        _field(1): ["At most 24 hours a day."],
        _field(3): ["Enter a number."],
        _field(4): ["Hours must be more than 0."],
        _field(5): ["Hours have at most two decimals."],
    }
    page = response.content.decode()
    assert "Nothing of this week has been saved" in page
    assert _hours(assignment) == {_day(0): Decimal("4.00")}  # Monday and Wednesday not saved
    existing.refresh_from_db()
    assert existing.hours == Decimal("4.00")
    assert not AuditEvent.objects.exists()


def test_candidate_day_over_24_across_assignments(client, assignment, town):
    other = AssignmentFactory(candidate=assignment.candidate, active=True)
    TimeEntryFactory(assignment=other, work_date=_day(2), hours=Decimal("20.00"))
    response = _post(client, assignment, {0: "8", 2: "5"})
    assert response.status_code == 200
    errors = response.context["form"].errors[_field(2)]
    assert errors == ["The candidate already has 20.00 hours on 11-03-2026: together more than 24."]
    assert _hours(assignment) == {}
    assert "Other assignments" in response.content.decode()


def test_invoiced_days_are_read_only(client, assignment):
    invoiced = TimeEntryFactory(
        assignment=assignment,
        work_date=_day(0),
        hours=Decimal("8.00"),
        status=TimeEntry.Status.INVOICED,
        approved_at=datetime.datetime(2026, 3, 16, tzinfo=datetime.UTC),
    )
    page = client.get(_url(assignment))
    assert page.context["form"].fields[_field(0)].disabled
    assert f'name="{_field(0)}"' not in page.content.decode() or "disabled" in page.content.decode()
    response = _post(client, assignment, {0: "", 1: "6"})  # trying to clear the invoiced day
    assert response.status_code == 302
    invoiced.refresh_from_db()
    assert invoiced.hours == Decimal("8.00") and invoiced.status == TimeEntry.Status.INVOICED
    assert _hours(assignment) == {_day(0): Decimal("8.00"), _day(1): Decimal("6.00")}


def test_a_credited_day_shows_and_takes_its_correction(client, assignment):
    """After a credit note the credited entry is history; the day is open for the correction."""
    TimeEntryFactory(
        assignment=assignment,
        work_date=_day(0),
        hours=Decimal("8.00"),
        status=TimeEntry.Status.CREDITED,
        approved_at=datetime.datetime(2026, 3, 16, tzinfo=datetime.UTC),
    )
    page = client.get(_url(assignment))
    assert not page.context["form"].fields[_field(0)].disabled
    assert page.context["form"][_field(0)].value() is None
    assert _post(client, assignment, {0: "6"}).status_code == 302
    statuses = dict(
        assignment.time_entries.filter(work_date=_day(0)).values_list("status", "hours")
    )
    assert statuses == {
        TimeEntry.Status.CREDITED: Decimal("8.00"),
        TimeEntry.Status.ENTERED: Decimal("6.00"),
    }


def test_days_outside_the_assignment_are_not_editable(client, town, framework):
    assignment = AssignmentFactory(
        candidate=CandidateFactory(municipality=town),
        active=True,
        start_date=_day(2),
        end_date=datetime.date(2026, 5, 29),
    )
    form = client.get(_url(assignment)).context["form"]
    assert form.fields[_field(0)].disabled and form.fields[_field(1)].disabled
    assert not form.fields[_field(2)].disabled
    _post(client, assignment, {0: "8", 2: "8"})
    assert _hours(assignment) == {_day(2): Decimal("8.00")}


def test_save_and_approve_the_week(client, assignment, back_office_with_mfa):
    response = _post(client, assignment, {0: "8", 1: "8"}, _approve="1")
    assert response.status_code == 302
    statuses = set(assignment.time_entries.values_list("status", "approved_by"))
    assert statuses == {(TimeEntry.Status.APPROVED, back_office_with_mfa.pk)}


def test_ended_assignment_is_read_only(client, town, framework):
    assignment = AssignmentFactory(
        candidate=CandidateFactory(municipality=town), status=Assignment.Status.ENDED
    )
    TimeEntryFactory(assignment=assignment, work_date=_day(0), hours=Decimal("8.00"))
    page = client.get(_url(assignment))
    assert page.status_code == 200
    assert all(field.field.disabled for field in page.context["form"])
    assert "The week is shown read-only." in page.content.decode()
    assert client.post(_url(assignment), {_field(0): "4"}).status_code == 403


def test_default_week_and_week_navigation(client, assignment):
    response = client.get(f"/admin/placements/assignment/{assignment.pk}/hours/")
    grid = response.context["grid"]
    if timezone.localdate() > assignment.end_date:  # after the assignment: its last week
        assert grid.monday == datetime.date(2026, 5, 25)
    assert grid.previous_week and grid.next_week
    broken = client.get(f"/admin/placements/assignment/{assignment.pk}/hours/?week=nonsense")
    assert broken.status_code == 200


def test_linked_from_the_assignment_change_page_and_list(client, assignment):
    link = f"/admin/placements/assignment/{assignment.pk}/hours/"
    assert (
        link in client.get(f"/admin/placements/assignment/{assignment.pk}/change/").content.decode()
    )
    assert link in client.get("/admin/placements/assignment/").content.decode()


def test_requested_assignment_has_no_link(client, town, framework):
    requested = AssignmentFactory(candidate=CandidateFactory(municipality=town))
    link = f"/admin/placements/assignment/{requested.pk}/hours/"
    assert (
        link
        not in client.get(f"/admin/placements/assignment/{requested.pk}/change/").content.decode()
    )


def test_not_for_coordinators_or_the_treasurer(town_coordinator, treasurer_user, assignment):
    for user in (town_coordinator, treasurer_user):
        http = HttpClient()
        http.force_login(user)
        assert http.get(_url(assignment)).status_code == 302  # the admin sends them away
        assert http.post(_url(assignment), {_field(0): "8"}).status_code == 302
    assert not TimeEntry.objects.exists()


# --- Days after today ----------------------------------------------------------------------

WEEK_49 = "2026-W49"  # Monday 30 November to Sunday 6 December 2026
NOV_30 = datetime.date(2026, 11, 30)


def _w49(offset: int) -> str:
    return f"day_{NOV_30 + datetime.timedelta(days=offset):%Y%m%d}"


@pytest.fixture
def december(town, framework):
    return AssignmentFactory(
        candidate=CandidateFactory(municipality=town),
        active=True,
        start_date=datetime.date(2026, 11, 2),
        end_date=datetime.date(2027, 1, 29),
    )


def _w49_url(assignment) -> str:
    return f"/admin/placements/assignment/{assignment.pk}/hours/?week={WEEK_49}"


def _w49_post(client, assignment, days: dict[int, str]):
    return client.post(_w49_url(assignment), {_w49(offset): v for offset, v in days.items()})


@pytest.mark.parametrize(
    ("now", "first_closed"),
    [
        ("2026-12-02T22:30Z", 3),  # 23:30 on Wednesday in Amsterdam: Thursday is tomorrow
        ("2026-12-02T23:30Z", 4),  # 00:30 on Thursday in Amsterdam, still Wednesday in UTC
    ],
)
def test_days_after_today_are_shown_disabled(client, december, now, first_closed):
    with clock_at(now):
        response = client.get(_w49_url(december))
    form = response.context["form"]
    assert [form.fields[_w49(i)].disabled for i in range(7)] == [
        i >= first_closed for i in range(7)
    ]
    rows = response.context["rows"]
    assert [row["not_yet"] for row in rows] == [i >= first_closed for i in range(7)]
    page = response.content.decode()
    assert page.count("Not worked yet") == 7 - first_closed
    for i in range(7):  # greyed out, not hidden
        disabled = re.search(rf'<input[^>]*name="{_w49(i)}"[^>]*\bdisabled\b', page)
        assert bool(disabled) == (i >= first_closed)


def test_a_value_posted_for_a_day_after_today_is_refused_with_a_message(client, december):
    with clock_at("2026-12-02T22:30Z"):  # Wednesday 23:30 in Amsterdam
        response = _w49_post(client, december, {0: "8", 2: "8", 3: "8", 5: "abc"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        _w49(3): ["03-12-2026 lies after today (02-12-2026): that day has not been worked yet."],
        _w49(5): ["Enter a number."],
    }
    assert "Nothing of this week has been saved" in response.content.decode()
    assert _hours(december) == {}
    assert not AuditEvent.objects.exists()


def test_past_days_save_while_the_days_after_today_stay_empty(client, december):
    with clock_at("2026-12-02T23:30Z"):  # Thursday 00:30 in Amsterdam
        response = _w49_post(client, december, {0: "8", 3: "6", 4: "", 6: "0"})
    assert response.status_code == 302
    assert _hours(december) == {
        NOV_30: Decimal("8.00"),
        datetime.date(2026, 12, 3): Decimal("6.00"),
    }


def test_stored_hours_on_a_day_after_today_are_kept_when_the_browser_sends_nothing(
    client, december
):
    """A disabled field is not posted: the hours on it (stored before the rule) stay."""
    later = TimeEntryFactory(
        assignment=december, work_date=datetime.date(2026, 12, 5), hours=Decimal("4.00")
    )
    with clock_at("2026-12-02T12:00Z"):
        page = client.get(_w49_url(december))
        assert page.context["form"][_w49(5)].value() == Decimal("4.00")
        assert _w49_post(client, december, {0: "8"}).status_code == 302
        # The same hours posted back are no change; other hours are refused.
        assert _w49_post(client, december, {0: "8", 5: "4,00"}).status_code == 302
        refused = _w49_post(client, december, {0: "8", 5: "6"})
    assert "not been worked yet" in refused.context["form"].errors[_w49(5)][0]
    later.refresh_from_db()
    assert later.hours == Decimal("4.00")
