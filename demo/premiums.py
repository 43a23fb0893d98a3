"""Demo data for premiums (`manage.py seed_demo`, after placements and billing).

Through the services only, as the back office and a coordinator would do it:

1. The premium of every approved or invoiced demo hour (`premium_accruals_catch_up`): the
   placements demo bulk-inserts its hours without the approval that accrues them. This
   brings the full-timers of Groningen near the annual cap (`_full_timers` in
   demo.placements_plan): the 48-hour week passes it from about November, the rest recorded
   as above the cap (a twelve-month demo holds about 1700 hours of one calendar year only
   late in the year), and gives the under-27s without the wage-cost-subsidy flag their zero
   rows with the reason, next to the under-27s with the flag, who earn.
2. Groningen's run of the latest payout moment (30 June or 31 December, from the framework):
   prepared by the back office, approved by the demo coordinator (not the preparer), marked
   paid today (the SEPA file's execution date: its payout date has passed).
3. Midden-Groningen's run of the next payout moment, prepared and awaiting the demo
   coordinator's approval.

Idempotent by the services themselves: an hour with an accrual is skipped, a run is found by
its municipality and date, approving an approved run and marking a paid run paid change
nothing. A second seed changes nothing.
"""

import datetime

from accounts.models import User
from members.models import Municipality
from members.selectors import FrameworkNotInForce, framework_in_force
from premiums.models import PayoutRun, PremiumAccrual
from premiums.services import (
    payout_run_approve,
    payout_run_mark_paid,
    payout_run_prepare,
    premium_accruals_catch_up,
)

PAID_RUN_CODE = "GM0014"  # Groningen
PREPARED_RUN_CODE = "GM1952"  # Midden-Groningen; both the demo coordinator's
BACK_OFFICE_EMAIL = "backoffice@demo.nvsi.nl"
APPROVER_EMAIL = "coordinator@demo.nvsi.nl"


def _payout_moments(municipality: Municipality, *, years) -> list[datetime.date]:
    """The payout moments of the municipality in these years, each checked against the
    framework in force on the day itself (as `payout_run_prepare` checks it)."""
    moments = []
    for year in years:
        for on in (datetime.date(year, 1, 1), datetime.date(year, 7, 1)):
            try:
                terms = framework_in_force(municipality=municipality, on=on)
            except FrameworkNotInForce:
                continue
            for moment in terms.payout_moments:
                month, day = (int(part) for part in moment.split("-"))
                moments.append(datetime.date(year, month, day))
    checked = set()
    for day in set(moments):
        try:
            if (
                f"{day:%m-%d}"
                in framework_in_force(municipality=municipality, on=day).payout_moments
            ):
                checked.add(day)
        except FrameworkNotInForce:
            continue
    return sorted(checked)


def seed_premiums(*, today: datetime.date) -> dict[str, int]:
    back_office = User.objects.get(email=BACK_OFFICE_EMAIL)
    coordinator = User.objects.get(email=APPROVER_EMAIL)
    # One batch: the seed's transaction holds every lock until it commits anyway.
    premium_accruals_catch_up(actor=back_office, candidates_per_transaction=100_000)

    years = (today.year - 1, today.year, today.year + 1)
    paid_town = Municipality.objects.get(cbs_code=PAID_RUN_CODE)
    past = [day for day in _payout_moments(paid_town, years=years) if day <= today]
    if past:
        run = payout_run_prepare(municipality=paid_town, payout_date=past[-1], actor=back_office)
        if run.line_count:
            run = payout_run_approve(run=run, actor=coordinator)
            payout_run_mark_paid(run=run, actor=back_office, paid_on=today)

    waiting_town = Municipality.objects.get(cbs_code=PREPARED_RUN_CODE)
    coming = [day for day in _payout_moments(waiting_town, years=years) if day > today]
    if coming:
        payout_run_prepare(municipality=waiting_town, payout_date=coming[0], actor=back_office)

    accruals = PremiumAccrual.objects.filter(kind=PremiumAccrual.Kind.ACCRUAL)
    runs = PayoutRun.objects.all()
    return {
        "accruals": accruals.count(),
        "reversals": PremiumAccrual.objects.filter(kind=PremiumAccrual.Kind.REVERSAL).count(),
        "candidates above the annual cap": accruals.filter(
            year=today.year, capped_amount__gt=0, reversed_at__isnull=True
        )
        .values("candidate")
        .distinct()
        .count(),
        "entries under 27 without premium": accruals.filter(
            reason=PremiumAccrual.Reason.UNDER_27, reversed_at__isnull=True
        ).count(),
        "payout runs paid": runs.filter(status=PayoutRun.Status.PAID).count(),
        "awaiting approval": runs.filter(status=PayoutRun.Status.PREPARED).count(),
    }
