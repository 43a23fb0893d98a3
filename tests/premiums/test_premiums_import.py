# ruff: noqa: F811 - `placed` is a fixture imported from import_fixtures
"""The hours import sets changed approved hours back to entered: their premium is reversed in
the same transaction (as time_entry_update does), so it is neither paid out nor counted
against the cap until the new hours are approved."""

import datetime
from decimal import Decimal

from django.db.models import Sum

from placements.models import TimeEntry
from placements.services import time_entries_approve
from premiums.models import PremiumAccrual
from premiums.services import payout_run_prepare
from tests.placements.factories import TimeEntryFactory
from tests.placements.import_fixtures import HEADERS, hours_row, placed, run, write_csv  # noqa: F401

D = Decimal


def _total(candidate):
    return PremiumAccrual.objects.filter(candidate=candidate).aggregate(t=Sum("amount"))["t"]


def test_changed_approved_hours_from_the_import_reverse_their_premium(
    placed, tmp_path, back_office_user
):
    entry = TimeEntryFactory(
        assignment=placed, work_date=datetime.date(2026, 3, 3), hours=D("6.00")
    )
    time_entries_approve(entries=[entry], actor=back_office_user)
    accrual = PremiumAccrual.objects.get(time_entry=entry)
    assert accrual.amount == D("12.00")

    result = run(
        "hours",
        write_csv(tmp_path, [HEADERS["hours"], hours_row("03-03-2026", "7")]),
        actor=back_office_user,
    )
    assert (result.ok, result.updated) == (True, 1)

    entry.refresh_from_db()
    assert (entry.status, entry.hours) == (TimeEntry.Status.ENTERED, D("7.00"))
    accrual.refresh_from_db()
    assert accrual.reversed_at is not None
    reversal = accrual.reversal
    assert (reversal.amount, reversal.hours, reversal.created_by) == (
        D("-12.00"),
        D("-6.00"),
        back_office_user,
    )
    assert _total(placed.candidate) == D("0.00")
    # nothing to pay until the new hours are approved, then 14.00
    june = datetime.date(2026, 6, 30)
    town = placed.candidate.municipality
    assert (
        payout_run_prepare(municipality=town, payout_date=june, actor=back_office_user).total == 0
    )
    time_entries_approve(entries=[entry], actor=back_office_user)
    assert _total(placed.candidate) == D("14.00")


def test_a_refused_or_dry_run_import_reverses_nothing(placed, tmp_path, back_office_user):
    entry = TimeEntryFactory(
        assignment=placed, work_date=datetime.date(2026, 3, 3), hours=D("6.00")
    )
    time_entries_approve(entries=[entry], actor=back_office_user)
    path = write_csv(
        tmp_path, [HEADERS["hours"], hours_row("03-03-2026", "7"), hours_row("03-03-2026", "1")]
    )
    assert not run("hours", path, actor=back_office_user).ok  # the same day twice
    path = write_csv(tmp_path, [HEADERS["hours"], hours_row("03-03-2026", "7")])
    assert run("hours", path, actor=back_office_user, dry_run=True).ok
    assert PremiumAccrual.objects.filter(time_entry=entry, reversed_at__isnull=True).count() == 1
    assert _total(placed.candidate) == D("12.00")


def test_hours_invoiced_while_the_file_is_checked_are_an_error_on_their_row(
    placed, tmp_path, back_office_user, monkeypatch
):
    """The import reads the statuses before it locks the entries; an invoice run may invoice
    them in between. Then the row is refused and nothing is written, premium included."""
    from placements.imports.hours import HoursImporter

    entry = TimeEntryFactory(
        assignment=placed, work_date=datetime.date(2026, 3, 3), hours=D("6.00")
    )
    time_entries_approve(entries=[entry], actor=back_office_user)
    checked = HoursImporter._check

    def check_then_invoice(self, *args, **kwargs):
        checked(self, *args, **kwargs)
        TimeEntry.objects.filter(pk=entry.pk).update(status=TimeEntry.Status.INVOICED)

    monkeypatch.setattr(HoursImporter, "_check", check_then_invoice)
    path = write_csv(tmp_path, [HEADERS["hours"], hours_row("03-03-2026", "7")])
    result = run("hours", path, actor=back_office_user)

    assert not result.ok
    assert [(issue.row, issue.column) for issue in result.issues] == [(2, "hours")]
    assert "invoiced while the file was being imported" in result.issues[0].message
    entry.refresh_from_db()
    assert entry.hours == D("6.00")
    assert _total(placed.candidate) == D("12.00")
