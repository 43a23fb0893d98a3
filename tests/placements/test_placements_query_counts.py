"""The placement pages cost the same number of queries whatever the number of municipalities
in scope (tests/query_counts.py): candidates, assignments and the hours of a month."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory
from tests.query_counts import (
    counts_for_few_and_many,
    growing,
    late_november,  # noqa: F401 (a fixture)
    logged_in,
    terms,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def query_coordinator(terms, late_november):  # noqa: F811 (fixtures)
    return UserFactory(email="query.coordinator@example.nl", role=Role.COORDINATOR)


def test_the_placement_pages_cost_the_same_for_1_and_for_20_municipalities(
    query_coordinator, back_office_with_mfa
):
    coordinator = logged_in(query_coordinator)
    pages = {
        "coordinator /kandidaten/": (coordinator, reverse("placements:candidate_list"), {}),
        "coordinator /opdrachten/": (coordinator, reverse("placements:assignment_list"), {}),
        "coordinator /uren/?month=2026-08": (
            coordinator,
            reverse("placements:hours_month"),
            {"month": "2026-08"},
        ),
    }

    few, many = counts_for_few_and_many(
        pages, coordinator=query_coordinator, actor=back_office_with_mfa
    )

    assert not growing(few, many), growing(few, many)
