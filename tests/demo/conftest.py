"""The demo data (`manage.py seed_demo`), seeded once for this whole package.

Seeding the demo is the slowest thing the suite does, so the four modules here share one
seed instead of seeding twice each: the whole demo, then the whole demo again (it must change
nothing), inside a transaction that is rolled back after the package's last test. Each test
nests in it, as Django's TestCase does. The deferred foreign-key checks of the seeded rows
run once here, so they are not repeated at every test's end.
"""

import io
from collections import namedtuple

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum

DemoSeed = namedtuple("DemoSeed", ["first", "second", "output"])

PROJECT_APPS = [
    "accounts",
    "core",
    "members",
    "placements",
    "billing",
    "premiums",
    "settlements",
    "governance",
]


def demo_state() -> dict:
    """What a second seed must leave as it was: every project model's row count, the hours
    by status, the premium ledger's totals, the payout runs and the settlements' figures."""
    from placements.models import TimeEntry
    from premiums.models import PayoutRun, PremiumAccrual
    from settlements.models import Settlement

    state: dict = {
        model.__name__: model.objects.count()
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
    }
    for status in TimeEntry.Status.values:
        state[f"hours {status}"] = TimeEntry.objects.filter(status=status).count()
    state["accrued"] = PremiumAccrual.objects.aggregate(total=Sum("amount"))["total"]
    state["capped"] = PremiumAccrual.objects.aggregate(total=Sum("capped_amount"))["total"]
    state["unpaid"] = PremiumAccrual.objects.filter(payout_line__isnull=True).count()
    state["runs"] = sorted(
        PayoutRun.objects.values_list("municipality__cbs_code", "payout_date", "status", "total")
    )
    state["settlements"] = sorted(
        Settlement.objects.values_list(
            "municipality__cbs_code",
            "year",
            "half",
            "status",
            "gross",
            "premiums",
            "result",
            "computed_at",
            "fingerprint",
        )
    )
    return state


@pytest.fixture(scope="package")
def seeded_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
            first = demo_state()
            call_command("seed_demo", stdout=io.StringIO())
            second = demo_state()
            connection.check_constraints()
            yield DemoSeed(first, second, out.getvalue())
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def data(seeded_demo, db):
    return seeded_demo
