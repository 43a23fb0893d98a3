"""Reads for premiums, scoped to the user: a coordinator sees their municipalities' premiums and
runs only; the treasurer and the back office see all. Anyone else sees nothing.

The figures of a candidate's year come from the ledger (`PremiumAccrual`) as database
aggregates (`premium_sums`): accruals and their reversals add up, so a sum over the year's
rows is what counts. Paid is what went out in an approved (or paid) run; a run still awaiting
approval has paid nothing yet.
"""

import dataclasses
import datetime
from decimal import Decimal

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, When
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from core.names import surname_sort
from members.models import Municipality, PremiumCap
from members.selectors import FrameworkNotInForce, framework_in_force
from placements.models import PREMIUM_MIN_AGE, Candidate
from placements.selectors import candidate_list_for_user
from premiums.models import PayoutLine, PayoutRun, PremiumAccrual

ZERO = Decimal("0.00")
PAID_STATUSES = (PayoutRun.Status.APPROVED, PayoutRun.Status.PAID)


def _sees_all(user) -> bool:
    return user.is_authenticated and (is_back_office(user) or is_treasurer(user))


def _scoped(qs: QuerySet, *, user, municipality_path: str) -> QuerySet:
    if not user.is_authenticated:
        return qs.none()
    if _sees_all(user):
        return qs
    if is_coordinator(user):
        return qs.filter(**{f"{municipality_path}__coordinators": user})
    return qs.none()


# --- Payout runs and lines ------------------------------------------------------------------


def payout_run_list_for_user(*, user) -> QuerySet[PayoutRun]:
    qs = PayoutRun.objects.select_related("municipality").order_by("-payout_date", "pk")
    return _scoped(qs, user=user, municipality_path="municipality")


def payout_run_get_for_user(*, user, pk: int) -> PayoutRun:
    """One run in the user's scope; 404 otherwise."""
    return get_object_or_404(payout_run_list_for_user(user=user), pk=pk)


def payout_run_list_awaiting_first(*, user) -> QuerySet[PayoutRun]:
    """The user's runs, those awaiting approval first, then the latest payout date first."""
    awaiting = Case(
        When(status=PayoutRun.Status.PREPARED, then=0), default=1, output_field=IntegerField()
    )
    return payout_run_list_for_user(user=user).order_by(
        awaiting, "-payout_date", Lower("municipality__name"), "pk"
    )


def payout_line_list_for_user(*, user) -> QuerySet[PayoutLine]:
    qs = PayoutLine.objects.select_related("run__municipality", "candidate")
    return _scoped(qs, user=user, municipality_path="run__municipality")


def payout_letter_line_get_for_user(*, user, pk: int) -> PayoutLine:
    """A payout line whose premium letter the user may download: coordinators of the run's
    municipality and the back office, once the run is approved (before that nothing is paid
    and there is nothing to announce). 404 otherwise, the treasurer included: a letter to a
    candidate is the municipality's and the operator's business."""
    qs = PayoutLine.objects.select_related("run__municipality", "candidate").filter(
        run__status__in=PAID_STATUSES
    )
    user_may = user.is_authenticated and (is_back_office(user) or is_coordinator(user))
    if not user_may:
        qs = qs.none()
    elif not is_back_office(user):
        qs = qs.filter(run__municipality__coordinators=user)
    return get_object_or_404(qs, pk=pk)


def payout_run_letters_get_for_user(*, user, pk: int) -> PayoutRun:
    """A run whose letters the user may download all at once: the same people as for one
    letter (`payout_letter_line_get_for_user`), once the run is approved; 404 otherwise."""
    qs = PayoutRun.objects.select_related("municipality", "approved_by").filter(
        status__in=PAID_STATUSES
    )
    user_may = user.is_authenticated and (is_back_office(user) or is_coordinator(user))
    if not user_may:
        qs = qs.none()
    elif not is_back_office(user):
        qs = qs.filter(municipality__coordinators=user)
    return get_object_or_404(qs, pk=pk)


def payout_line_paid_in_year(*, line: PayoutLine) -> Decimal:
    """What the candidate was paid in the line's calendar year up to and including this line:
    what was paid before go-live (the opening balance's ledger row) and the lines of
    approved or paid runs with this sequence or an earlier one. Only immutable rows count, so
    the figure on a letter never changes."""
    in_runs = PayoutLine.objects.filter(
        candidate_id=line.candidate_id,
        year=line.year,
        sequence__lte=line.sequence,
        run__status__in=PAID_STATUSES,
    ).aggregate(total=Sum("amount", default=ZERO))["total"]
    before_go_live = PremiumAccrual.objects.filter(
        candidate_id=line.candidate_id, year=line.year, paid_before_go_live=True
    ).aggregate(total=Sum("amount", default=ZERO))["total"]
    return in_runs + before_go_live


# --- The premium ledger ---------------------------------------------------------------------


def premium_accrual_list_for_user(*, user) -> QuerySet[PremiumAccrual]:
    return _scoped(
        PremiumAccrual.objects.all(), user=user, municipality_path="candidate__municipality"
    )


def premium_sums() -> dict:
    """The aggregates of a candidate's year over their ledger rows (reversals negative):
    hours (`hours_total`, a name apart from the field's), accrued, above the cap, paid
    (approved or paid runs, and the opening balance's part paid before go-live), awaiting
    approval (in a prepared run) and the hours that earned nothing for being under 27."""
    paid = Q(payout_line__run__status__in=PAID_STATUSES) | Q(paid_before_go_live=True)
    return {
        "hours_total": Sum("hours", default=ZERO),
        "accrued": Sum("amount", default=ZERO),
        "capped": Sum("capped_amount", default=ZERO),
        "paid": Sum("amount", filter=paid, default=ZERO),
        "in_prepared_run": Sum(
            "amount",
            filter=Q(payout_line__run__status=PayoutRun.Status.PREPARED),
            default=ZERO,
        ),
        "hours_under_27": Sum(
            "hours", filter=Q(reason=PremiumAccrual.Reason.UNDER_27), default=ZERO
        ),
    }


def premium_candidate_list_for_user(*, user, year: int) -> QuerySet[Candidate]:
    """The user's candidates with premium rows (hours approved) in the year."""
    in_year = PremiumAccrual.objects.filter(candidate=OuterRef("pk"), year=year)
    return candidate_list_for_user(user=user).filter(Exists(in_year))


def premium_figures_by_candidate(*, user, year: int, candidate_ids) -> dict[int, dict]:
    """`premium_sums` per candidate of `candidate_ids` (one page), by the database."""
    rows = (
        premium_accrual_list_for_user(user=user)
        .filter(year=year, candidate_id__in=list(candidate_ids))
        .values("candidate_id")
        .annotate(**premium_sums())
        .annotate(unpaid=F("accrued") - F("paid"))
        .order_by()
    )
    return {row["candidate_id"]: row for row in rows}


def premium_year_totals(*, user, year: int, candidates: QuerySet[Candidate]) -> dict:
    """`premium_sums` over every candidate of `candidates` (the filtered list), in one query."""
    totals = (
        premium_accrual_list_for_user(user=user)
        .filter(year=year, candidate__in=candidates.values("pk"))
        .aggregate(**premium_sums(), candidates=Count("candidate", distinct=True))
    )
    totals["unpaid"] = totals["accrued"] - totals["paid"]
    return totals


def premium_year_rows_for_municipality(*, user, municipality: Municipality, year: int):
    """Per candidate of the municipality with premium rows in the year: client number, name
    and `premium_sums` with `unpaid`, sorted by name (the export). Scoped: nothing for a user
    who may not see the municipality."""
    return (
        premium_accrual_list_for_user(user=user)
        .filter(year=year, candidate__municipality=municipality)
        .values(
            "candidate_id",
            "candidate__client_number",
            "candidate__first_name",
            "candidate__last_name",
            "candidate__birth_date",
            "candidate__wage_cost_subsidy",
        )
        .annotate(**premium_sums())
        .annotate(unpaid=F("accrued") - F("paid"))
        .order_by(
            surname_sort("candidate__last_name"), Lower("candidate__first_name"), "candidate_id"
        )
    )


def premium_years(*, today: datetime.date) -> list[int]:
    """The years a premium could have been earned in: from the first annual cap on record to
    this year, latest first (PremiumCap is a handful of rows; the ledger is not scanned)."""
    first = PremiumCap.objects.order_by("valid_from").values_list("valid_from", flat=True).first()
    start = first.year if first else today.year
    return list(range(today.year, min(start, today.year) - 1, -1))


def annual_cap_for_year(
    *, municipality: Municipality | None, year: int, today: datetime.date
) -> Decimal | None:
    """The annual cap that counts for a year: the one in force today for this year, the one
    in force at the year's end for a past year (the cap may change on 1 July). None if no
    framework covers that date."""
    on = min(today, datetime.date(year, 12, 31))
    if on.year < year:
        on = datetime.date(year, 1, 1)
    try:
        return framework_in_force(municipality=municipality, on=on).annual_premium_cap
    except FrameworkNotInForce:
        return None


@dataclasses.dataclass(frozen=True)
class CandidatePremiumYear:
    """One candidate's premium in one year, as the pages show it: the database's sums, the
    annual cap that counts, and why nothing accrues for someone under 27."""

    candidate: Candidate
    year: int
    hours: Decimal
    accrued: Decimal
    capped: Decimal
    paid: Decimal
    unpaid: Decimal
    in_prepared_run: Decimal
    hours_under_27: Decimal
    cap: Decimal | None
    reference_date: datetime.date

    @property
    def remaining(self) -> Decimal | None:
        """What can still accrue under the cap this year (never below zero)."""
        return None if self.cap is None else max(self.cap - self.accrued, ZERO)

    @property
    def cap_reached(self) -> bool:
        return self.cap is not None and self.accrued >= self.cap

    @property
    def progress_value(self) -> Decimal:
        """The accrued premium for a <progress> element whose max is the cap."""
        if self.cap is None:
            return ZERO
        return min(max(self.accrued, ZERO), self.cap)

    @property
    def percentage(self) -> int:
        """Whole percent of the cap accrued (rounded down), 0 to 100."""
        if not self.cap:
            return 0
        return int(self.progress_value * 100 // self.cap)

    @property
    def earns_no_premium(self) -> bool:
        """Under 27 on the reference date and not in the wage-cost-subsidy target group."""
        return not self.candidate.earns_premium_on(self.reference_date)

    @property
    def turns_27_on(self) -> datetime.date:
        born = self.candidate.birth_date
        try:
            return born.replace(year=born.year + PREMIUM_MIN_AGE)
        except ValueError:  # born on 29 February
            return datetime.date(born.year + PREMIUM_MIN_AGE, 3, 1)


def candidate_premium_year(
    *, candidate: Candidate, year: int, figures: dict | None, cap: Decimal | None, today
) -> CandidatePremiumYear:
    """The page's view of a candidate's year from `premium_figures_by_candidate`'s row."""
    figures = figures or {}
    return CandidatePremiumYear(
        candidate=candidate,
        year=year,
        hours=figures.get("hours_total", ZERO),
        accrued=figures.get("accrued", ZERO),
        capped=figures.get("capped", ZERO),
        paid=figures.get("paid", ZERO),
        unpaid=figures.get("unpaid", ZERO),
        in_prepared_run=figures.get("in_prepared_run", ZERO),
        hours_under_27=figures.get("hours_under_27", ZERO),
        cap=cap,
        reference_date=min(today, datetime.date(year, 12, 31)),
    )


def user_coordinates(*, user, municipality: Municipality) -> bool:
    """Whether the user is a coordinator of this municipality: who may approve its runs."""
    return (
        user is not None
        and user.is_authenticated
        and is_coordinator(user)
        and municipality.coordinators.filter(pk=user.pk).exists()
    )
