"""Fixtures for the billing tests: the general framework (VAT 21%), the back office, and
hours messages asserted in English (the interface text is translated, the rules are not)."""

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
def back_office_user(db):
    return PlacementsUserFactory(role=Role.BACK_OFFICE, is_staff=True)


@pytest.fixture
def treasurer_user(db):
    return PlacementsUserFactory(role=Role.TREASURER)


@pytest.fixture
def town(db):
    return PlacementsMunicipalityFactory(name="Groningen", cbs_code="GM0014")


@pytest.fixture
def other_town(db):
    return PlacementsMunicipalityFactory(name="Assen", cbs_code="GM0106")


@pytest.fixture
def town_coordinator(town):
    return PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town])
