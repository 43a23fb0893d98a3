"""frameworks_in_force: many (municipality, date) look-ups in one statement, equal to
framework_in_force asked one by one."""

import datetime
import random
from decimal import Decimal

import pytest

from members.models import Framework
from members.selectors import FrameworkNotInForce, framework_in_force, frameworks_in_force
from tests.factories import (
    ContractFactory,
    FrameworkFactory,
    MunicipalityFactory,
    PremiumCapFactory,
)

D = datetime.date

pytestmark = pytest.mark.django_db


@pytest.fixture
def landscape(db):
    """General versions, local versions of some municipalities (one stricter, one overtaken by
    a later general version, one setting payout moments), the (single) execution contract
    in force for part of the time: before and after it the general fee applies."""
    PremiumCapFactory.create_table()
    FrameworkFactory(valid_from=D(2025, 1, 1), client_hourly_rate_min=Decimal("14.06"))
    FrameworkFactory(valid_from=D(2025, 7, 1), client_hourly_rate_min=Decimal("14.40"))
    FrameworkFactory(
        valid_from=D(2026, 1, 1),
        client_hourly_rate_min=Decimal("14.71"),
        operator_fee_percentage=Decimal("28.50"),
    )
    towns = [MunicipalityFactory() for _ in range(5)]
    Framework.objects.create(
        scope=Framework.Scope.LOCAL,
        municipality=towns[0],
        valid_from=D(2025, 1, 1),
        client_hourly_rate_min=Decimal("14.50"),
        premium_per_hour=Decimal("2.50"),
    )
    Framework.objects.create(
        scope=Framework.Scope.LOCAL,
        municipality=towns[0],
        valid_from=D(2026, 1, 1),
        large_hours_per_week=Decimal("24.00"),
    )
    Framework.objects.create(
        scope=Framework.Scope.LOCAL,
        municipality=towns[1],
        valid_from=D(2025, 7, 1),
        payout_moments=["03-31", "09-30"],
        long_after_weeks=13,
    )
    ContractFactory(
        execution=True,
        reference="EXEC-B",
        start_date=D(2025, 7, 1),
        end_date=D(2026, 3, 31),  # then a gap: the general framework's fee
        operator_fee_percentage=Decimal("29.25"),
    )
    return towns


def test_equal_to_the_single_look_ups(landscape, django_assert_max_num_queries):
    rng = random.Random(15)
    days = [D(2025, 1, 1) + datetime.timedelta(days=rng.randrange(600)) for _ in range(60)]
    days += [D(2025, 6, 30), D(2025, 7, 1), D(2026, 3, 31), D(2026, 4, 1)]
    asks = [(town, day) for town in [*landscape, None] for day in days]

    with django_assert_max_num_queries(4):  # the look-up, then each table's versions once
        bulk = frameworks_in_force(asks=asks)

    assert len(bulk) == len({(t.pk if t else None, d) for t, d in asks})
    for town, day in asks:
        single = framework_in_force(municipality=town, on=day)
        assert bulk[(town.pk if town else None, day)] == single, (town, day)
    # The data really varies: local, contract and general values all occur.
    fees = {terms.operator_fee_percentage for terms in bulk.values()}
    assert fees == {Decimal("30.00"), Decimal("29.25"), Decimal("28.50")}
    assert {t.premium_per_hour for t in bulk.values()} == {Decimal("2.00"), Decimal("2.50")}
    assert ("03-31", "09-30") in {t.payout_moments for t in bulk.values()}


def test_no_pairs_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert frameworks_in_force(asks=[]) == {}


def test_a_date_without_a_framework_is_named(landscape):
    with pytest.raises(FrameworkNotInForce) as single:
        framework_in_force(municipality=landscape[0], on=D(2024, 12, 31))
    with pytest.raises(FrameworkNotInForce) as bulk:
        frameworks_in_force(asks=[(landscape[0], D(2026, 1, 1)), (landscape[1], D(2024, 12, 31))])
    assert str(bulk.value) == str(single.value)
