"""Query counts of the main pages against the number of municipalities a user covers.

A page's cost must not grow with the municipalities in scope: `grow(...)` gives a
coordinator more municipalities, each with the same kinds of work (a member since 2025 with
hours invoiced in March and in August 2026, so a settled first half-year and a live second
one, premiums accrued on approval, a draft settlement of 2026-H1, a payout run to approve and
an assignment request), and `queries(client, url)` counts what a page costs. The tests in
tests/<app>/test_<app>_query_counts.py compare the count for 1 municipality with the count
for 20: they must be equal.

The day is 27 November 2026 (`late_november`), in the second half-year, after its first
invoices.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import PremiumCap
from premiums.models import PayoutRun
from settlements.models import Period
from settlements.services import settlement_compute
from tests.factories import MembershipFactory, MunicipalityFactory
from tests.placements.factories import AssignmentFactory, CandidateFactory, general_framework
from tests.settlements.conftest import make_invoice

TODAY = datetime.date(2026, 11, 27)
FEW, MANY = 1, 20


@pytest.fixture
def late_november(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: TODAY)
    return TODAY


@pytest.fixture
def terms(db):
    framework = general_framework()
    PremiumCap.objects.get_or_create(
        valid_from=datetime.date(2025, 7, 1), defaults={"amount": Decimal("3326")}
    )
    return framework


def add_municipality(*, coordinator, actor, index: int):
    """One more municipality of `coordinator` with a year of work (see the module)."""
    town = MunicipalityFactory(name=f"Querygemeente {index:02d}")
    MembershipFactory(municipality=town, start_date=datetime.date(2025, 1, 1))
    coordinator.coordinated_municipalities.add(town)
    make_invoice(municipality=town, actor=actor, month=datetime.date(2026, 3, 1))
    make_invoice(municipality=town, actor=actor, month=datetime.date(2026, 8, 1))
    settlement_compute(municipality=town, period=Period(2026, 1), actor=None)
    PayoutRun.objects.create(
        municipality=town,
        payout_date=datetime.date(2026, 12, 31),
        status=PayoutRun.Status.PREPARED,
        total=Decimal("16.00"),
        line_count=1,
        prepared_by=actor,
        prepared_at=timezone.now(),
    )
    AssignmentFactory(candidate=CandidateFactory(municipality=town))
    return town


def grow(*, coordinator, actor, to: int) -> None:
    """Give `coordinator` municipalities until they cover `to`."""
    covered = coordinator.coordinated_municipalities.count()
    for index in range(covered, to):
        add_municipality(coordinator=coordinator, actor=actor, index=index)


def queries(client, url: str, **params) -> int:
    """The number of SQL queries of one GET (which must succeed)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def counts_for_few_and_many(
    pages: dict[str, tuple], *, coordinator, actor
) -> tuple[dict[str, int], dict[str, int]]:
    """Each page's queries with FEW municipalities in scope, then with MANY. `pages` maps a
    label to (logged-in client, url, params), params a dict or a function giving one."""

    def measure() -> dict[str, int]:
        return {
            label: queries(client, url, **(params() if callable(params) else params))
            for label, (client, url, params) in pages.items()
        }

    grow(coordinator=coordinator, actor=actor, to=FEW)
    measure()  # warm: the first request of a session reads a few things once
    few = measure()
    grow(coordinator=coordinator, actor=actor, to=MANY)
    return few, measure()


def growing(few: dict[str, int], many: dict[str, int]) -> list[str]:
    """The pages whose queries grew with the municipalities, as `label: 7 -> 26`."""
    return [f"{label}: {few[label]} -> {many[label]}" for label in few if few[label] != many[label]]


def logged_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
