"""Property tests (Hypothesis) of the settlement's arithmetic and of its figures.

(a) Pure: for any G (negative too, and the half-cent cases), P and percentages,
    `settlement_amounts` rounds F, Cm and Co half up (away from zero) to the cent once,
    checked here in integer cents rather than with Decimal's rounding, and
    P + (F - Co) + (Cm + Co) + result = G exactly.
(b) On PostgreSQL: random invoices (lines of two municipalities, sometimes at one client on
    one invoice; hours set back and approved again with other hours before invoicing;
    candidates under 27 without premium) and credit notes (full or some hours, dated in the
    same half-year or a later one), made through the services, across 2025-H2 and 2026-H1
    (credit notes reaching into 2026-H2). Computed through `settlement_compute`, each
    settlement's G and P equal what this test adds up in Python from the documents it
    generated (the amounts it expects, not the stored ones), its breakdown rows add up, and
    every document line lands in exactly one settlement. Each example runs in a savepoint
    rolled back afterwards.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.services import credit_note_create, invoice_draft_create, invoice_finalise
from billing.services.invoices import pdf_rendering_deferred
from placements.models import TimeEntry
from placements.services import time_entries_approve, time_entry_update
from settlements.models import Period, Settlement, SettlementLine
from settlements.services import settlement_amounts, settlement_compute
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    ClientFactory,
    TimeEntryFactory,
)

CENT = Decimal("0.01")
PERIODS = [Period(2025, 2), Period(2026, 1), Period(2026, 2)]
WORK_MONTHS = [datetime.date(2025, month, 1) for month in range(7, 13)] + [
    datetime.date(2026, month, 1) for month in range(1, 5)
]
PREMIUM_PER_HOUR = Decimal("2.00")


# --- (a) the amounts -------------------------------------------------------------------------


def _cents(value: Decimal) -> int:
    return int(value * 100)


def _percent_in_cents(gross: Decimal, percentage: Decimal) -> Decimal:
    """gross x percentage / 100 to the cent, half away from zero, in integers: gross in cents
    times the percentage in hundredths is the amount in 1/10000 cents."""
    exact = _cents(gross) * int(percentage * 100)
    whole, rest = divmod(abs(exact), 10_000)
    if 2 * rest >= 10_000:
        whole += 1
    return Decimal(whole if exact >= 0 else -whole) / 100


money = st.decimals(
    min_value=Decimal("-999999999.99"),
    max_value=Decimal("999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
# Amounts whose 1% or 30% ends in exactly half a cent: 0.50 x 1% = 0.005, 0.05 x 30% = 0.015.
half_cent_prone = st.integers(-(10**8), 10**8).map(
    lambda n: Decimal(n) + Decimal("0.50") if n % 2 else Decimal(n) + Decimal("0.05")
)
percentage = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@given(
    gross=st.one_of(money, half_cent_prone),
    premiums=money,
    fee=st.one_of(st.just(Decimal("30.00")), percentage),
    municipality_part=st.one_of(st.just(Decimal("1.00")), percentage),
    operator_part=st.one_of(st.just(Decimal("1.00")), percentage),
)
@settings(max_examples=400, deadline=None, database=None)
def test_the_parts_add_up_to_gross_to_the_cent(
    gross, premiums, fee, municipality_part, operator_part
):
    terms = {
        "fee_percentage": fee,
        "contribution_municipality_percentage": municipality_part,
        "contribution_operator_percentage": operator_part,
    }
    amounts = settlement_amounts(gross=gross, premiums=premiums, terms=terms)

    f = amounts["fee"]
    cm = amounts["contribution_municipality"]
    co = amounts["contribution_operator"]
    result = amounts["result"]
    assert premiums + (f - co) + (cm + co) + result == gross
    assert result == gross - premiums - f - cm
    assert f == _percent_in_cents(gross, fee)
    assert cm == _percent_in_cents(gross, municipality_part)
    assert co == _percent_in_cents(gross, operator_part)
    for value in (f, cm, co, result):
        assert value == value.quantize(CENT)
    assert amounts["gross"] == gross and amounts["premiums"] == premiums


@pytest.mark.parametrize(
    ("gross", "fee", "cm", "co"),
    [
        (Decimal("0.50"), Decimal("0.15"), Decimal("0.01"), Decimal("0.01")),
        (Decimal("-0.50"), Decimal("-0.15"), Decimal("-0.01"), Decimal("-0.01")),
        (Decimal("0.05"), Decimal("0.02"), Decimal("0.00"), Decimal("0.00")),
        (Decimal("-0.05"), Decimal("-0.02"), Decimal("0.00"), Decimal("0.00")),
        (Decimal("1234.50"), Decimal("370.35"), Decimal("12.35"), Decimal("12.35")),
    ],
)
def test_half_cents_round_away_from_zero(gross, fee, cm, co):
    terms = {
        "fee_percentage": Decimal("30.00"),
        "contribution_municipality_percentage": Decimal("1.00"),
        "contribution_operator_percentage": Decimal("1.00"),
    }
    amounts = settlement_amounts(gross=gross, premiums=Decimal("0"), terms=terms)
    assert (amounts["fee"], amounts["contribution_municipality"]) == (fee, cm)
    assert amounts["contribution_operator"] == co


# --- (b) the figures from random documents -----------------------------------------------------

hours = st.decimals(min_value=Decimal("0.25"), max_value=Decimal("12.00"), places=2)
line = st.fixed_dictionaries(
    {
        "town": st.sampled_from(["town", "other_town"]),
        "hours": st.lists(hours, min_size=1, max_size=3),
        "rate": st.decimals(min_value=Decimal("14.71"), max_value=Decimal("45.00"), places=2),
        "young": st.booleans(),  # under 27 without the wage-cost-subsidy flag: no premium
        "reapprove_with": st.one_of(st.none(), hours),  # first entry set back, other hours
    }
)
credit = st.fixed_dictionaries(
    {
        "days_later": st.integers(0, 150),
        "entries": st.one_of(st.none(), st.lists(st.booleans(), min_size=3, max_size=3)),
    }
)
invoice = st.fixed_dictionaries(
    {
        "client": st.integers(0, 1),
        "month": st.sampled_from(WORK_MONTHS),
        "days_after_month": st.integers(1, 45),
        "lines": st.lists(line, min_size=1, max_size=3),
        "credit": st.one_of(st.none(), credit),
    }
)
documents = st.lists(invoice, min_size=1, max_size=3, unique_by=lambda d: (d["client"], d["month"]))


def _month_end(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
        days=1
    )


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Expected:
    """What each (municipality, half-year) should come to, added up from the specs."""

    def __init__(self):
        self.gross = defaultdict(Decimal)
        self.premiums = defaultdict(Decimal)
        self.hours = defaultdict(Decimal)
        self.invoice_lines = 0
        self.credit_lines = 0

    def add(self, town_id, day, *, gross, premiums, hours):
        key = (town_id, Period.containing(day))
        self.gross[key] += gross
        self.premiums[key] += premiums
        self.hours[key] += hours


def _make(spec, *, towns, clients, actor, expected: Expected) -> None:
    """One invoice of the spec through the services, its credit note if any."""
    month = spec["month"]
    invoice_date = _month_end(month) + datetime.timedelta(days=spec["days_after_month"])
    client = clients[spec["client"]]
    planned = []  # (town id, rate, [(entry, hours)], earns premium)
    for item in spec["lines"]:
        town = towns[item["town"]]
        birth = datetime.date(2003, 1, 1) if item["young"] else datetime.date(1980, 1, 1)
        assignment = AssignmentFactory(
            candidate=CandidateFactory(municipality=town, birth_date=birth),
            client=client,
            active=True,
            start_date=month,
            end_date=_month_end(month),
            hourly_rate=item["rate"],
        )
        entries = [
            TimeEntryFactory(
                assignment=assignment,
                work_date=month + datetime.timedelta(days=i),
                hours=h,
                status=TimeEntry.Status.ENTERED,
            )
            for i, h in enumerate(item["hours"])
        ]
        time_entries_approve(entries=entries, actor=actor)
        final_hours = list(item["hours"])
        if item["reapprove_with"] is not None:
            # Set back (the accrual reversed) and approved again with other hours.
            time_entry_update(entry=entries[0], actor=actor, hours=item["reapprove_with"])
            time_entries_approve(entries=entries[:1], actor=actor)
            final_hours[0] = item["reapprove_with"]
        earns = not item["young"]
        planned.append((town.pk, item["rate"], list(zip(entries, final_hours, strict=True)), earns))

    draft = invoice_draft_create(client=client, month=month, actor=actor)
    issued = invoice_finalise(invoice=draft, actor=actor, invoice_date=invoice_date)
    for town_id, rate, entries, earns in planned:
        line_hours = sum((h for _e, h in entries), Decimal("0"))
        premium = sum((_round(h * PREMIUM_PER_HOUR) for _e, h in entries), Decimal("0"))
        expected.add(
            town_id,
            invoice_date,
            gross=_round(line_hours * rate),
            premiums=premium if earns else Decimal("0"),
            hours=line_hours,
        )
        expected.invoice_lines += 1

    if spec["credit"] is None:
        return
    credit_date = invoice_date + datetime.timedelta(days=spec["credit"]["days_later"])
    picks = spec["credit"]["entries"]
    chosen = {}  # line index -> [(entry, hours)]
    for index, (_town, _rate, entries, _earns) in enumerate(planned):
        taken = [
            (entry, h)
            for n, (entry, h) in enumerate(entries)
            if picks is None or picks[(index + n) % len(picks)]
        ]
        if taken:
            chosen[index] = taken
    if not chosen:
        return
    credit_note_create(
        invoice=issued,
        actor=actor,
        reason="Correctie",
        credit_date=credit_date,
        time_entries=[entry for taken in chosen.values() for entry, _h in taken],
    )
    for index, taken in chosen.items():
        town_id, rate, entries, earns = planned[index]
        all_hours = sum((h for _e, h in entries), Decimal("0"))
        credited_hours = sum((h for _e, h in taken), Decimal("0"))
        # The whole line: its amount; some of its hours: those hours x the rate.
        amount = _round((all_hours if len(taken) == len(entries) else credited_hours) * rate)
        premium = sum((_round(h * PREMIUM_PER_HOUR) for _e, h in taken), Decimal("0"))
        expected.add(
            town_id,
            credit_date,
            gross=-amount,
            premiums=-premium if earns else Decimal("0"),
            hours=-credited_hours,
        )
        expected.credit_lines += 1


@pytest.mark.django_db
@given(specs=documents)
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_document_lands_in_one_settlement_that_adds_up(
    specs, town, other_town, back_office_user
):
    towns = {"town": town, "other_town": other_town}
    with transaction.atomic():
        clients = [ClientFactory(), ClientFactory()]
        expected = Expected()
        with pdf_rendering_deferred():
            for spec in specs:
                _make(spec, towns=towns, clients=clients, actor=back_office_user, expected=expected)

        settlements = [
            settlement_compute(municipality=municipality, period=period, actor=None)[0]
            for municipality in towns.values()
            for period in PERIODS
        ]
        for settlement in settlements:
            key = (settlement.municipality_id, settlement.period)
            assert settlement.gross == expected.gross[key], key
            assert settlement.premiums == expected.premiums[key], key
            assert settlement.hours == expected.hours[key], key
            assert (
                settlement.premiums
                + (settlement.fee - settlement.contribution_operator)
                + (settlement.contribution_municipality + settlement.contribution_operator)
                + settlement.result
                == settlement.gross
            )
            for kind in SettlementLine.Kind.values:
                rows = settlement.lines.filter(kind=kind)
                assert sum((r.gross for r in rows), Decimal("0")) == settlement.gross
                assert sum((r.premiums for r in rows), Decimal("0")) == settlement.premiums
                assert sum((r.hours for r in rows), Decimal("0")) == settlement.hours
        # Each invoice line and credit note line is counted by exactly one settlement.
        assert sum(s.invoice_line_count for s in settlements) == expected.invoice_lines
        assert sum(s.credit_line_count for s in settlements) == expected.credit_lines
        assert Settlement.objects.count() == len(towns) * len(PERIODS)
        transaction.set_rollback(True)
