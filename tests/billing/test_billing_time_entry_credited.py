"""The placements side of credit notes: credited hours are history, the correction is new."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from placements.models import TimeEntry
from placements.services import (
    time_entries_billing_transition,
    time_entry_create,
    time_entry_update,
)
from tests.placements.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 3)


def _entry(status=TimeEntry.Status.INVOICED, work_date=DAY, **kwargs):
    return TimeEntryFactory(
        status=status,
        approved_at=datetime.datetime.now(datetime.UTC),
        work_date=work_date,
        **kwargs,
    )


def test_a_credited_entry_makes_room_for_its_correction(framework, back_office_user):
    entry = _entry()
    time_entries_billing_transition(
        entry_ids=[entry.pk],
        from_status=TimeEntry.Status.INVOICED,
        to_status=TimeEntry.Status.CREDITED,
    )
    correction = time_entry_create(
        assignment=entry.assignment, actor=back_office_user, work_date=DAY, hours=Decimal("6.00")
    )
    assert correction.status == TimeEntry.Status.ENTERED
    assert TimeEntry.objects.filter(assignment=entry.assignment, work_date=DAY).count() == 2


def test_credited_hours_do_not_count_towards_the_day(framework, back_office_user):
    entry = _entry(hours=Decimal("20.00"))
    time_entries_billing_transition(
        entry_ids=[entry.pk],
        from_status=TimeEntry.Status.INVOICED,
        to_status=TimeEntry.Status.CREDITED,
    )
    time_entry_create(
        assignment=entry.assignment, actor=back_office_user, work_date=DAY, hours=Decimal("10")
    )


def test_the_database_still_refuses_two_live_entries_on_one_day(framework):
    entry = _entry()
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(
            assignment=entry.assignment, work_date=DAY, hours=Decimal("1"), status="entered"
        )


def test_credited_hours_are_locked(framework, back_office_user):
    entry = _entry(status=TimeEntry.Status.CREDITED)
    assert entry.is_locked
    with pytest.raises(ValidationError) as error:
        time_entry_update(entry=entry, actor=back_office_user, hours=Decimal("1"))
    assert error.value.error_list[0].code == "credited_locked"


def test_billing_transitions_are_all_or_nothing(framework):
    invoiced = _entry()
    approved = _entry(
        status=TimeEntry.Status.APPROVED,
        assignment=invoiced.assignment,
        work_date=DAY + datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError):
        time_entries_billing_transition(
            entry_ids=[invoiced.pk, approved.pk],
            from_status=TimeEntry.Status.APPROVED,
            to_status=TimeEntry.Status.INVOICED,
        )
    with pytest.raises(ValueError):
        time_entries_billing_transition(
            entry_ids=[invoiced.pk],
            from_status=TimeEntry.Status.CREDITED,
            to_status=TimeEntry.Status.APPROVED,
        )
