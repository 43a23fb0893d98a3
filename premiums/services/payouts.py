"""Payout runs: prepare, cancel while prepared, approve with the SEPA credit transfer file,
mark paid by hand. Lock order: see premiums.locks.

What an approved payout run pays, as a SEPA credit transfer file (core.sepa): one
transaction per payout line, on the payout date (or today, when that has passed); the control
sum is the run's total.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_back_office
from accounts.services import approver_independence_check
from core.sepa import SepaPayment, sepa_credit_transfer_file
from core.services import audit_record
from core.signals import announce_on_commit
from core.validators import iban_normalise
from members.models import Municipality
from members.selectors import FrameworkNotInForce, framework_in_force
from placements.models import Candidate, TimeEntry
from premiums.locks import lock_candidates, lock_municipality, lock_run
from premiums.models import (
    PAYOUTS_PER_YEAR_MAX,
    PayoutExclusion,
    PayoutLine,
    PayoutRun,
    PremiumAccrual,
    PremiumOpeningBalance,
)
from premiums.selectors import user_coordinates
from premiums.services._common import ZERO, _actor_or_none
from premiums.signals import payout_run_prepared


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
    announce_on_commit(payout_run_prepared, sender=PayoutRun, object_id=run.pk, actor=actor)
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
    approver_independence_check(approver=actor, preparer=run.prepared_by)
    if run.status != PayoutRun.Status.PREPARED:
        return run
    lines = list(run.lines.order_by("pk"))
    if not lines:
        raise ValidationError(_("This run pays no one: there is nothing to approve."), code="empty")
    run.sepa_message_id, run.sepa_xml = _sepa_credit_transfer(run=run, lines=lines)
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


def _sepa_credit_transfer(*, run, lines) -> tuple[str, str]:
    """(message id, XML text) for the run's lines; raises ValidationError if the library's
    XSD validation refuses the file."""
    description = f"Premie {run.municipality.name} {run.payout_date:%d-%m-%Y}"
    sepa_file = sepa_credit_transfer_file(
        payments=[
            SepaPayment(
                name=line.candidate_name,
                iban=line.iban,
                amount=line.amount,
                end_to_end_id=f"NVSI-PR{run.pk}-L{line.pk}",
                description=description,
            )
            for line in lines
        ],
        execution_date=max(run.payout_date, timezone.localdate()),
    )
    return sepa_file.message_id, sepa_file.xml
