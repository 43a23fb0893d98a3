"""`manage.py seed_demo`, premiums part: every approved hour has its premium, full-timers in
Groningen near (and, late in the year, over) the annual cap, under-27s with and without the
wage-cost-subsidy flag, a paid run and one awaiting approval; a second run changes nothing."""

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Max, Sum
from django.utils import timezone

from core.money import line_amount
from placements.models import Assignment, Candidate, TimeEntry
from premiums.models import PayoutExclusion, PayoutRun, PremiumAccrual
from premiums.selectors import payout_run_list_for_user

COUNTING = (TimeEntry.Status.APPROVED, TimeEntry.Status.INVOICED)


def _user(email):
    return get_user_model().objects.get(email=email)


def test_second_run_changes_nothing(data):
    first, second, output = data
    assert first == second
    assert first["PremiumAccrual"] > 5000
    assert "Premiums: " in output and "awaiting approval" in output


def test_every_approved_hour_has_one_live_accrual_of_its_hours(data):
    live = PremiumAccrual.objects.filter(
        kind=PremiumAccrual.Kind.ACCRUAL, reversed_at__isnull=True, time_entry__isnull=False
    )
    hours = dict(live.values_list("time_entry_id", "hours"))
    counting = dict(TimeEntry.objects.filter(status__in=COUNTING).values_list("pk", "hours"))
    assert hours == counting  # one each (the unique constraint), the same hours, no others
    for accrual in live.filter(reason="")[:500]:
        assert accrual.amount == line_amount(accrual.hours, accrual.rate)


def test_no_candidate_year_beyond_the_cap(data):
    years = (
        PremiumAccrual.objects.values("candidate_id", "year")
        .annotate(total=Sum("amount"), cap=Max("annual_cap"))
        .values_list("total", "cap")
    )
    assert years
    assert all(total <= cap for total, cap in years)


def test_full_timers_in_groningen_near_and_over_the_cap(data):
    """Three full-timers all year (48, 40 and 36 hours a week). Over the cap once the year is
    far enough along (from about November): the rest of the year only the rule is checked."""
    today = timezone.localdate()
    full_time = Assignment.objects.filter(
        candidate__municipality__cbs_code="GM0014",
        hours_per_week__gte=36,
        start_date__lte=today.replace(month=1, day=1),
        end_date__gt=today,
    )
    assert full_time.count() >= 3
    live = PremiumAccrual.objects.filter(
        candidate__in=full_time.values("candidate"),
        year=today.year,
        kind=PremiumAccrual.Kind.ACCRUAL,
        reversed_at__isnull=True,
    )
    earned = defaultdict(Decimal)
    for candidate_id, hours, rate in live.values_list("candidate_id", "hours", "rate"):
        earned[candidate_id] += line_amount(hours, rate)
    cap = live.first().annual_cap
    for candidate_id, gross in earned.items():
        theirs = live.filter(candidate_id=candidate_id)
        assert not theirs.filter(reason=PremiumAccrual.Reason.UNDER_27).exists()
        assert theirs.aggregate(total=Sum("amount"))["total"] == min(gross, cap)
        assert theirs.aggregate(total=Sum("capped_amount"))["total"] == max(gross - cap, 0)
        if gross > cap:
            capped = theirs.filter(capped_amount__gt=0)
            assert not capped.exclude(reason=PremiumAccrual.Reason.CAP_REACHED).exists()
            # Premium accrues in approval order (late hours approved on their own come
            # first), so after the first capped accrual nothing more accrues.
            first = capped.order_by("pk").first()
            assert not theirs.filter(pk__gt=first.pk, amount__gt=0).exists()
    last_day = live.order_by("-work_date").first().work_date
    if (last_day - today.replace(month=1, day=1)).days >= 46 * 7:
        top, second, *_rest = sorted(earned.values(), reverse=True)
        assert top > cap  # above the cap, recorded (checked above)
        assert second > cap * Decimal("0.85")  # near it


def test_under_27_with_and_without_the_wage_cost_subsidy_flag(data):
    groningen = PremiumAccrual.objects.filter(
        candidate__municipality__cbs_code="GM0014", kind=PremiumAccrual.Kind.ACCRUAL
    ).select_related("candidate")
    nothing = groningen.filter(reason=PremiumAccrual.Reason.UNDER_27)
    assert nothing.exists()
    for accrual in nothing:
        assert accrual.amount == 0 and accrual.capped_amount == 0
        assert accrual.candidate.age_on(accrual.work_date) < 27
        assert not accrual.candidate.wage_cost_subsidy
    flagged = [
        accrual
        for accrual in groningen.filter(candidate__wage_cost_subsidy=True, amount__gt=0)
        if accrual.candidate.age_on(accrual.work_date) < 27
    ]
    assert flagged
    assert not PremiumAccrual.objects.filter(
        reason=PremiumAccrual.Reason.UNDER_27, candidate__wage_cost_subsidy=True
    ).exists()


def _adds_up(run: PayoutRun) -> None:
    lines = list(run.lines.all())
    assert run.line_count == len(lines) > 0
    assert run.total == sum(line.amount for line in lines)
    paid = PremiumAccrual.objects.filter(payout_line__run=run)
    assert paid.aggregate(total=Sum("amount"))["total"] == run.total
    assert not paid.filter(work_date__gt=run.payout_date).exists()
    for line in lines:
        assert line.amount == line.accruals.aggregate(total=Sum("amount"))["total"]
        assert line.candidate.municipality_id == run.municipality_id
    # Everything of the municipality up to the date is in it, but for those left out.
    left_out = run.exclusions.values("candidate")
    assert (
        not PremiumAccrual.objects.filter(
            candidate__municipality=run.municipality,
            payout_line__isnull=True,
            work_date__lte=run.payout_date,
        )
        .exclude(amount=0)
        .exclude(candidate__in=left_out)
        .exists()
    )


def test_a_paid_run_in_groningen_approved_by_a_coordinator_not_the_preparer(data):
    today = timezone.localdate()
    run = PayoutRun.objects.get(municipality__cbs_code="GM0014")
    assert run.status == PayoutRun.Status.PAID and run.paid_on == today
    assert run.payout_date <= today and f"{run.payout_date:%m-%d}" in ("06-30", "12-31")
    assert run.prepared_by == _user("backoffice@demo.nvsi.nl")
    assert run.approved_by == _user("coordinator@demo.nvsi.nl") != run.prepared_by
    assert run.municipality.coordinators.filter(pk=run.approved_by_id).exists()
    assert run.sepa_xml and run.sepa_message_id in run.sepa_xml
    assert f"{run.total:.2f}" in run.sepa_xml  # the control sum
    _adds_up(run)


def test_a_run_awaiting_the_demo_coordinators_approval(data):
    today = timezone.localdate()
    run = PayoutRun.objects.get(municipality__cbs_code="GM1952")
    assert run.status == PayoutRun.Status.PREPARED and run.approved_by is None
    assert run.payout_date > today and not run.sepa_xml
    _adds_up(run)
    # Left out with the reason (no IBAN): their premium stays unpaid for the next run.
    for exclusion in run.exclusions.select_related("candidate"):
        assert exclusion.reason == PayoutExclusion.Reason.NO_IBAN
        assert exclusion.candidate.iban == ""
        assert exclusion.amount > 0
    coordinator = _user("coordinator@demo.nvsi.nl")
    assert set(payout_run_list_for_user(user=coordinator)) == set(PayoutRun.objects.all())
    assert not Candidate.objects.filter(payout_lines__isnull=False, iban="").exists()
