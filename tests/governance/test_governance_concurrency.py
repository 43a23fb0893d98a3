"""At the same time, on the real PostgreSQL (threads with a connection each, started
together): representatives of one municipality voting at once leave exactly one ballot, the
last one written; closes at once (board and beat) make one decision and one version."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connections

from accounts.models import User
from accounts.roles import roles_sync
from governance.models import Ballot, Decision
from governance.services import ballot_cast, proposal_close, proposal_votes_close_due
from members.models import Framework

from .conftest import AFTER_VOTE, TODAY

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def _in_threads(work, count: int = THREADS) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    roles_sync()


def test_representatives_of_one_municipality_voting_at_once_leave_one_ballot(voting, members):
    proposal = voting()
    town = members["GM0014"]
    group = Group.objects.get(name="representative")
    reps = []
    for index in range(THREADS):
        user = User.objects.create_user(f"rep{index}@groningen.example.nl", "x")
        user.groups.add(group)
        town.representatives.add(user)
        reps.append(user)
    choices = ["for", "against", "abstain"]

    errors = _in_threads(
        lambda i: ballot_cast(
            proposal=proposal,
            municipality=town,
            actor=reps[i],
            choice=choices[i % 3],
            today=TODAY,
        )
    )
    assert errors == []
    [ballot] = Ballot.objects.filter(proposal=proposal, municipality=town)
    # The ballot is one of the votes cast, recorded whole (choice and who cast it together).
    assert ballot.choice == choices[reps.index(ballot.cast_by) % 3]


def test_closing_at_once_makes_one_decision(voting, vote, board):
    proposal = voting()
    vote(proposal, "GM0014", "for")
    vote(proposal, "GM0106", "for")

    def work(index: int) -> None:
        if index % 2:
            proposal_close(proposal=proposal, actor=board, today=AFTER_VOTE)
        else:
            proposal_votes_close_due(today=AFTER_VOTE)

    assert _in_threads(work) == []
    [decision] = Decision.objects.all()
    assert decision.outcome == "adopted"
    assert Framework.objects.filter(scope="general").count() == 2
