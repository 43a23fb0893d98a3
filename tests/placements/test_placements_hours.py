"""Hours: 0 < hours <= 24 with two decimals, at most 24 per candidate per day, only on an
approved or active assignment within its dates, approved in bulk, locked once invoiced."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from core.models import AuditEvent
from placements.models import Assignment, TimeEntry
from placements.services import (
    time_entries_approve,
    time_entry_check,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)
from tests.clock import clock_at
from tests.placements.factories import AssignmentFactory, CandidateFactory, TimeEntryFactory

DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def assignment(town, framework):
    return AssignmentFactory(candidate=CandidateFactory(municipality=town), active=True)


def _enter(assignment, actor, hours, day=DAY):
    return time_entry_create(assignment=assignment, actor=actor, work_date=day, hours=hours)


def test_entry_created_and_audited(assignment, back_office_user):
    entry = _enter(assignment, back_office_user, Decimal("7.50"))
    assert (entry.status, entry.hours, entry.entered_by) == (
        TimeEntry.Status.ENTERED,
        Decimal("7.50"),
        back_office_user,
    )
    assert AuditEvent.objects.filter(action="time_entry.create").count() == 1


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (Decimal("0"), "more than 0"),
        (Decimal("-1.00"), "more than 0"),
        (Decimal("24.01"), "At most 24"),
        (Decimal("25"), "At most 24"),
        (Decimal("7.555"), "two decimals"),
        ("NaN", "as a number"),
        ("acht", "as a number"),
    ],
)
def test_hours_out_of_range_refused(assignment, back_office_user, hours, message):
    with pytest.raises(ValidationError) as error:
        _enter(assignment, back_office_user, hours)
    assert message in error.value.message_dict["hours"][0]
    assert not TimeEntry.objects.exists()


def test_twenty_four_allowed_and_float_refused(assignment, back_office_user):
    assert _enter(assignment, back_office_user, Decimal("24")).hours == Decimal("24.00")
    with pytest.raises(TypeError):
        _enter(assignment, back_office_user, 8.0, day=DAY + datetime.timedelta(days=1))


@pytest.mark.parametrize(
    "day", [datetime.date(2026, 3, 1), datetime.date(2026, 5, 30), datetime.date(2027, 1, 1)]
)
def test_outside_the_assignment_refused(assignment, back_office_user, day):
    with pytest.raises(ValidationError) as error:
        _enter(assignment, back_office_user, Decimal("8"), day=day)
    assert "outside the assignment" in error.value.message_dict["work_date"][0]


def test_first_and_last_day_allowed(assignment, back_office_user):
    _enter(assignment, back_office_user, Decimal("8"), day=assignment.start_date)
    _enter(assignment, back_office_user, Decimal("8"), day=assignment.end_date)


@pytest.mark.parametrize(
    "status",
    [
        Assignment.Status.REQUESTED,
        Assignment.Status.REJECTED,
        Assignment.Status.ENDED,
    ],
)
def test_only_on_approved_or_active_assignment(town, framework, back_office_user, status):
    assignment = AssignmentFactory(
        candidate=CandidateFactory(municipality=town),
        status=status,
        rejection_reason="r" if status == Assignment.Status.REJECTED else "",
    )
    with pytest.raises(ValidationError) as error:
        _enter(assignment, back_office_user, Decimal("8"))
    assert error.value.code == "assignment_not_open"


def test_approved_assignment_takes_hours(town, framework, back_office_user):
    assignment = AssignmentFactory(candidate=CandidateFactory(municipality=town), approved=True)
    assert _enter(assignment, back_office_user, Decimal("8")).pk


def test_one_entry_per_assignment_per_day(assignment, back_office_user):
    _enter(assignment, back_office_user, Decimal("4"))
    with pytest.raises(ValidationError, match="already has hours on this date"):
        _enter(assignment, back_office_user, Decimal("4"))


def test_day_total_over_24_across_two_assignments_refused(assignment, back_office_user):
    second = AssignmentFactory(candidate=assignment.candidate, active=True)
    _enter(assignment, back_office_user, Decimal("16"))
    with pytest.raises(ValidationError) as error:
        _enter(second, back_office_user, Decimal("8.01"))
    assert error.value.error_dict["hours"][0].code == "day_over_24"
    assert "already has 16" in error.value.message_dict["hours"][0]
    assert _enter(second, back_office_user, Decimal("8")).pk  # exactly 24 is allowed


def test_other_candidates_hours_do_not_count(assignment, back_office_user, town):
    other = AssignmentFactory(candidate=CandidateFactory(municipality=town), active=True)
    _enter(assignment, back_office_user, Decimal("16"))
    assert _enter(other, back_office_user, Decimal("16")).pk


def test_update_checks_the_day_total_without_itself(assignment, back_office_user):
    entry = _enter(assignment, back_office_user, Decimal("20"))
    entry = time_entry_update(entry=entry, actor=back_office_user, hours=Decimal("24"))
    assert entry.hours == Decimal("24")
    with pytest.raises(ValidationError):
        time_entry_update(entry=entry, actor=back_office_user, hours=Decimal("24.5"))


def test_update_of_approved_entry_needs_approval_again(assignment, back_office_user):
    entry = _enter(assignment, back_office_user, Decimal("8"))
    assert time_entries_approve(entries=[entry], actor=back_office_user) == 1
    entry = time_entry_update(entry=entry, actor=back_office_user, hours=Decimal("6"))
    assert (entry.status, entry.approved_at) == (TimeEntry.Status.ENTERED, None)


def test_invoiced_entry_locked(assignment, back_office_user):
    entry = TimeEntryFactory(
        assignment=assignment,
        status=TimeEntry.Status.INVOICED,
        approved_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
    )
    with pytest.raises(ValidationError) as error:
        time_entry_update(entry=entry, actor=back_office_user, hours=Decimal("6"))
    assert error.value.code == "invoiced_locked"
    with pytest.raises(ValidationError):
        time_entry_delete(entry=entry, actor=back_office_user)
    assert time_entries_approve(entries=[entry], actor=back_office_user) == 0
    entry.refresh_from_db()
    assert (entry.hours, entry.status) == (Decimal("8.00"), TimeEntry.Status.INVOICED)


def test_delete_entered_entry(assignment, back_office_user):
    entry = _enter(assignment, back_office_user, Decimal("8"))
    time_entry_delete(entry=entry, actor=back_office_user)
    assert not TimeEntry.objects.exists()
    assert AuditEvent.objects.filter(action="time_entry.delete").exists()


def test_bulk_approve(assignment, back_office_user):
    entries = [
        _enter(assignment, back_office_user, Decimal("8"), day=DAY + datetime.timedelta(days=n))
        for n in range(5)
    ]
    time_entries_approve(entries=entries[:2], actor=back_office_user)
    count = time_entries_approve(
        entries=TimeEntry.objects.filter(assignment=assignment), actor=back_office_user
    )
    assert count == 3  # the two already approved are left alone
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {"approved"}
    assert set(TimeEntry.objects.values_list("approved_by", flat=True)) == {back_office_user.pk}
    events = AuditEvent.objects.filter(action="time_entry.approve").order_by("id")
    assert [e.summary for e in events] == [
        "2 time entries approved.",
        "3 time entries approved.",
    ]


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("24.01"), Decimal("-2")])
def test_database_refuses_hours_out_of_range(assignment, hours):
    with pytest.raises(IntegrityError):
        TimeEntryFactory(assignment=assignment, hours=hours)


def test_database_refuses_two_entries_per_day(assignment):
    TimeEntryFactory(assignment=assignment, work_date=DAY)
    with pytest.raises(IntegrityError):
        TimeEntryFactory(assignment=assignment, work_date=DAY)


# --- No hours for a day that has not been worked yet -----------------------------------------

DECEMBER_4 = datetime.date(2026, 12, 4)
DECEMBER_5 = datetime.date(2026, 12, 5)


@pytest.fixture
def december_assignment(town, framework):
    """Active from November 2026 to January 2027: today decides, not the assignment."""
    return AssignmentFactory(
        candidate=CandidateFactory(municipality=town),
        active=True,
        start_date=datetime.date(2026, 11, 2),
        end_date=datetime.date(2027, 1, 29),
    )


@pytest.mark.parametrize(
    ("now", "accepted"),
    [
        ("2026-12-04T22:30Z", False),  # 23:30 on 4 December in Amsterdam (UTC+1)
        ("2026-12-04T22:59:59Z", False),
        ("2026-12-04T23:00Z", True),  # midnight in Amsterdam: 5 December, UTC still the 4th
        ("2026-12-04T23:30Z", True),
    ],
)
def test_hours_of_tomorrow_refused_by_amsterdam_midnight_not_utc(
    december_assignment, back_office_user, now, accepted
):
    with clock_at(now):
        if accepted:
            assert _enter(december_assignment, back_office_user, Decimal("8"), day=DECEMBER_5)
            return
        with pytest.raises(ValidationError) as error:
            _enter(december_assignment, back_office_user, Decimal("8"), day=DECEMBER_5)
        # Today's hours are fine at any hour of the day.
        assert _enter(december_assignment, back_office_user, Decimal("8"), day=DECEMBER_4)
    assert error.value.message_dict == {
        "work_date": ["05-12-2026 lies after today (04-12-2026): that day has not been worked yet."]
    }
    assert not TimeEntry.objects.filter(work_date=DECEMBER_5).exists()


def test_an_update_cannot_move_hours_after_today(december_assignment, back_office_user):
    with clock_at("2026-12-04T12:00Z"):
        entry = _enter(december_assignment, back_office_user, Decimal("8"), day=DECEMBER_4)
        with pytest.raises(ValidationError, match="not been worked yet"):
            time_entry_update(entry=entry, actor=back_office_user, work_date=DECEMBER_5)
    entry.refresh_from_db()
    assert entry.work_date == DECEMBER_4


def test_hours_stored_for_a_later_day_cannot_be_changed_before_that_day(
    december_assignment, back_office_user
):
    """Hours that got in before the rule (a factory writes past the services) stay refused
    until the day has come; deleting them is what the back office can do."""
    entry = TimeEntryFactory(assignment=december_assignment, work_date=DECEMBER_5)
    with clock_at("2026-12-04T12:00Z"):
        with pytest.raises(ValidationError, match="not been worked yet"):
            time_entry_update(entry=entry, actor=back_office_user, hours=Decimal("6"))
        time_entry_delete(entry=entry, actor=back_office_user)
    assert not TimeEntry.objects.exists()


def test_the_check_takes_today_from_the_caller(december_assignment):
    """`time_entry_check(today=...)`: what the import passes, one today for a whole file."""
    check = {
        "assignment": december_assignment,
        "hours": Decimal("8"),
        "other_hours": lambda: Decimal("0"),
    }
    assert time_entry_check(**check, work_date=DECEMBER_5, today=DECEMBER_5) == Decimal("8")
    with pytest.raises(ValidationError, match="not been worked yet"):
        time_entry_check(**check, work_date=DECEMBER_5, today=DECEMBER_4)
