"""Premium accrual when hours are approved, reversal when they stop counting, and the
catch-up of approved hours without an accrual. placements announces the hours through
placements.signals; premiums.receivers calls these.

Accrual rules (DOMAIN.md, Premiums): hours x the premium per hour in force on the work date,
rounded half up to the cent, but never beyond what keeps the candidate's accrued premium in
that calendar year within the annual cap in force on the work date; the part above is
recorded as capped and never paid. Under 27 on the work date without the wage-cost-subsidy
flag: nothing, with the reason.

Accruals are per entry in approval order (within one approval: by work date, then entry).
A reversal frees headroom for later approvals only; accruals already made stay as they are.

Lock order: see premiums.locks.
"""

import bisect
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from core.db import require_atomic
from core.money import line_amount
from members.models import Framework, Municipality, PremiumCap
from members.selectors import FrameworkNotInForce, framework_in_force
from placements.models import Assignment, Candidate, TimeEntry
from premiums.locks import lock_candidates
from premiums.models import PremiumAccrual
from premiums.services._common import COUNTING_STATUSES, ZERO, _actor_or_none


def _live_accruals(entry_ids):
    return PremiumAccrual.objects.filter(
        time_entry_id__in=entry_ids, kind=PremiumAccrual.Kind.ACCRUAL, reversed_at__isnull=True
    )


def premium_accruals_reverse(*, entry_ids: Iterable[int], actor) -> int:
    """Reverse the live accruals of these entries (hours set back to entered, deleted or
    credited): a negated row per accrual, the original marked reversed. Returns the count.

    Inside the caller's transaction, after it locked the entries. Paid or not: an unpaid
    pair nets to zero in the next payout, a reversal of paid premium is set off against it.
    """
    require_atomic()
    ids = sorted(set(entry_ids))
    if not ids:
        return 0
    live = list(_live_accruals(ids).select_for_update().order_by("pk"))
    if not live:
        return 0
    now = timezone.now()
    by = _actor_or_none(actor)
    PremiumAccrual.objects.bulk_create(
        [
            PremiumAccrual(
                kind=PremiumAccrual.Kind.REVERSAL,
                reverses=accrual,
                time_entry_id=accrual.time_entry_id,
                candidate_id=accrual.candidate_id,
                year=accrual.year,
                work_date=accrual.work_date,
                hours=-accrual.hours,
                rate=accrual.rate,
                annual_cap=accrual.annual_cap,
                amount=-accrual.amount,
                capped_amount=-accrual.capped_amount,
                reason=accrual.reason,
                created_by=by,
            )
            for accrual in live
        ]
    )
    PremiumAccrual.objects.filter(pk__in=[a.pk for a in live]).update(reversed_at=now)
    return len(live)


def _attach_candidates(entries: list[TimeEntry]) -> None:
    """Give each entry its assignment, candidate and municipality, read by primary-key lists
    (one query per table) rather than a join, whose plan depended on the statistics."""
    assignments = Assignment.objects.in_bulk(sorted({e.assignment_id for e in entries}))
    candidates = Candidate.objects.in_bulk(sorted({a.candidate_id for a in assignments.values()}))
    municipalities = Municipality.objects.in_bulk(
        sorted({c.municipality_id for c in candidates.values()})
    )
    for candidate in candidates.values():
        candidate.municipality = municipalities[candidate.municipality_id]
    for assignment in assignments.values():
        assignment.candidate = candidates[assignment.candidate_id]
    for entry in entries:
        entry.assignment = assignments[entry.assignment_id]


def premium_accrue_for_entries(*, entry_ids: Iterable[int], actor) -> int:
    """Accrue the premium of these approved (or invoiced) entries; returns the rows written.

    Call inside the approving transaction with the entries' candidates locked (so the sum of
    a candidate's year cannot change underneath). An entry that still has a live accrual
    (hours set back to entered outside the services, then approved anew) gets it reversed
    first: its hours may have changed.
    """
    require_atomic()
    ids = sorted(set(entry_ids))
    if not ids:
        return 0
    premium_accruals_reverse(entry_ids=ids, actor=actor)
    entries = list(
        TimeEntry.objects.select_for_update()
        .filter(pk__in=ids, status__in=COUNTING_STATUSES)
        .order_by("work_date", "pk")
    )
    if not entries:
        return 0
    _attach_candidates(entries)
    candidate_ids = {e.assignment.candidate_id for e in entries}
    years = {e.work_date.year for e in entries}
    accrued: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for candidate_id, year, total in (
        PremiumAccrual.objects.filter(candidate_id__in=candidate_ids, year__in=years)
        .values_list("candidate_id", "year")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        accrued[(candidate_id, year)] = total

    # The premium per hour and the cap change only on a framework version's or a cap's
    # first day: between two such days the terms are the same, so they are read once per
    # municipality and stretch (not once per work date: a year of hours is 250 dates).
    change_days = sorted(
        {
            *Framework.objects.values_list("valid_from", flat=True),
            *PremiumCap.objects.values_list("valid_from", flat=True),
        }
    )
    terms_cache: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    by = _actor_or_none(actor)
    rows = []
    for entry in entries:
        candidate: Candidate = entry.assignment.candidate
        key = (candidate.municipality_id, bisect.bisect_right(change_days, entry.work_date))
        if key not in terms_cache:
            try:
                terms = framework_in_force(municipality=candidate.municipality, on=entry.work_date)
            except FrameworkNotInForce as error:
                raise ValidationError(str(error), code="framework_not_in_force") from error
            terms_cache[key] = (terms.premium_per_hour, terms.annual_premium_cap)
        rate, cap = terms_cache[key]
        year_key = (candidate.pk, entry.work_date.year)
        row = PremiumAccrual(
            kind=PremiumAccrual.Kind.ACCRUAL,
            time_entry=entry,
            candidate=candidate,
            year=entry.work_date.year,
            work_date=entry.work_date,
            hours=entry.hours,
            rate=rate,
            annual_cap=cap,
            created_by=by,
        )
        if not candidate.earns_premium_on(entry.work_date):
            row.amount = ZERO
            row.capped_amount = ZERO
            row.reason = PremiumAccrual.Reason.UNDER_27
        else:
            gross = line_amount(entry.hours, rate)
            headroom = max(cap - accrued[year_key], ZERO)
            row.amount = min(gross, headroom)
            row.capped_amount = gross - row.amount
            if row.capped_amount:
                row.reason = PremiumAccrual.Reason.CAP_REACHED
        accrued[year_key] += row.amount
        rows.append(row)
    PremiumAccrual.objects.bulk_create(rows)
    return len(rows)


def _entries_without_accrual():
    live = PremiumAccrual.objects.filter(
        time_entry_id=OuterRef("pk"),
        kind=PremiumAccrual.Kind.ACCRUAL,
        reversed_at__isnull=True,
    )
    return TimeEntry.objects.filter(status__in=COUNTING_STATUSES).exclude(Exists(live))


def premium_accruals_catch_up(*, actor=None, candidates_per_transaction: int = 200) -> int:
    """Accrue every approved or invoiced entry without an accrual (hours bulk-inserted by the
    demo, or approved before this app existed), per candidate in work-date order. Safe to run
    again: an entry with an accrual is skipped. Returns the accruals written."""
    # Ids step by step (entries, their assignments, those assignments' candidates), each read
    # by an index of its own table: no join whose plan depends on the statistics.
    assignment_ids = set(_entries_without_accrual().values_list("assignment_id", flat=True))
    assignments_of: dict[int, list[int]] = defaultdict(list)
    for pk, candidate_id in Assignment.objects.filter(pk__in=sorted(assignment_ids)).values_list(
        "pk", "candidate_id"
    ):
        assignments_of[candidate_id].append(pk)
    candidate_ids = sorted(assignments_of)
    written = 0
    for start in range(0, len(candidate_ids), candidates_per_transaction):
        chunk = candidate_ids[start : start + candidates_per_transaction]
        with transaction.atomic():
            lock_candidates(chunk)
            chunk_assignments = sorted(pk for c in chunk for pk in assignments_of[c])
            ids = list(
                _entries_without_accrual()
                .filter(assignment_id__in=chunk_assignments)
                .values_list("pk", flat=True)
            )
            written += premium_accrue_for_entries(entry_ids=ids, actor=actor)
    return written
