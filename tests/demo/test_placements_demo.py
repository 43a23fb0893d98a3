"""`manage.py seed_demo`: the placements demo data obeys every rule the services enforce, and
a second run changes nothing."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from core.validators import iban_normalise
from members.selectors import framework_in_force
from placements.bsn import bsn_decrypt
from placements.models import Assignment, Candidate, Client, TimeEntry
from placements.validators import bsn_normalise

HOURS_STATUSES = {Assignment.Status.APPROVED, Assignment.Status.ACTIVE, Assignment.Status.ENDED}


def test_second_run_changes_nothing(data):
    first, second, _output = data
    assert first == second
    assert first["Candidate"] == 300
    assert first["Client"] == 80
    assert first["Assignment"] == 400
    assert first["TimeEntry"] > 5000


def test_no_candidate_day_over_24_hours(data):
    over = (
        TimeEntry.objects.values("assignment__candidate_id", "work_date")
        .annotate(total=Sum("hours"))
        .filter(total__gt=24)
    )
    assert not over.exists()
    assert not TimeEntry.objects.filter(hours__lte=0).exists()


def test_hours_only_on_decided_assignments_within_their_dates(data):
    for entry in TimeEntry.objects.select_related("assignment"):
        assignment = entry.assignment
        assert assignment.status in HOURS_STATUSES
        assert assignment.start_date <= entry.work_date <= assignment.end_date
        assert entry.work_date.weekday() < 5
        assert entry.work_date <= timezone.localdate()


def test_weekly_hours_within_hours_per_week(data):
    weeks = defaultdict(Decimal)
    limits = {}
    for entry in TimeEntry.objects.select_related("assignment"):
        key = (entry.assignment_id, entry.work_date.isocalendar()[:2])
        weeks[key] += entry.hours
        limits[entry.assignment_id] = entry.assignment.hours_per_week
    assert all(total <= limits[key[0]] for key, total in weeks.items())


def test_recent_hours_entered_older_approved(data):
    today = timezone.localdate()
    last_monday = today - datetime.timedelta(days=today.weekday() + 7)
    assert TimeEntry.objects.filter(status=TimeEntry.Status.ENTERED).exists()
    assert not TimeEntry.objects.filter(
        status=TimeEntry.Status.ENTERED, work_date__lt=last_monday
    ).exists()
    assert not TimeEntry.objects.filter(
        status=TimeEntry.Status.APPROVED, approved_at__isnull=True
    ).exists()
    first = TimeEntry.objects.order_by("work_date").first().work_date
    assert (today - first).days > 330  # a year of hours


def test_every_decided_assignment_has_a_complete_check_by_its_coordinator(data):
    decided = Assignment.objects.filter(status__in=HOURS_STATUSES).select_related(
        "candidate__municipality", "displacement_check__performed_by"
    )
    assert decided.count() > 250
    for assignment in decided:
        check = assignment.displacement_check
        assert check.is_complete
        municipality = assignment.candidate.municipality
        assert municipality.coordinators.filter(pk=check.performed_by_id).exists()
        assert assignment.decided_by_id is not None
        assert assignment.decided_at.date() < assignment.start_date


def test_rates_at_least_the_framework_minimum(data):
    for assignment in Assignment.objects.select_related("candidate__municipality"):
        terms = framework_in_force(
            municipality=assignment.candidate.municipality, on=assignment.start_date
        )
        assert assignment.hourly_rate >= terms.client_hourly_rate_min


def test_large_or_long_flags_and_sign_off(data):
    flagged = Assignment.objects.filter(is_large_or_long=True)
    assert flagged.filter(is_long=True).exists()
    assert flagged.filter(is_large_hours=True).exists()
    assert flagged.filter(is_large_concurrent=True).exists()
    decided = flagged.filter(status__in=HOURS_STATUSES)
    assert decided.count() >= 5
    assert not decided.filter(sign_off_at__isnull=True).exists()
    assert not decided.filter(sign_off_reason="").exists()
    awaiting = flagged.filter(status=Assignment.Status.REQUESTED, sign_off_at__isnull=True)
    assert awaiting.filter(candidate__municipality__cbs_code="GM0014").exists()
    for assignment in Assignment.objects.select_related("candidate__municipality"):
        terms = framework_in_force(
            municipality=assignment.candidate.municipality, on=assignment.start_date
        )
        days = (assignment.end_date - assignment.start_date).days + 1
        assert assignment.is_long == (days > terms.long_after_weeks * 7)
        assert assignment.is_large_hours == (assignment.hours_per_week > terms.large_hours_per_week)


def test_every_status_and_rejections_with_reasons(data):
    statuses = set(Assignment.objects.values_list("status", flat=True))
    assert statuses == set(Assignment.Status.values)
    assert not Assignment.objects.filter(status="rejected", rejection_reason="").exists()


def test_demo_coordinator_has_requests_to_decide(data):
    coordinator = get_user_model().objects.get(email="coordinator@demo.nvsi.nl")
    mine = Assignment.objects.filter(candidate__municipality__coordinators=coordinator)
    assert mine.count() >= 120
    ready = mine.filter(status=Assignment.Status.REQUESTED, displacement_check__isnull=False)
    assert ready.count() >= 5
    assert mine.filter(status=Assignment.Status.ACTIVE).count() >= 15
    assert TimeEntry.objects.filter(assignment__in=mine).count() >= 2000


def test_candidates_bsn_encrypted_iban_valid_and_mixed(data):
    with_bsn = Candidate.objects.exclude(bsn_encrypted="")
    assert 100 < with_bsn.count() < 300
    for candidate in with_bsn[:50]:
        assert not candidate.bsn_encrypted.isdigit()
        bsn = bsn_decrypt(candidate.bsn_encrypted)
        assert bsn_normalise(bsn) == bsn and bsn.endswith(candidate.bsn_last_digits)
    for iban in Candidate.objects.exclude(iban="").values_list("iban", flat=True):
        assert iban_normalise(iban) == iban and iban.startswith("NL")
    assert set(Candidate.objects.values_list("status", flat=True)) == set(Candidate.Status.values)
    today = timezone.localdate()
    young = [c for c in Candidate.objects.all() if c.age_on(today) < 27]
    assert any(c.wage_cost_subsidy for c in young) and any(not c.wage_cost_subsidy for c in young)
    assert Candidate.objects.values("municipality").distinct().count() == 10


def test_clients_valid(data):
    for client in Client.objects.all():
        client.full_clean()  # KvK, VAT and e-mail validators
    assert Client.objects.exclude(vat_number="").exists()
