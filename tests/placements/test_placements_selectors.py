"""Scope: a coordinator sees their own municipalities' placements; the back office and the
treasurer see all; anyone else nothing. Out of scope is a 404, never a 403."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from placements.selectors import (
    assignment_get_for_user,
    assignment_list_flagged,
    assignment_list_for_user,
    candidate_get_for_user,
    candidate_list_for_user,
    client_list_for_user,
    time_entry_list_for_user,
)
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    PlacementsUserFactory,
    TimeEntryFactory,
)


@pytest.fixture
def world(town, other_town, framework):
    mine = AssignmentFactory(candidate=CandidateFactory(municipality=town), active=True)
    theirs = AssignmentFactory(
        candidate=CandidateFactory(municipality=other_town),
        active=True,
        hours_per_week=Decimal("36"),
        is_large_hours=True,
        is_large_or_long=True,
        sign_off_by=PlacementsUserFactory(),
        sign_off_at="2026-02-01T10:00:00Z",
        sign_off_reason="Piek",
    )
    return {
        "mine": mine,
        "theirs": theirs,
        "my_entry": TimeEntryFactory(assignment=mine),
        "their_entry": TimeEntryFactory(assignment=theirs),
    }


def test_coordinator_sees_own_municipality_only(world, town_coordinator):
    user = town_coordinator
    assert list(candidate_list_for_user(user=user)) == [world["mine"].candidate]
    assert list(assignment_list_for_user(user=user)) == [world["mine"]]
    assert list(time_entry_list_for_user(user=user)) == [world["my_entry"]]
    assert list(client_list_for_user(user=user)) == [world["mine"].client]
    assert list(assignment_list_flagged(user=user)) == []
    assert candidate_get_for_user(user=user, pk=world["mine"].candidate.pk)
    assert assignment_get_for_user(user=user, pk=world["mine"].pk)
    with pytest.raises(Http404):
        candidate_get_for_user(user=user, pk=world["theirs"].candidate.pk)
    with pytest.raises(Http404):
        assignment_get_for_user(user=user, pk=world["theirs"].pk)


@pytest.mark.parametrize("who", ["back_office_user", "treasurer_user"])
def test_back_office_and_treasurer_see_all(request, world, who):
    user = request.getfixturevalue(who)
    assert candidate_list_for_user(user=user).count() == 2
    assert assignment_list_for_user(user=user).count() == 2
    assert time_entry_list_for_user(user=user).count() == 2
    assert client_list_for_user(user=user).count() == 2
    assert list(assignment_list_flagged(user=user)) == [world["theirs"]]
    assert assignment_get_for_user(user=user, pk=world["theirs"].pk)


def test_nobody_else_sees_anything(world, db):
    for user in (AnonymousUser(), PlacementsUserFactory()):
        assert not candidate_list_for_user(user=user).exists()
        assert not assignment_list_for_user(user=user).exists()
        assert not time_entry_list_for_user(user=user).exists()
        assert not client_list_for_user(user=user).exists()
        with pytest.raises(Http404):
            candidate_get_for_user(user=user, pk=world["mine"].candidate.pk)


def test_coordinator_of_two_municipalities(world, town, other_town):
    from accounts.roles import Role

    both = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town, other_town])
    assert candidate_list_for_user(user=both).count() == 2
    assert assignment_list_flagged(user=both).count() == 1
