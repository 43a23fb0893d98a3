"""The set-based settlement of a half-year (settlements.services.half_year) gives exactly what
`settlement_compute` gives municipality by municipality: the same figures to the cent (and to
the decimal place), the same breakdown rows in the same order, the same audit records.

Compared on the same data in the same transaction (the old way computed in a savepoint that is
rolled back, then the new way): random invoices and credit notes (Hypothesis, as in
test_settlements_property), and a fixed world with local frameworks (one changing the premium
that accrues), an execution contract that ends mid half-year, credit notes in a later
half-year (negative G), half cents (F rounded half up, away from zero when negative), a member
without revenue, and recomputation over drafts, a rejected, a submitted and an approved one.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from billing.services.invoices import pdf_rendering_deferred
from core.models import AuditEvent
from members.models import Framework
from settlements.models import Period, Settlement, SettlementLine, SettlementRunItem
from settlements.services import (
    runs,
    settlement_approve,
    settlement_compute,
    settlement_reject,
    settlement_run_period,
    settlement_submit,
)
from settlements.services.half_year import lock_settlement_keys, settlements_compute_many
from tests.factories import ContractFactory, MembershipFactory, MunicipalityFactory
from tests.placements.factories import ClientFactory
from tests.settlements.test_settlements_property import PERIODS, Expected, _make, documents

pytestmark = pytest.mark.django_db

D = datetime.date
FIELDS = (
    "status",
    "hours",
    "gross",
    "premiums",
    "fee",
    "contribution_municipality",
    "contribution_operator",
    "result",
    "terms_date",
    "fee_percentage",
    "contribution_municipality_percentage",
    "contribution_operator_percentage",
    "invoice_line_count",
    "credit_line_count",
    "run_id",
    "submitted_by_id",
    "decided_by_id",
    "rejection_reason",
    "fingerprint",
)


def _old(towns, period, actor):
    for town in sorted(towns, key=lambda t: (t.name, t.pk)):
        settlement_compute(municipality=town, period=period, actor=actor)


def _new(towns, period, actor):
    with transaction.atomic():
        ids = [town.pk for town in towns]
        lock_settlement_keys(municipality_ids=ids, period=period)
        return settlements_compute_many(municipality_ids=ids, period=period, actor=actor)


def _snapshot(period, audit_after: int):
    settlements = {}
    for s in Settlement.objects.filter(year=period.year, half=period.half).select_related(
        "municipality"
    ):
        settlements[s.municipality.cbs_code] = (
            {field: str(getattr(s, field)) for field in FIELDS},
            [
                tuple(str(value) for value in row)
                for row in s.lines.order_by("pk").values_list(
                    "kind", "month", "client_id", "client_name", "hours", "gross", "premiums"
                )
            ],
        )
    audit = sorted(
        (e.object_repr, e.summary, json.dumps(e.changes, sort_keys=True), e.actor_id)
        for e in AuditEvent.objects.filter(action="settlement.compute", pk__gt=audit_after)
    )
    return settlements, audit


def _compare(towns, period, actor):
    """Old and new on the same data: returns the (equal) snapshot."""
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    savepoint = transaction.savepoint()
    _old(towns, period, actor)
    old = _snapshot(period, mark)
    transaction.savepoint_rollback(savepoint)
    _new(towns, period, actor)
    new = _snapshot(period, mark)
    assert new == old, period
    return new


@pytest.mark.django_db
@given(specs=documents)
@settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_random_documents_settle_alike(specs, town, other_town, back_office_user):
    towns = {"town": town, "other_town": other_town}
    with transaction.atomic():
        clients = [ClientFactory(), ClientFactory()]
        with pdf_rendering_deferred():
            for spec in specs:
                _make(
                    spec, towns=towns, clients=clients, actor=back_office_user, expected=Expected()
                )
        for period in PERIODS:
            _compare(list(towns.values()), period, back_office_user)
        transaction.set_rollback(True)


def _line(town, hours, rate, *, young=False, reapprove_with=None):
    return {
        "town": town,
        "hours": [Decimal(h) for h in hours],
        "rate": Decimal(rate),
        "young": young,
        "reapprove_with": Decimal(reapprove_with) if reapprove_with else None,
    }


# Invoices of the fixed world (client, month, days after the month, lines, credit note).
WORLD = [
    # 14.75 x 1.00: F = 30% of 14.75 = 4.425 -> 4.43, Cm = Co = 0.1475 -> 0.15.
    (0, D(2025, 11, 1), 3, [_line("town", ["1.00"], "14.75")], None),
    # Credited in full in 2026-H1: that half-year's G of other_town goes negative.
    (
        1,
        D(2025, 11, 1),
        2,
        [_line("other_town", ["3.00", "2.50"], "21.15"), _line("town", ["4.00"], "15.05")],
        {"days_later": 40, "entries": None},
    ),
    # Some hours credited in the same half-year; one candidate under 27 (no premium); hours
    # set back and approved again with other hours (the later accrual counts).
    (
        0,
        D(2026, 2, 1),
        5,
        [
            _line("town", ["7.25", "0.25"], "33.33", reapprove_with="6.75"),
            _line("third_town", ["2.00"], "18.45", young=True),
        ],
        {"days_later": 10, "entries": [True, False, True]},
    ),
    (1, D(2026, 3, 1), 1, [_line("third_town", ["8.00", "8.00", "0.50"], "45.00")], None),
    # Same client, other months: its client row is named as on its latest invoice.
    (0, D(2026, 4, 1), 2, [_line("town", ["1.50"], "16.67")], None),
]


@pytest.fixture
def world(town, other_town, framework, back_office_user):
    third = MunicipalityFactory(cbs_code="GM0200", name="Apeldoorn")
    MembershipFactory(municipality=third, start_date=D(2025, 1, 1))
    quiet = MunicipalityFactory(cbs_code="GM0202", name="Arnhem")  # a member without revenue
    MembershipFactory(municipality=quiet, start_date=D(2025, 1, 1))
    # town's local framework raises the premium per hour from 2026 (what accrues differs).
    Framework.objects.create(
        scope=Framework.Scope.LOCAL,
        municipality=town,
        valid_from=D(2026, 1, 1),
        premium_per_hour=Decimal("2.50"),
    )
    Framework.objects.create(
        scope=Framework.Scope.LOCAL,
        municipality=third,
        valid_from=D(2025, 7, 1),
        long_after_weeks=13,
        payout_moments=["03-31", "09-30"],
    )
    # The execution contract's fee from 2025-H2; it ends on 31 March 2026, so 2026-H1 takes
    # it too (terms of the first day) and 2026-H2 the general framework's.
    ContractFactory(
        execution=True,
        start_date=D(2025, 7, 1),
        end_date=D(2026, 3, 31),
        operator_fee_percentage=Decimal("27.50"),
    )
    towns = {"town": town, "other_town": other_town, "third_town": third}
    clients = [ClientFactory(name="Bakkerij Aa"), ClientFactory(name="Zuivel Zee")]
    with pdf_rendering_deferred():
        for client, month, days, lines, credit in WORLD:
            if month == D(2026, 4, 1):  # renamed: its invoices of the half-year differ
                clients[0].name = "Bakkerij Aa B.V."
                clients[0].save(update_fields=["name"])
            spec = {
                "client": client,
                "month": month,
                "days_after_month": days,
                "lines": lines,
                "credit": credit,
            }
            _make(spec, towns=towns, clients=clients, actor=back_office_user, expected=Expected())
    return [town, other_town, third, quiet]


def test_a_varied_half_year_settles_alike(world, back_office_user, treasurer_user):
    town, other_town, third, quiet = world
    with transaction.atomic():
        for period in PERIODS:
            _compare(world, period, back_office_user)
        settlements, _audit = _compare(world, Period(2026, 1), back_office_user)
        # The world is what it claims to be.
        assert Decimal(settlements["GM0106"][0]["gross"]) < 0
        assert settlements["GM0202"][0]["gross"] == "0.00"
        assert settlements["GM0014"][0]["fee_percentage"] == "27.50"
        assert any(
            line[0] == "client" and line[3] == "Bakkerij Aa B.V."
            for line in settlements["GM0014"][1]
        )

        # Recomputed over what is there: drafts, a rejected one, a submitted one, an approved
        # one (left alone), with a new document in between.
        h1 = Period(2026, 1)
        rejected = Settlement.objects.get(municipality=other_town, year=2026, half=1)
        settlement_submit(settlement=rejected, actor=back_office_user)
        settlement_reject(settlement=rejected, actor=treasurer_user, reason="Klopt niet")
        submitted = Settlement.objects.get(municipality=third, year=2026, half=1)
        settlement_submit(settlement=submitted, actor=back_office_user)
        approved = Settlement.objects.get(municipality=quiet, year=2026, half=1)
        settlement_submit(settlement=approved, actor=back_office_user)
        settlement_approve(settlement=approved, actor=treasurer_user)
        with pdf_rendering_deferred():
            spec = {
                "client": 0,
                "month": D(2026, 4, 1),
                "days_after_month": 3,
                "lines": [_line("other_town", ["2.00"], "19.99")],
                "credit": None,
            }
            _make(
                spec,
                towns={"other_town": other_town},
                clients=[ClientFactory(name="Molen Mid")],
                actor=back_office_user,
                expected=Expected(),
            )
        settlements, audit = _compare(world, h1, back_office_user)
        assert settlements["GM0106"][0]["status"] == "draft"
        assert settlements["GM0200"][0]["status"] == "submitted"
        assert settlements["GM0202"][0]["status"] == "approved"
        assert len(audit) == 2  # town and other_town recomputed; the others left alone
        outcomes = _new(world, h1, back_office_user)
        assert {pk: o.status for pk, o in outcomes.items()} == {
            town.pk: "computed",
            other_town.pk: "computed",
            third.pk: "skipped",
            quiet.pk: "skipped",
        }
        transaction.set_rollback(True)


def test_a_run_settles_set_based_and_an_unchanged_recompute_rewrites_no_line(
    world, back_office_user, monkeypatch
):
    def one_by_one(**kwargs):
        raise AssertionError("the set-based step failed and fell back")

    monkeypatch.setattr(runs, "settlement_run_municipality", one_by_one)
    h1 = Period(2026, 1)
    run = settlement_run_period(period=h1, actor=back_office_user)
    assert (run.status, run.done, run.total, run.skipped) == ("done", 4, 4, 0)
    assert set(run.items.values_list("status", flat=True)) == {SettlementRunItem.Status.COMPUTED}
    assert Settlement.objects.filter(year=2026, half=1, run=run).count() == 4
    line_ids = sorted(
        SettlementLine.objects.filter(settlement__year=2026, settlement__half=1).values_list(
            "pk", flat=True
        )
    )
    assert len(line_ids) > 4
    again = settlement_run_period(period=h1, actor=back_office_user)
    assert (again.status, again.done) == ("done", 4)
    # Nothing changed: the breakdown rows are the same rows (no delete, no insert).
    assert (
        sorted(
            SettlementLine.objects.filter(settlement__year=2026, settlement__half=1).values_list(
                "pk", flat=True
            )
        )
        == line_ids
    )
