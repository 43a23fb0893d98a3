"""The vote arithmetic: quorum, simple and qualified majority, ties and abstentions, exact."""

from fractions import Fraction

import pytest
from django.utils import translation

from governance.rules import Tally, VoteRule, outcome

SIMPLE = VoteRule(
    quorum=Fraction(1, 2), majority=Fraction(1, 2), qualified=False, abstentions_count=False
)
QUALIFIED = VoteRule(
    quorum=Fraction(1, 2), majority=Fraction(2, 3), qualified=True, abstentions_count=False
)


def _outcome(rule, electors, votes_for, against, abstain=0):
    return outcome(
        tally=Tally(
            electors=electors, votes_for=votes_for, votes_against=against, votes_abstain=abstain
        ),
        rule=rule,
    )


def test_quorum_not_met_rejects_even_a_unanimous_vote():
    result = _outcome(SIMPLE, electors=10, votes_for=4, against=0)
    assert (result.quorum_met, result.majority_met, result.adopted) == (False, True, False)


def test_quorum_is_at_least_half_exactly():
    assert _outcome(SIMPLE, electors=10, votes_for=5, against=0).quorum_met
    assert not _outcome(SIMPLE, electors=9, votes_for=4, against=0).quorum_met  # 4/9 < 1/2


def test_abstentions_count_towards_the_quorum():
    assert _outcome(SIMPLE, electors=10, votes_for=3, against=0, abstain=2).adopted


def test_a_tie_is_no_majority():
    result = _outcome(SIMPLE, electors=4, votes_for=2, against=2)
    assert result.quorum_met and not result.adopted


def test_simple_majority_of_for_and_against():
    assert _outcome(SIMPLE, electors=5, votes_for=3, against=2).adopted
    # Abstentions are left out of the majority: 2 for, 1 against, 2 abstain is adopted.
    assert _outcome(SIMPLE, electors=5, votes_for=2, against=1, abstain=2).adopted


def test_abstentions_weigh_as_against_when_the_setting_counts_them():
    counting = VoteRule(
        quorum=Fraction(1, 2), majority=Fraction(1, 2), qualified=False, abstentions_count=True
    )
    assert not _outcome(counting, electors=5, votes_for=2, against=1, abstain=2).adopted
    assert _outcome(counting, electors=5, votes_for=3, against=1, abstain=1).adopted


def test_only_abstentions_adopt_nothing():
    result = _outcome(SIMPLE, electors=4, votes_for=0, against=0, abstain=4)
    assert result.quorum_met and not result.adopted


def test_two_thirds_met_exactly():
    assert _outcome(QUALIFIED, electors=6, votes_for=4, against=2).adopted  # 4/6 = 2/3


def test_two_thirds_not_met():
    # 0.666... as a float would pass a careless >= 0.6667 or fail a >= 2/3 by rounding.
    assert not _outcome(QUALIFIED, electors=200, votes_for=133, against=67).adopted
    assert _outcome(QUALIFIED, electors=300, votes_for=200, against=100).adopted


def test_rule_from_settings_and_proposal(settings):
    from governance.models import Proposal

    settings.GOVERNANCE_QUORUM = Fraction(3, 5)
    fee = Proposal(operator_fee_percentage=28)
    rate = Proposal(client_hourly_rate_min=15)
    assert VoteRule.for_proposal(fee).majority == Fraction(2, 3)
    assert VoteRule.for_proposal(fee).qualified
    assert VoteRule.for_proposal(rate).majority == Fraction(1, 2)
    assert VoteRule.for_proposal(rate).quorum == Fraction(3, 5)
    with translation.override("en"):
        assert "two thirds" in VoteRule.for_proposal(fee).describe()
        assert "3/5" in VoteRule.for_proposal(rate).describe()


@pytest.mark.parametrize(
    ("changes", "touches", "qualified"),
    [
        ({"operator_fee_percentage": 28}, True, True),
        ({"contribution_operator_percentage": 2}, True, True),
        ({"contribution_percentage": 3}, True, True),
        ({"client_hourly_rate_min": 15}, True, False),
        ({"premium_per_hour": 2}, False, False),
        ({"vat_percentage": 21}, False, False),
        ({"long_after_weeks": 20}, False, False),
    ],
)
def test_what_touches_operator_earnings(changes, touches, qualified):
    from governance.models import Proposal

    proposal = Proposal(**changes)
    assert proposal.touches_operator_earnings is touches
    assert proposal.needs_qualified_majority is qualified
