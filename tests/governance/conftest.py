"""Fixtures for governance: four member municipalities (and two that are not members), the
general framework of 1 January 2026, two board members, the operator's back office and a
representative per member; helpers that walk a proposal to the vote."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from accounts.roles import Role
from governance.models import Proposal
from governance.services import (
    advice_save,
    ballot_cast,
    proposal_create,
    proposal_request_advice,
    proposal_vote_open,
)
from members.models import Membership
from tests.factories import FrameworkFactory, MembershipFactory, MunicipalityFactory, UserFactory

TODAY = datetime.date(2026, 12, 1)
VOTE_ENDS = datetime.date(2026, 12, 15)
AFTER_VOTE = datetime.date(2026, 12, 16)
NEW_YEAR = datetime.date(2027, 1, 1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def general(db):
    return FrameworkFactory(valid_from=datetime.date(2026, 1, 1))


@pytest.fixture
def members(municipality, other_municipality):
    """Four active members by CBS code (Groningen and Assen are the conftest's municipality
    and other_municipality); Heerenveen's membership ended, Tynaarlo's is prospective:
    neither votes."""
    towns = {"GM0014": municipality, "GM0106": other_municipality}
    towns["GM0114"] = MunicipalityFactory(cbs_code="GM0114", name="Emmen")
    towns["GM1952"] = MunicipalityFactory(cbs_code="GM1952", name="Midden-Groningen")
    for code in ("GM0014", "GM0106", "GM0114", "GM1952"):
        MembershipFactory(municipality=towns[code], start_date=datetime.date(2025, 1, 1))
    towns["GM0074"] = MunicipalityFactory(cbs_code="GM0074", name="Heerenveen")
    MembershipFactory(
        municipality=towns["GM0074"],
        status=Membership.Status.ENDED,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2026, 6, 30),
    )
    towns["GM1730"] = MunicipalityFactory(cbs_code="GM1730", name="Tynaarlo")
    MembershipFactory(
        municipality=towns["GM1730"],
        status=Membership.Status.PROSPECTIVE,
        start_date=datetime.date(2027, 1, 1),
    )
    return towns


@pytest.fixture
def board(db):
    return UserFactory(email="bestuur@nvsi.example.nl", role=Role.NVSI_BOARD, mfa=True)


@pytest.fixture
def other_board(db):
    return UserFactory(email="secretaris@nvsi.example.nl", role=Role.NVSI_BOARD, mfa=True)


@pytest.fixture
def operator(back_office_with_mfa):
    return back_office_with_mfa


@pytest.fixture
def representatives(members):
    """One representative per municipality (also the non-members), by CBS code."""
    reps = {}
    for code, town in members.items():
        user = UserFactory(email=f"wethouder.{code.lower()}@example.nl", role=Role.REPRESENTATIVE)
        town.representatives.add(user)
        reps[code] = user
    return reps


@pytest.fixture
def make_proposal(general, board):
    def make(*, effective_date=NEW_YEAR, proposer=None, today=TODAY, **changes) -> Proposal:
        changes = changes or {"client_hourly_rate_min": Decimal("15.00")}
        return proposal_create(
            proposal=Proposal(
                title="Minimumtarief",
                reasoning="Het wettelijk minimumuurloon stijgt.",
                effective_date=effective_date,
                **changes,
            ),
            actor=proposer or board,
            today=today,
        )

    return make


@pytest.fixture
def advised(make_proposal, board, operator):
    """Make a proposal and have the operator advise on it."""

    def make(position="for", **kwargs) -> Proposal:
        proposal = make_proposal(**kwargs)
        proposal_request_advice(proposal=proposal, actor=board)
        advice_save(proposal=proposal, actor=operator, position=position, text="Uitvoerbaar.")
        proposal.refresh_from_db()
        return proposal

    return make


@pytest.fixture
def voting(advised, other_board, members):
    """A proposal open for voting from TODAY through VOTE_ENDS (opened by the other board
    member), electors the four active members."""

    def make(**kwargs) -> Proposal:
        proposal = advised(**kwargs)
        return proposal_vote_open(
            proposal=proposal, actor=other_board, ends_on=VOTE_ENDS, today=TODAY
        )

    return make


@pytest.fixture
def vote(representatives, members):
    def cast(proposal, code, choice, today=TODAY):
        return ballot_cast(
            proposal=proposal,
            municipality=members[code],
            actor=representatives[code],
            choice=choice,
            today=today,
        )

    return cast
