"""Premium accrual on approval: rate and cap in force on the work date, the cap per calendar
year, under 27 both ways, reversals, the catch-up command, and the cap under concurrency."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from members.models import Framework
from placements.models import TimeEntry
from placements.services import (
    time_entries_approve,
    time_entries_billing_transition,
    time_entry_delete,
    time_entry_update,
)
from premiums.models import PremiumAccrual
from tests.placements.factories import AssignmentFactory, CandidateFactory, TimeEntryFactory

D = Decimal


def prior(candidate, amount: str, *, on=datetime.date(2026, 1, 5)) -> PremiumAccrual:
    """Premium already accrued this year (hours approved earlier, straight into the ledger)."""
    return PremiumAccrual.objects.create(
        candidate=candidate,
        year=on.year,
        work_date=on,
        hours=D(amount) / 2,
        rate=D("2.00"),
        annual_cap=D("3398.00"),
        amount=D(amount),
    )


def approve(assignment, actor, day, hours="8.00") -> PremiumAccrual:
    entry = TimeEntryFactory(assignment=assignment, work_date=day, hours=D(hours))
    time_entries_approve(entries=[entry], actor=actor)
    return PremiumAccrual.objects.get(time_entry=entry, reversed_at__isnull=True)


def year_total(candidate, year=2026) -> Decimal:
    return PremiumAccrual.objects.filter(candidate=candidate, year=year).aggregate(t=Sum("amount"))[
        "t"
    ]


def test_below_the_cap_hours_times_rate(assignment, back_office_user):
    accrual = approve(assignment, back_office_user, datetime.date(2026, 3, 3), "7.50")
    assert (accrual.hours, accrual.rate, accrual.amount, accrual.capped_amount) == (
        D("7.50"),
        D("2.00"),
        D("15.00"),
        D("0.00"),
    )
    assert accrual.reason == ""
    assert accrual.annual_cap == D("3398.00")
    assert accrual.created_by == back_office_user


def test_half_cent_rounds_up(assignment, back_office_user, town):
    Framework.objects.create(
        scope=Framework.Scope.LOCAL,
        municipality=town,
        valid_from=datetime.date(2026, 1, 1),
        premium_per_hour=D("2.02"),
    )
    accrual = approve(assignment, back_office_user, datetime.date(2026, 3, 3), "0.25")
    assert accrual.rate == D("2.02")
    assert accrual.amount == D("0.51")  # 0.505 half up


def test_exactly_at_the_cap_then_nothing_more(assignment, candidate, back_office_user):
    prior(candidate, "3382.00")
    at_cap = approve(assignment, back_office_user, datetime.date(2026, 3, 3))
    assert (at_cap.amount, at_cap.capped_amount, at_cap.reason) == (D("16.00"), D("0.00"), "")
    assert year_total(candidate) == D("3398.00")

    above = approve(assignment, back_office_user, datetime.date(2026, 3, 4), "1.00")
    assert (above.amount, above.capped_amount) == (D("0.00"), D("2.00"))
    assert above.reason == PremiumAccrual.Reason.CAP_REACHED
    assert year_total(candidate) == D("3398.00")


def test_across_the_cap_only_the_part_up_to_it(assignment, candidate, back_office_user):
    prior(candidate, "3390.00")
    accrual = approve(assignment, back_office_user, datetime.date(2026, 3, 3))
    assert (accrual.amount, accrual.capped_amount) == (D("8.00"), D("8.00"))
    assert accrual.reason == PremiumAccrual.Reason.CAP_REACHED
    assert year_total(candidate) == D("3398.00")


def test_cap_is_per_calendar_year(assignment, candidate, back_office_user):
    prior(candidate, "3263.00", on=datetime.date(2025, 3, 1))
    accrual = approve(assignment, back_office_user, datetime.date(2026, 1, 2))
    assert accrual.amount == D("16.00")
    assert accrual.year == 2026


def test_mid_year_cap_change_uses_the_cap_in_force_on_the_work_date(
    assignment, candidate, back_office_user
):
    prior(candidate, "3263.00", on=datetime.date(2025, 3, 1))  # the cap until 30 June 2025
    june = approve(assignment, back_office_user, datetime.date(2025, 6, 30))
    assert (june.annual_cap, june.amount, june.capped_amount) == (
        D("3263.00"),
        D("0.00"),
        D("16.00"),
    )
    july = approve(assignment, back_office_user, datetime.date(2025, 7, 1))
    assert (july.annual_cap, july.amount, july.capped_amount) == (
        D("3326.00"),
        D("16.00"),
        D("0.00"),
    )
    prior(candidate, "40.00", on=datetime.date(2025, 7, 2))  # 3319.00 accrued
    across = approve(assignment, back_office_user, datetime.date(2025, 7, 3))
    assert (across.amount, across.capped_amount) == (D("7.00"), D("9.00"))
    assert year_total(candidate, 2025) == D("3326.00")


def test_one_approval_across_the_cap_change_reads_each_days_cap(
    assignment, candidate, back_office_user
):
    """The terms are read once per stretch between change days, not once per approval."""
    prior(candidate, "3263.00", on=datetime.date(2025, 3, 1))
    days = [datetime.date(2025, 6, 27), datetime.date(2025, 6, 30), datetime.date(2025, 7, 1)]
    entries = [TimeEntryFactory(assignment=assignment, work_date=d, hours=D("8.00")) for d in days]
    time_entries_approve(entries=entries, actor=back_office_user)
    rows = PremiumAccrual.objects.filter(time_entry__in=entries).order_by("work_date")
    assert [(r.annual_cap, r.amount, r.capped_amount) for r in rows] == [
        (D("3263.00"), D("0.00"), D("16.00")),
        (D("3263.00"), D("0.00"), D("16.00")),
        (D("3326.00"), D("16.00"), D("0.00")),
    ]


@pytest.mark.parametrize(
    ("subsidy", "expected", "reason"),
    [(False, D("0.00"), PremiumAccrual.Reason.UNDER_27), (True, D("16.00"), "")],
)
def test_under_27_earns_only_with_the_wage_cost_subsidy_flag(
    town, framework, back_office_user, subsidy, expected, reason
):
    young = CandidateFactory(
        municipality=town, birth_date=datetime.date(2000, 3, 4), wage_cost_subsidy=subsidy
    )
    assignment = AssignmentFactory(candidate=young, active=True)
    day_before_27 = approve(assignment, back_office_user, datetime.date(2027 - 1, 3, 3))
    assert (day_before_27.amount, day_before_27.capped_amount) == (expected, D("0.00"))
    assert day_before_27.reason == reason
    assert day_before_27.hours == D("8.00")


def test_turning_27_on_the_work_date_earns(town, framework, back_office_user):
    young = CandidateFactory(municipality=town, birth_date=datetime.date(1999, 3, 4))
    assignment = AssignmentFactory(candidate=young, active=True)
    assert approve(assignment, back_office_user, datetime.date(2026, 3, 3)).amount == D("0.00")
    assert approve(assignment, back_office_user, datetime.date(2026, 3, 4)).amount == D("16.00")


def test_bulk_approval_accrues_in_work_date_order(assignment, candidate, back_office_user):
    prior(candidate, "3390.00")
    later = TimeEntryFactory(assignment=assignment, work_date=datetime.date(2026, 3, 5))
    earlier = TimeEntryFactory(assignment=assignment, work_date=datetime.date(2026, 3, 4))
    assert time_entries_approve(entries=TimeEntry.objects.all(), actor=back_office_user) == 2
    assert PremiumAccrual.objects.get(time_entry=earlier).amount == D("8.00")
    assert PremiumAccrual.objects.get(time_entry=later).amount == D("0.00")


def test_approving_again_accrues_once(assignment, back_office_user):
    entry = TimeEntryFactory(assignment=assignment, work_date=datetime.date(2026, 3, 3))
    time_entries_approve(entries=[entry], actor=back_office_user)
    assert time_entries_approve(entries=[entry], actor=back_office_user) == 0
    assert PremiumAccrual.objects.filter(time_entry=entry).count() == 1


def test_changed_hours_reverse_and_accrue_anew(assignment, candidate, back_office_user):
    prior(candidate, "3390.00")
    accrual = approve(assignment, back_office_user, datetime.date(2026, 3, 3))
    assert accrual.amount == D("8.00")
    entry = accrual.time_entry
    time_entry_update(entry=entry, actor=back_office_user, hours=D("2.00"))
    accrual.refresh_from_db()
    assert accrual.reversed_at is not None
    reversal = accrual.reversal
    assert (reversal.kind, reversal.amount, reversal.capped_amount, reversal.hours) == (
        PremiumAccrual.Kind.REVERSAL,
        D("-8.00"),
        D("-8.00"),
        D("-8.00"),
    )
    assert year_total(candidate) == D("3390.00")  # headroom back for the next approval
    time_entries_approve(entries=[entry], actor=back_office_user)
    again = PremiumAccrual.objects.get(time_entry=entry, kind="accrual", reversed_at__isnull=True)
    assert (again.amount, again.capped_amount) == (D("4.00"), D("0.00"))


def test_deleted_hours_keep_their_reversed_history(assignment, candidate, back_office_user):
    accrual = approve(assignment, back_office_user, datetime.date(2026, 3, 3))
    time_entry_delete(entry=accrual.time_entry, actor=back_office_user)
    rows = PremiumAccrual.objects.filter(candidate=candidate)
    assert rows.count() == 2
    assert all(row.time_entry_id is None for row in rows)
    assert year_total(candidate) == D("0.00")


def test_credited_hours_are_reversed(assignment, candidate, back_office_user):
    accrual = approve(assignment, back_office_user, datetime.date(2026, 3, 3))
    entry_ids = [accrual.time_entry_id]
    time_entries_billing_transition(
        entry_ids=entry_ids, from_status="approved", to_status="invoiced"
    )
    assert year_total(candidate) == D("16.00")
    time_entries_billing_transition(
        entry_ids=entry_ids, from_status="invoiced", to_status="credited"
    )
    assert year_total(candidate) == D("0.00")


def test_catch_up_command_accrues_missing_entries_once(assignment, candidate, back_office_user):
    approved_at = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
    for day, status in [(3, "approved"), (4, "invoiced"), (5, "entered"), (6, "approved")]:
        TimeEntryFactory(
            assignment=assignment,
            work_date=datetime.date(2026, 3, day),
            status=status,
            approved_at=None if status == "entered" else approved_at,
        )
    prior(candidate, "3382.00")
    call_command("accrue_premiums", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("accrue_premiums", stdout=open("/dev/null", "w"))  # noqa: SIM115
    accruals = PremiumAccrual.objects.filter(time_entry__isnull=False).order_by("work_date")
    assert [a.work_date.day for a in accruals] == [3, 4, 6]
    assert [a.amount for a in accruals] == [D("16.00"), D("0.00"), D("0.00")]
    assert year_total(candidate) == D("3398.00")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_at_the_cap_never_exceed_it(
    assignment, candidate, back_office_user
):
    prior(candidate, "3390.00")
    entries = [
        TimeEntryFactory(assignment=assignment, work_date=datetime.date(2026, 3, day))
        for day in (3, 4)
    ]
    barrier = threading.Barrier(2)
    errors = []

    def approve_one(entry):
        try:
            barrier.wait(timeout=10)
            time_entries_approve(entries=[entry], actor=back_office_user)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve_one, args=(e,)) for e in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    amounts = sorted(
        PremiumAccrual.objects.filter(time_entry__in=entries).values_list("amount", flat=True)
    )
    assert amounts == [D("0.00"), D("8.00")]
    assert year_total(candidate) == D("3398.00")
