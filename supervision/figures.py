"""Reads for NVSI's figures (/toezicht/cijfers/): all members together, per half-year and per
year, and the trend of the contribution. A selector module of its own beside
supervision.selectors (which is long enough).

Every figure is a sum of stored settlement figures (settlements.selectors: grouped and
summed by the database), and a settlement's figures are the sums of its stored lines
(settlements.services checks it when computing): a year is the sum of its half-years, a
half-year the sum of its members' settlements. Nothing is recomputed here.

Only those who supervise (the treasurer, the board, superusers) see anything; anyone else
gets empty figures (the view answers them 404 first).
"""

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

from settlements.models import Settlement
from settlements.selectors import (
    Totals,
    settlement_totals,
    settlement_totals_by_half_year,
    settlement_totals_by_year,
)
from supervision.selectors import supervises

HUNDRED = Decimal("100")


@dataclasses.dataclass(frozen=True)
class TrendRow:
    """The contribution of a half-year against the half-year before it."""

    totals: Totals
    previous: Decimal | None

    @property
    def label(self) -> str:
        return self.totals.label

    @property
    def contribution(self) -> Decimal:
        return self.totals.contribution

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.contribution - self.previous

    @property
    def change_percentage(self) -> Decimal | None:
        if not self.previous:
            return None
        return (self.change / self.previous * HUNDRED).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def share_of_gross(self) -> Decimal | None:
        """Cm + Co as a percentage of G (2% while the percentages stay as they are)."""
        if not self.totals.gross:
            return None
        return (self.contribution / self.totals.gross * HUNDRED).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


@dataclasses.dataclass(frozen=True)
class NvsiFigures:
    half_years: list[Totals]
    years: list[Totals]
    totals: Totals
    trend: list[TrendRow]
    approved_only: bool

    @property
    def empty(self) -> bool:
        return not self.half_years

    @property
    def provisional(self) -> bool:
        return any(not row.final for row in self.half_years)


def nvsi_settlements_for_user(*, user, approved_only: bool = False):
    """Every member's settlements, for those who supervise; none for anyone else."""
    if not supervises(user):
        return Settlement.objects.none()
    settlements = Settlement.objects.all()
    if approved_only:
        settlements = settlements.filter(status=Settlement.Status.APPROVED)
    return settlements


def nvsi_figures(*, user, approved_only: bool = False) -> NvsiFigures:
    """The figures of all members per half-year and per year (oldest first), with the totals
    and the contribution's trend; `approved_only` leaves drafts and submissions out."""
    settlements = nvsi_settlements_for_user(user=user, approved_only=approved_only)
    half_years = settlement_totals_by_half_year(settlements)
    trend, previous = [], None
    for row in half_years:
        trend.append(TrendRow(row, previous))
        previous = row.contribution
    return NvsiFigures(
        half_years=half_years,
        years=settlement_totals_by_year(settlements),
        totals=settlement_totals(settlements),
        trend=trend,
        approved_only=approved_only,
    )
