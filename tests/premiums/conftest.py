"""Fixtures for the premiums tests: the general framework of 2025-2026 with the caps of
1 January and 1 July 2025 and 1 January 2026, a municipality with its coordinator, a
neighbour with theirs, the back office; messages asserted in English."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.roles import Role
from members.models import PremiumCap
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    PlacementsMunicipalityFactory,
    PlacementsUserFactory,
    general_framework,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def framework(db):
    general = general_framework()
    PremiumCap.objects.get_or_create(
        valid_from=datetime.date(2025, 7, 1), defaults={"amount": Decimal("3326")}
    )
    return general


@pytest.fixture
def town(db):
    return PlacementsMunicipalityFactory(name="Groningen", cbs_code="GM0014")


@pytest.fixture
def other_town(db):
    return PlacementsMunicipalityFactory(name="Assen", cbs_code="GM0106")


@pytest.fixture
def town_coordinator(town):
    return PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town])


@pytest.fixture
def other_town_coordinator(other_town):
    return PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[other_town])


@pytest.fixture
def back_office_user(db):
    return PlacementsUserFactory(role=Role.BACK_OFFICE, is_staff=True)


@pytest.fixture
def candidate(town, framework):
    return CandidateFactory(municipality=town, birth_date=datetime.date(1980, 5, 17))


@pytest.fixture
def assignment(candidate):
    """Active all of 2025 and 2026."""
    return AssignmentFactory(
        candidate=candidate,
        active=True,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
