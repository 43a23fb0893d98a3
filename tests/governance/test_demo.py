"""The governance demo (demo.governance, part of `manage.py seed_demo`): a decided proposal
behind the general version of 1 January 2026, one open for voting with votes cast, one with
the operator's advice awaiting the vote; seeding twice changes nothing.

It needs the NVSI board users and representatives that demo.accounts seeds (on the roles
branch): until those are merged, `test_the_demo_proposals` fails with DemoUsersMissing."""

import datetime
from decimal import Decimal

import pytest

from demo.accounts import seed_users
from demo.governance import DemoUsersMissing, seed_governance
from demo.members import seed_members
from governance.models import Ballot, Decision, MemberRequest, Proposal

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 5)


def test_the_demo_proposals():
    municipalities = seed_members(today=TODAY)
    seed_users(municipalities=municipalities)
    assert seed_governance(today=TODAY) == {"proposals": 3, "member requests": 1}
    assert seed_governance(today=TODAY) == {"proposals": 0, "member requests": 0}

    decided = Proposal.objects.get(status=Proposal.Status.ADOPTED)
    decision = Decision.objects.get(proposal=decided)
    assert decision.reference == "NVSI-2025-001"
    assert decision.framework.valid_from == datetime.date(2026, 1, 1)
    assert decision.framework.client_hourly_rate_min == Decimal("14.71")
    assert decision.votes_for > decision.votes_against
    # Opsterland joins only in 2027 and did not vote; Heerenveen was still a member then.
    electors = set(decided.electors.values_list("municipality__cbs_code", flat=True))
    assert "GM0086" not in electors and "GM0074" in electors

    voting = Proposal.objects.get(status=Proposal.Status.VOTING)
    assert voting.vote_opened_on < TODAY <= voting.vote_ends_on < voting.effective_date
    assert voting.vote_opened_by != voting.proposer
    assert 0 < Ballot.objects.filter(proposal=voting).count() < voting.electors.count()

    advised = Proposal.objects.get(status=Proposal.Status.ADVICE_REQUESTED)
    assert advised.touches_operator_earnings and advised.advice.position == "against"
    assert advised.effective_date > voting.effective_date
    assert MemberRequest.objects.filter(status=MemberRequest.Status.PENDING).count() == 1


def test_a_clear_error_without_the_board_users():
    seed_members(today=TODAY)
    with pytest.raises(DemoUsersMissing, match="two NVSI board users"):
        seed_governance(today=TODAY)
