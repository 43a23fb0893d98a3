"""The vote arithmetic, exact (fractions, no floats), from the settings:

- quorum: at least GOVERNANCE_QUORUM of the electors cast a vote (for, against or abstain);
- simple majority: more than GOVERNANCE_MAJORITY of the votes counted are for;
- qualified majority (a change of the operator fee or the NVSI contribution): at least
  GOVERNANCE_QUALIFIED_MAJORITY of the votes counted are for.

The votes counted for the majority are for + against; with
GOVERNANCE_MAJORITY_COUNTS_ABSTENTIONS they include the abstentions (an abstention then weighs
as a vote against). A tie is no majority: the proposal is rejected.
"""

import dataclasses
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext as _


def _fraction(value) -> Fraction:
    fraction = Fraction(str(value)) if not isinstance(value, Fraction) else value
    if not 0 <= fraction <= 1:
        raise ValueError(f"A share lies between 0 and 1, not {value}")
    return fraction


@dataclasses.dataclass(frozen=True)
class VoteRule:
    quorum: Fraction
    majority: Fraction
    qualified: bool
    abstentions_count: bool

    @classmethod
    def for_proposal(cls, proposal) -> "VoteRule":
        qualified = proposal.needs_qualified_majority
        return cls(
            quorum=_fraction(settings.GOVERNANCE_QUORUM),
            majority=_fraction(
                settings.GOVERNANCE_QUALIFIED_MAJORITY
                if qualified
                else settings.GOVERNANCE_MAJORITY
            ),
            qualified=qualified,
            abstentions_count=settings.GOVERNANCE_MAJORITY_COUNTS_ABSTENTIONS,
        )

    def describe(self) -> str:
        """The rule in words, for the proposal page and the decision record."""
        quorum = _("Quorum: at least %(share)s of the member municipalities vote.") % {
            "share": _share(self.quorum)
        }
        if self.qualified:
            majority = _(
                "Qualified majority (operator fee or contribution): at least %(share)s of the "
                "votes are for."
            ) % {"share": _share(self.majority)}
        else:
            majority = _("Majority: more than %(share)s of the votes are for.") % {
                "share": _share(self.majority)
            }
        abstentions = (
            _("Abstentions count towards the quorum and as votes cast (they weigh as against).")
            if self.abstentions_count
            else _("Abstentions count towards the quorum, not in the majority.")
        )
        return f"{quorum} {majority} {abstentions}"


def _share(fraction: Fraction) -> str:
    if fraction == Fraction(1, 2):
        return _("half")
    if fraction == Fraction(2, 3):
        return _("two thirds")
    return f"{fraction.numerator}/{fraction.denominator}"


@dataclasses.dataclass(frozen=True)
class Tally:
    electors: int
    votes_for: int
    votes_against: int
    votes_abstain: int

    @property
    def cast(self) -> int:
        return self.votes_for + self.votes_against + self.votes_abstain

    @property
    def not_voted(self) -> int:
        return self.electors - self.cast


@dataclasses.dataclass(frozen=True)
class Outcome:
    quorum_met: bool
    majority_met: bool

    @property
    def adopted(self) -> bool:
        return self.quorum_met and self.majority_met


def outcome(*, tally: Tally, rule: VoteRule) -> Outcome:
    if tally.electors <= 0:
        return Outcome(quorum_met=False, majority_met=False)
    quorum_met = Fraction(tally.cast, tally.electors) >= rule.quorum
    counted = tally.votes_for + tally.votes_against
    if rule.abstentions_count:
        counted += tally.votes_abstain
    if counted == 0:
        majority_met = False
    else:
        share = Fraction(tally.votes_for, counted)
        majority_met = share >= rule.majority if rule.qualified else share > rule.majority
    return Outcome(quorum_met=quorum_met, majority_met=majority_met)
