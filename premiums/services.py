"""Writes for premiums: accrual when hours are approved, reversal when they stop counting,
the opening balances of go-live, and payout runs (prepare, cancel while prepared, approve
with the SEPA file, mark paid by hand or from the debit on NVSI's bank statement).

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
import dataclasses
import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_back_office
from core.db import require_atomic as _require_transaction
from core.money import CENT, line_amount, to_decimal
from core.services import audit_record, audit_snapshot
from core.validators import iban_normalise
from members.models import Framework, Municipality, PremiumCap
from members.selectors import FrameworkNotInForce, framework_in_force
from placements.models import Assignment, Candidate, TimeEntry
from premiums.locks import lock_candidates, lock_municipality, lock_run
from premiums.models import (
    PAYOUTS_PER_YEAR_MAX,
    PayoutExclusion,
    PayoutLine,
    PayoutRun,
    PremiumAccrual,
    PremiumOpeningBalance,
)
from premiums.selectors import annual_cap_for_year, user_coordinates

ZERO = Decimal("0.00")
COUNTING_STATUSES = (TimeEntry.Status.APPROVED, TimeEntry.Status.INVOICED)


def _actor_or_none(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _euro(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


# --- Accrual --------------------------------------------------------------------------------


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
    _require_transaction()
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
    _require_transaction()
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


# --- Opening balances (go-live) -------------------------------------------------------------

OPENING_BALANCE_FIELDS = ["candidate_id", "year", "accrued", "paid", "payouts", "annual_cap"]


def _opening_amount(value, *, field: str, errors: dict) -> Decimal | None:
    """An amount of euros: a Decimal (never a float), at least 0, whole cents."""
    try:
        amount = to_decimal(value)
    except ValueError:
        errors[field] = [_("Enter an amount in euros.")]
        return None
    if amount < 0:
        errors[field] = [_("An amount of at least 0.")]
    elif amount != amount.quantize(CENT):
        errors[field] = [_("An amount in euros has at most two decimals.")]
    else:
        return amount.quantize(CENT)
    return None


@transaction.atomic
def premium_opening_balance_record(
    *,
    actor,
    candidate: Candidate,
    year: int,
    accrued: Decimal,
    paid: Decimal,
    payouts: int,
    source: str = "",
    today: datetime.date | None = None,
) -> PremiumOpeningBalance:
    """Record a candidate's premium of `year` from before go-live: `accrued` so far, `paid`
    of it, in `payouts` payouts that year (0, 1 or 2; none exactly when nothing was paid).

    The ledger gets the paid part as an "opening" row marked paid before go-live and the
    unpaid part (accrued - paid) as one the next payout run pays: the annual cap counts both
    from the first day, and `payout_run_prepare` counts the payouts. The year is not in the
    future (Amsterdam's today); what was accrued is within the annual cap that counts for the
    year (`annual_cap_for_year`). Recorded first in the candidate's year: refused once the
    portal has accrued or paid premium for it. Recording the same figures again returns the
    stored balance and writes nothing; other figures are refused (a balance never changes).
    Amounts are Decimals; a float raises TypeError.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    accrued = _opening_amount(accrued, field="accrued", errors=errors)
    paid = _opening_amount(paid, field="paid", errors=errors)
    if year > today.year:
        errors["year"] = [_("This year lies in the future.")]
    if isinstance(payouts, bool) or not isinstance(payouts, int):
        raise TypeError(f"payouts must be an int, not {type(payouts).__name__}.")
    if not 0 <= payouts <= PAYOUTS_PER_YEAR_MAX:
        errors["payouts"] = [
            _("Enter 0, 1 or 2: at most two payouts per candidate per calendar year.")
        ]
    if accrued is not None and paid is not None and "payouts" not in errors:
        if paid > accrued:
            errors["paid"] = [
                _("More than was accrued (%(accrued)s).") % {"accrued": _euro(accrued)}
            ]
        elif (payouts == 0) != (paid == 0):
            errors["payouts"] = [
                _("Premium was paid: at least one payout.")
                if paid
                else _("Nothing was paid: no payouts.")
            ]
    if errors:
        raise ValidationError(errors)
    lock_candidates([candidate.pk])
    existing = PremiumOpeningBalance.objects.filter(candidate=candidate, year=year).first()
    if existing is not None:
        if (existing.accrued, existing.paid, existing.payouts) == (accrued, paid, payouts):
            return existing
        raise ValidationError(
            _(
                "%(candidate)s already has an opening balance for %(year)s (accrued "
                "%(accrued)s, paid %(paid)s, %(payouts)s payouts): it is not changed."
            )
            % {
                "candidate": candidate.client_number,
                "year": year,
                "accrued": _euro(existing.accrued),
                "paid": _euro(existing.paid),
                "payouts": existing.payouts,
            },
            code="opening_balance_exists",
        )
    cap = annual_cap_for_year(municipality=candidate.municipality, year=year, today=today)
    if cap is None:
        raise ValidationError(
            {"year": _("No annual premium cap is in force for %(year)s.") % {"year": year}}
        )
    if accrued > cap:
        raise ValidationError(
            {
                "accrued": _("More than the annual cap of %(year)s (%(cap)s).")
                % {"year": year, "cap": _euro(cap)}
            }
        )
    if (
        PremiumAccrual.objects.filter(candidate=candidate, year=year).exists()
        or PayoutLine.objects.filter(candidate=candidate, year=year).exists()
    ):
        raise ValidationError(
            _(
                "%(candidate)s already has premium accrued or paid in the portal for %(year)s: "
                "an opening balance comes first, before hours are approved."
            )
            % {"candidate": candidate.client_number, "year": year},
            code="opening_balance_too_late",
        )
    balance = PremiumOpeningBalance(
        candidate=candidate,
        year=year,
        accrued=accrued,
        paid=paid,
        payouts=payouts,
        annual_cap=cap,
        balance_date=min(today, datetime.date(year, 12, 31)),
        source=source[:255],
        created_by=_actor_or_none(actor),
    )
    balance.full_clean()
    balance.save()
    parts = [(True, paid), (False, accrued - paid)]
    PremiumAccrual.objects.bulk_create(
        [
            PremiumAccrual(
                kind=PremiumAccrual.Kind.OPENING,
                opening_balance=balance,
                paid_before_go_live=paid_before,
                candidate=candidate,
                year=year,
                work_date=balance.balance_date,
                hours=ZERO,
                rate=ZERO,
                annual_cap=cap,
                amount=amount,
                capped_amount=ZERO,
                created_by=balance.created_by,
            )
            for paid_before, amount in parts
            if amount > 0
        ]
    )
    audit_record(
        actor=actor,
        action="premium_opening_balance.record",
        obj=balance,
        summary=f"Opening balance of {year} from {source or 'the back office'}.",
        after=audit_snapshot(balance, fields=OPENING_BALANCE_FIELDS),
    )
    return balance


# --- Payout runs ----------------------------------------------------------------------------


def _lock_existing_run(run: PayoutRun) -> PayoutRun:
    """Lock the run; a run cancelled meanwhile (e.g. while a coordinator was approving it)
    is a clear error, not a crash."""
    try:
        return lock_run(run.pk)
    except PayoutRun.DoesNotExist:
        raise ValidationError(
            _("This payout run was cancelled by the back office; it no longer exists."),
            code="cancelled",
        ) from None


def _iban_problem(iban: str) -> str | None:
    if not iban:
        return PayoutExclusion.Reason.NO_IBAN
    try:
        iban_normalise(iban)
    except ValidationError:
        return PayoutExclusion.Reason.INVALID_IBAN
    return None


def _unpaid_for_run(*, municipality: Municipality, payout_date: datetime.date):
    """Unpaid accruals and reversals of the municipality's candidates up to the payout date.

    Left out: zero rows (under 27, wholly capped), the opening balance's part paid before
    go-live, and live accruals whose hours are back to "entered" (changed outside the
    services; they are reversed when approved anew).
    """
    # Ids first, each list read by an index of its own table (no join whose plan depends on
    # the planner's statistics): the candidates, their unpaid rows, the live accruals' entries
    # that are back to "entered".
    candidate_ids = list(
        Candidate.objects.filter(municipality=municipality).values_list("pk", flat=True)
    )
    unpaid = PremiumAccrual.objects.filter(
        candidate_id__in=candidate_ids,
        payout_line__isnull=True,
        paid_before_go_live=False,
        work_date__lte=payout_date,
    ).exclude(amount=0)
    live = dict(
        unpaid.filter(
            kind=PremiumAccrual.Kind.ACCRUAL, reversed_at__isnull=True, time_entry__isnull=False
        ).values_list("time_entry_id", "pk")
    )
    entered = TimeEntry.objects.filter(pk__in=sorted(live), status=TimeEntry.Status.ENTERED)
    return unpaid.exclude(pk__in=[live[pk] for pk in entered.values_list("pk", flat=True)])


def _payouts_in_year(*, candidate_ids: list[int], year: int) -> dict[int, int]:
    """Per candidate, the payouts of `year` so far: the portal's payout lines (their runs in
    any state) plus those made before go-live (the opening balance)."""
    made: dict[int, int] = defaultdict(int)
    for candidate_id, count in (
        PayoutLine.objects.filter(candidate_id__in=candidate_ids, year=year)
        .values_list("candidate_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        made[candidate_id] += count
    for candidate_id, payouts in PremiumOpeningBalance.objects.filter(
        candidate_id__in=candidate_ids, year=year
    ).values_list("candidate_id", "payouts"):
        made[candidate_id] += payouts
    return made


@transaction.atomic
def payout_run_prepare(
    *, municipality: Municipality, payout_date: datetime.date, actor
) -> PayoutRun:
    """Prepare the run of a payout moment: a line per candidate with unpaid premium and a
    valid IBAN, the others listed with the reason. A second call for the same municipality and
    date returns the run already prepared and changes nothing.
    """
    if not is_back_office(actor):
        raise PermissionDenied(_("Only the back office prepares payout runs."))
    try:
        terms = framework_in_force(municipality=municipality, on=payout_date)
    except FrameworkNotInForce as error:
        raise ValidationError(str(error), code="framework_not_in_force") from error
    if f"{payout_date:%m-%d}" not in terms.payout_moments:
        raise ValidationError(
            {
                "payout_date": _(
                    "%(date)s is not a payout moment of %(municipality)s (%(moments)s)."
                )
                % {
                    "date": f"{payout_date:%d-%m-%Y}",
                    "municipality": municipality.name,
                    "moments": ", ".join(terms.payout_moments),
                }
            },
            code="not_a_payout_moment",
        )
    lock_municipality(municipality.pk)
    existing = PayoutRun.objects.filter(municipality=municipality, payout_date=payout_date).first()
    if existing is not None:
        return existing
    run = PayoutRun.objects.create(
        municipality=municipality,
        payout_date=payout_date,
        prepared_by=actor,
        prepared_at=timezone.now(),
    )
    unpaid = _unpaid_for_run(municipality=municipality, payout_date=payout_date)
    candidate_ids = lock_candidates(unpaid.values_list("candidate_id", flat=True).distinct())
    rows = list(
        unpaid.filter(candidate_id__in=candidate_ids)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "candidate_id", "amount", "hours")
    )
    per_candidate: dict[int, list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
    for pk, candidate_id, amount, hours in rows:
        per_candidate[candidate_id].append((pk, amount, hours))
    year = payout_date.year
    paid_this_year = _payouts_in_year(candidate_ids=list(per_candidate), year=year)
    candidates = Candidate.objects.in_bulk(list(per_candidate))
    total = ZERO
    line_count = 0
    exclusions = []
    for candidate_id in sorted(per_candidate, key=lambda pk: (candidates[pk].last_name, pk)):
        candidate = candidates[candidate_id]
        items = per_candidate[candidate_id]
        amount = sum((a for _pk, a, _h in items), ZERO)
        if amount == 0:
            continue  # reversals that cancel their accruals: nothing to pay, nothing to say
        reason = PayoutExclusion.Reason.NEGATIVE if amount < 0 else _iban_problem(candidate.iban)
        if reason is None and paid_this_year.get(candidate_id, 0) >= PAYOUTS_PER_YEAR_MAX:
            reason = PayoutExclusion.Reason.LIMIT_REACHED
        if reason is not None:
            exclusions.append(
                PayoutExclusion(
                    run=run,
                    candidate=candidate,
                    candidate_name=candidate.full_name,
                    amount=amount,
                    reason=reason,
                )
            )
            continue
        line = PayoutLine.objects.create(
            run=run,
            candidate=candidate,
            year=year,
            sequence=paid_this_year.get(candidate_id, 0) + 1,
            candidate_name=candidate.full_name,
            iban=iban_normalise(candidate.iban),
            hours=sum((h for _pk, _a, h in items), ZERO),
            amount=amount,
        )
        PremiumAccrual.objects.filter(pk__in=[pk for pk, _a, _h in items]).update(payout_line=line)
        total += amount
        line_count += 1
    PayoutExclusion.objects.bulk_create(exclusions)
    run.total = total
    run.line_count = line_count
    run.save(update_fields=["total", "line_count"])
    audit_record(
        actor=actor,
        action="payout_run.prepare",
        obj=run,
        summary=f"{line_count} candidates, {total} in total, {len(exclusions)} left out.",
    )
    return run


@transaction.atomic
def payout_run_approve(*, run: PayoutRun, actor) -> PayoutRun:
    """A coordinator of the run's municipality, not the preparer, approves; the SEPA credit
    transfer file is made (and validated) here and stored with the run. Approving an approved
    run changes nothing."""
    run = _lock_existing_run(run)
    if not user_coordinates(user=actor, municipality=run.municipality):
        raise PermissionDenied(
            _("Only a coordinator of %(municipality)s may approve this payout run.")
            % {"municipality": run.municipality.name}
        )
    if actor.pk == run.prepared_by_id:
        raise PermissionDenied(_("The person who prepared a payout run cannot approve it."))
    if run.status != PayoutRun.Status.PREPARED:
        return run
    lines = list(run.lines.order_by("pk"))
    if not lines:
        raise ValidationError(_("This run pays no one: there is nothing to approve."), code="empty")
    from premiums.sepa import sepa_credit_transfer

    run.sepa_message_id, run.sepa_xml = sepa_credit_transfer(run=run, lines=lines)
    run.status = PayoutRun.Status.APPROVED
    run.approved_by = actor
    run.approved_at = timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at", "sepa_message_id", "sepa_xml"])
    audit_record(
        actor=actor,
        action="payout_run.approve",
        obj=run,
        summary=f"{run.line_count} candidates, {run.total} in total; SEPA {run.sepa_message_id}.",
    )
    return run


def _run_mark_paid(run: PayoutRun, *, actor, paid_on: datetime.date, summary: str = "") -> None:
    """Mark an approved run, locked by the caller, paid on `paid_on`."""
    run.status = PayoutRun.Status.PAID
    run.paid_on = paid_on
    run.marked_paid_by = _actor_or_none(actor)
    run.save(update_fields=["status", "paid_on", "marked_paid_by"])
    audit_record(
        actor=actor,
        action="payout_run.mark_paid",
        obj=run,
        summary=summary,
        after={"paid_on": str(paid_on)},
    )


@transaction.atomic
def payout_run_mark_paid(*, run: PayoutRun, actor, paid_on: datetime.date) -> PayoutRun:
    """The bank executed the transfer. Marking a paid run again changes nothing."""
    if not is_back_office(actor):
        raise PermissionDenied(_("Only the back office marks payout runs paid."))
    run = _lock_existing_run(run)
    if run.status == PayoutRun.Status.PAID:
        return run
    if run.status != PayoutRun.Status.APPROVED:
        raise ValidationError(
            _("Only an approved payout run can be marked paid."), code="not_approved"
        )
    _run_mark_paid(run, actor=actor, paid_on=paid_on)
    return run


@transaction.atomic
def payout_run_cancel(*, run: PayoutRun, actor) -> bool:
    """Cancel a prepared (not yet approved) run: its premium is unpaid again, its lines and
    exclusions and the run itself are deleted, and the audit trail keeps what it held.

    Returns True if this call cancelled the run, False if it was cancelled already (by an
    earlier call or a concurrent one): cancelling twice has one effect. An approved or paid
    run is a money document and is never cancelled (ValidationError).
    """
    if not is_back_office(actor):
        raise PermissionDenied(_("Only the back office cancels payout runs."))
    # The lock order: municipality (which serialises with payout_run_prepare), then the run.
    lock_municipality(run.municipality_id)
    try:
        run = lock_run(run.pk)
    except PayoutRun.DoesNotExist:
        return False
    if run.status != PayoutRun.Status.PREPARED:
        raise ValidationError(
            _("Only a prepared payout run can be cancelled; this one is %(status)s.")
            % {"status": run.get_status_display()},
            code="not_prepared",
        )
    lines = list(run.lines.order_by("pk").values_list("pk", "candidate_id"))
    lock_candidates(candidate_id for _pk, candidate_id in lines)
    unlinked = PremiumAccrual.objects.filter(payout_line__run=run).update(payout_line=None)
    excluded = run.exclusions.count()
    audit_record(
        actor=actor,
        action="payout_run.cancel",
        obj=run,
        summary=(
            f"Cancelled: {run.line_count} candidates, {run.total} in total, {excluded} left "
            f"out; {unlinked} accrual rows unpaid again."
        ),
        before={
            "municipality": run.municipality.cbs_code,
            "payout_date": str(run.payout_date),
            "status": run.status,
            "total": str(run.total),
            "line_count": run.line_count,
            "exclusions": excluded,
            "prepared_by": str(run.prepared_by),
            "prepared_at": run.prepared_at.isoformat(),
        },
    )
    run.exclusions.all().delete()
    run.lines.all().delete()
    run.delete()
    return True


# --- Paid, from the bank statement ----------------------------------------------------------

PAYMENT_INFORMATION_ID_RE = re.compile(r"<PmtInfId>([^<]+)</PmtInfId>")


@dataclasses.dataclass(frozen=True)
class StatementPayout:
    """What a bank statement said about one approved or paid payout run: `paid` (marked paid
    by this call), `already_paid` or `amount_differs` (both left as they are)."""

    run: PayoutRun
    outcome: str
    amount: Decimal
    booking_date: datetime.date
    entry_references: tuple[str, ...]
    message: str


def _run_batch_ids(run: PayoutRun) -> set[str]:
    """The ids a bank may report the run's SEPA batch by: the message id and the payment
    information id(s) of its pain.001 file."""
    return {run.sepa_message_id, *PAYMENT_INFORMATION_ID_RE.findall(run.sepa_xml)} - {""}


def _runs_by_batch_ids(references: set[str]) -> list[PayoutRun]:
    named = Q(sepa_message_id__in=references)
    for reference in references:
        named |= Q(sepa_xml__contains=f"<PmtInfId>{reference}</PmtInfId>")
    return list(
        PayoutRun.objects.exclude(status=PayoutRun.Status.PREPARED)
        .filter(named)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def payout_runs_mark_paid_from_statement(*, entries: Iterable, actor) -> list[StatementPayout]:
    """Mark approved payout runs paid from the debits of an imported bank statement.

    `entries` are `billing.camt.Entry` rows. A booked debit in euros whose batch references
    (the pain.001 message id or payment information id, as the bank reports them) name a run
    pays it: when the debits naming the run add up to exactly its total, the run is marked
    paid on their (latest) booking date. A different amount is left for a person and
    reported. A run that is paid already stays as it is, so a statement seen twice (or the
    run marked paid by hand first) has one effect. The bank is the evidence here: whoever
    imports NVSI's statement (the back office, or the system) is recorded as the actor.
    """
    debits = [
        entry
        for entry in entries
        if not entry.is_credit
        and entry.is_booked
        and entry.currency in ("", "EUR")
        and entry.batch_references
    ]
    references = {reference for entry in debits for reference in entry.batch_references}
    if not references:
        return []
    results = []
    for run_id in _runs_by_batch_ids(references):
        run = lock_run(run_id)
        ids = _run_batch_ids(run)
        paying = [entry for entry in debits if ids & set(entry.batch_references)]
        if not paying:
            continue  # a payment information id that only looked like one of this run's
        amount = sum((entry.amount for entry in paying), ZERO)
        booking_date = max(entry.booking_date for entry in paying)
        values = {
            "run": str(run),
            "amount": _euro(amount),
            "total": _euro(run.total),
            "date": f"{booking_date:%d-%m-%Y}",
        }
        if run.status == PayoutRun.Status.PAID:
            outcome = "already_paid"
            message = _("Premium payout run %(run)s was marked paid before (%(paid_on)s).") % {
                **values,
                "paid_on": f"{run.paid_on:%d-%m-%Y}",
            }
        elif amount != run.total:
            outcome = "amount_differs"
            message = (
                _(
                    "%(amount)s is not the total %(total)s of premium payout run %(run)s: "
                    "not marked paid; check the payment at the bank and mark the run paid by hand."
                )
                % values
            )
        else:
            outcome = "paid"
            message = _("Premium payout run %(run)s marked paid on %(date)s.") % values
            _run_mark_paid(
                run,
                actor=actor,
                paid_on=booking_date,
                summary=f"From the bank statement: {', '.join(e.reference for e in paying)}",
            )
        results.append(
            StatementPayout(
                run=run,
                outcome=outcome,
                amount=amount,
                booking_date=booking_date,
                entry_references=tuple(entry.reference for entry in paying),
                message=message,
            )
        )
    return results
