"""Fixtures for the placements tests: a municipality with its coordinator, a neighbour with
theirs, the back office and the treasurer, and the general framework of 2025-2026.

Messages are asserted in English: the interface text is translated, the rules are not.
"""

import pytest
from django.utils import translation

from accounts.roles import Role
from tests.placements.factories import (
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
    return general_framework()


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
def treasurer_user(db):
    return PlacementsUserFactory(role=Role.TREASURER)
