"""The settlement pages cost the same number of queries whatever the number of municipalities
in scope (tests/query_counts.py): the coordinator's dashboard (a settled and a live
half-year) and settlement list, the treasurer's contribution overview, queue and dashboard of
one municipality. The dashboard's figures over many municipalities still equal what each
municipality's own settlement figures give."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from settlements.figures import settlement_figures
from settlements.models import Period, Settlement
from settlements.selectors import live_figures_by_month
from tests.factories import UserFactory
from tests.query_counts import (
    MANY,
    counts_for_few_and_many,
    grow,
    growing,
    late_november,  # noqa: F401 (a fixture)
    logged_in,
    terms,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db


def first_town(coordinator):
    return coordinator.coordinated_municipalities.order_by("pk").first()


@pytest.fixture
def query_coordinator(terms, late_november):  # noqa: F811 (fixtures)
    return UserFactory(email="query.coordinator@example.nl", role=Role.COORDINATOR)


def test_the_settlement_pages_cost_the_same_for_1_and_for_20_municipalities(
    query_coordinator, back_office_with_mfa, treasurer_with_mfa
):
    coordinator, treasurer = logged_in(query_coordinator), logged_in(treasurer_with_mfa)
    pages = {
        "coordinator /dashboard/": (coordinator, reverse("settlements:dashboard"), {}),
        "coordinator /afrekeningen/": (coordinator, reverse("settlements:list"), {}),
        "treasurer /contributie/": (treasurer, reverse("settlements:contribution"), {}),
        "treasurer /contributie/?year=2026": (
            treasurer,
            reverse("settlements:contribution"),
            {"year": "2026"},
        ),
        "treasurer /afrekeningen/": (treasurer, reverse("settlements:list"), {}),
        "treasurer /dashboard/?municipality=": (
            treasurer,
            reverse("settlements:dashboard"),
            lambda: {"municipality": first_town(query_coordinator).cbs_code},
        ),
    }

    few, many = counts_for_few_and_many(
        pages, coordinator=query_coordinator, actor=back_office_with_mfa
    )

    assert not growing(few, many), growing(few, many)
    # Both half-years were on the coordinator's dashboard: the settled one (its stored
    # lines) and the live one.
    response = coordinator.get(reverse("settlements:dashboard"), {"year": "2026"})
    rows = {row.month.month: row for row in response.context["rows"]}
    assert rows[4].sources == {Settlement.Status.DRAFT}
    assert rows[9].sources == {"live"}
    # Each municipality: 8 hours at 16.50 invoiced on 2 September (G 132.00, P 16.00).
    assert rows[9].gross == MANY * Decimal("132.00")
    assert rows[9].premiums == MANY * Decimal("16.00")
    assert rows[9].result == MANY * (
        Decimal("132.00") - Decimal("16.00") - Decimal("39.60") - Decimal("1.32")
    )


def test_the_live_months_of_many_municipalities_are_each_ones_figures(
    query_coordinator, back_office_with_mfa, issue_invoice, credit_invoice
):
    """live_figures_by_month reads in one statement what settlement_figures reads per
    municipality: the same hours, G and P per municipality and month, credit notes and
    their premiums subtracted."""
    grow(coordinator=query_coordinator, actor=back_office_with_mfa, to=3)
    towns = list(query_coordinator.coordinated_municipalities.order_by("pk"))
    invoice = issue_invoice(
        municipality=towns[1], month=datetime.date(2026, 9, 1), hours=("6.00", "2.50")
    )
    credit_invoice(invoice, credit_date=datetime.date(2026, 11, 3))
    period = Period(2026, 2)

    parts = live_figures_by_month(municipality_ids=[t.pk for t in towns], period=period)

    expected = {
        (town.pk, month): (part.hours, part.gross, part.premiums)
        for town in towns
        for month, part in settlement_figures(
            municipality_id=town.pk, period=period
        ).by_month.items()
    }
    assert {(p.municipality_id, p.month): (p.hours, p.gross, p.premiums) for p in parts} == (
        expected
    )
    assert expected[(towns[1].pk, datetime.date(2026, 11, 1))] == (
        Decimal("-8.50"),
        Decimal("-140.25"),
        Decimal("-17.00"),
    )
