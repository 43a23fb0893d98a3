"""The to-do page costs the same number of queries whatever the number of municipalities in
scope (tests/query_counts.py): a coordinator with requests, payout runs and settlements in
each municipality, and the treasurer."""

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


def test_the_todo_pages_cost_the_same_for_1_and_for_20_municipalities(
    query_coordinator, back_office_with_mfa, treasurer_with_mfa
):
    coordinator, treasurer = logged_in(query_coordinator), logged_in(treasurer_with_mfa)
    pages = {
        "coordinator /te-doen/": (coordinator, reverse("todo:index"), {}),
        "treasurer /te-doen/": (treasurer, reverse("todo:index"), {}),
    }

    few, many = counts_for_few_and_many(
        pages, coordinator=query_coordinator, actor=back_office_with_mfa
    )

    assert not growing(few, many), growing(few, many)
