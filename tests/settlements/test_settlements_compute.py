"""The settlement's figures on the real PostgreSQL: the formulas to the cent (half-cent
cases included), premiums on the invoiced hours, a credit note landing in a later half-year,
recomputing drafts only, the life cycle with four eyes, and the trigger that keeps an
approved settlement as it is."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from accounts.roles import Role
from billing.services import credit_note_create, invoice_draft_create, invoice_finalise
from members.models import Contract
from premiums.services import premium_accrue_for_entries
from settlements.models import Period, Settlement, SettlementLine
from settlements.services import (
    settlement_amounts,
    settlement_approve,
    settlement_compute,
    settlement_reject,
    settlement_submit,
)
from tests.billing.factories import approved_hours
from tests.placements.factories import (
    AssignmentFactory,
    ClientFactory,
    PlacementsMunicipalityFactory,
    PlacementsUserFactory,
    general_framework,
)

H1 = Period(2026, 1)
H2 = Period(2026, 2)
D = Decimal


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
def back_office(db):
    return PlacementsUserFactory(role=Role.BACK_OFFICE, is_staff=True)


@pytest.fixture
def treasurer(db):
    return PlacementsUserFactory(role=Role.TREASURER)


def invoiced(town, *, rate: str, hours: list[str], invoice_date=datetime.date(2026, 4, 2)):
    """A client whose candidate of `town` worked `hours` on March days at `rate`, with the
    premium accrued, invoiced and issued on `invoice_date`. Returns the invoice."""
    client = ClientFactory()
    assignment = AssignmentFactory(
        active=True, client=client, candidate__municipality=town, hourly_rate=D(rate)
    )
    entries = approved_hours(
        assignment, *[(datetime.date(2026, 3, 2 + i), h) for i, h in enumerate(hours)]
    )
    with transaction.atomic():
        premium_accrue_for_entries(entry_ids=[e.pk for e in entries], actor=None)
    draft = invoice_draft_create(client=client, month=datetime.date(2026, 3, 1), actor=None)
    return invoice_finalise(invoice=draft, actor=None, invoice_date=invoice_date)


def figures(settlement):
    return {
        "G": settlement.gross,
        "P": settlement.premiums,
        "F": settlement.fee,
        "Cm": settlement.contribution_municipality,
        "Co": settlement.contribution_operator,
        "result": settlement.result,
    }


def test_formulas_with_half_cents(framework, town):
    # 5 h x 20.10 = 100.50: F = 30% = 30.15; Cm = Co = 1% of 100.50 = 1.005 -> 1.01 (half up);
    # P = 5 h x 2.00 = 10.00; result = 100.50 - 10.00 - 30.15 - 1.01 = 59.34.
    invoiced(town, rate="20.10", hours=["5.00"])
    settlement, computed = settlement_compute(municipality=town, period=H1)
    assert computed
    assert figures(settlement) == {
        "G": D("100.50"),
        "P": D("10.00"),
        "F": D("30.15"),
        "Cm": D("1.01"),
        "Co": D("1.01"),
        "result": D("59.34"),
    }
    assert settlement.operator_receives == D("29.14")
    assert settlement.nvsi_receives == D("2.02")
    assert (
        settlement.premiums
        + settlement.operator_receives
        + settlement.nvsi_receives
        + settlement.result
        == settlement.gross
    )
    assert settlement.fee_percentage == D("30.00")
    assert settlement.terms_date == datetime.date(2026, 1, 1)  # the half-year's first day


def test_fee_rounds_half_up_once_on_the_total_not_per_line(framework, town):
    # 3 invoices of 33.35 = 100.05 -> F = 30.015 -> 30.02; rounded per invoice it would be
    # 10.005 -> 10.01, three times 30.03.
    for _ in range(3):
        invoiced(town, rate="33.35", hours=["1.00"])
    settlement, _computed = settlement_compute(municipality=town, period=H1)
    assert settlement.gross == D("100.05")
    assert settlement.fee == D("30.02")
    assert settlement.contribution_municipality == D("1.00")  # 1.0005 -> 1.00


def test_premiums_are_those_on_the_invoiced_hours(framework, town):
    invoiced(town, rate="16.50", hours=["8.00", "4.25"])  # premium 12.25 h x 2.00 = 24.50
    settlement, _computed = settlement_compute(municipality=town, period=H1)
    assert settlement.premiums == D("24.50")
    assert settlement.hours == D("12.25")
    assert settlement.gross == D("202.13")  # 12.25 x 16.50 = 202.125 -> 202.13


def test_the_operator_fee_of_the_execution_contract_wins(framework, town):
    Contract.objects.create(
        kind=Contract.Kind.EXECUTION,
        reference="UC-2026",
        start_date=datetime.date(2026, 1, 1),
        operator_fee_percentage=D("25.00"),
    )
    invoiced(town, rate="20.00", hours=["10.00"])
    settlement, _computed = settlement_compute(municipality=town, period=H1)
    assert settlement.fee_percentage == D("25.00")
    assert settlement.fee == D("50.00")


def test_a_credit_note_dated_in_a_later_half_year_lands_there(framework, town):
    invoice = invoiced(town, rate="20.10", hours=["5.00"])
    credit_note_create(
        invoice=invoice,
        actor=None,
        reason="Dubbel gefactureerd",
        credit_date=datetime.date(2026, 7, 10),
    )
    first, _ = settlement_compute(municipality=town, period=H1)
    later, _ = settlement_compute(municipality=town, period=H2)
    assert first.gross == D("100.50")
    assert figures(later) == {
        "G": D("-100.50"),
        "P": D("-10.00"),
        "F": D("-30.15"),
        "Cm": D("-1.01"),
        "Co": D("-1.01"),
        "result": D("-59.34"),
    }
    assert later.municipality_owes
    assert (first.invoice_line_count, first.credit_line_count) == (1, 0)
    assert (later.invoice_line_count, later.credit_line_count) == (0, 1)
    july = later.lines.get(kind=SettlementLine.Kind.MONTH)
    assert (july.month, july.gross, july.premiums) == (
        datetime.date(2026, 7, 1),
        D("-100.50"),
        D("-10.00"),
    )


def test_breakdown_by_month_and_client_adds_up(framework, town):
    invoiced(town, rate="20.00", hours=["2.00"], invoice_date=datetime.date(2026, 4, 2))
    invoiced(town, rate="30.00", hours=["1.00"], invoice_date=datetime.date(2026, 5, 4))
    settlement, _ = settlement_compute(municipality=town, period=H1)
    months = {line.month: line.gross for line in settlement.lines.filter(kind="month")}
    assert months == {datetime.date(2026, 4, 1): D("40.00"), datetime.date(2026, 5, 1): D("30.00")}
    clients = list(settlement.lines.filter(kind="client").values_list("gross", flat=True))
    assert sorted(clients) == [D("30.00"), D("40.00")]
    assert settlement.gross == sum(months.values()) == sum(clients)


def test_other_municipalities_and_half_years_are_not_counted(framework, town):
    neighbour = PlacementsMunicipalityFactory(name="Assen", cbs_code="GM0106")
    invoiced(neighbour, rate="20.00", hours=["2.00"])
    invoiced(town, rate="20.00", hours=["1.00"], invoice_date=datetime.date(2026, 7, 1))
    settlement, _ = settlement_compute(municipality=town, period=H1)
    assert settlement.gross == D("0.00")
    assert settlement.lines.count() == 0


def test_recompute_updates_a_draft_and_leaves_a_submitted_one(framework, town, back_office):
    invoiced(town, rate="20.00", hours=["1.00"])
    settlement, _ = settlement_compute(municipality=town, period=H1)
    invoiced(town, rate="20.00", hours=["2.00"])
    again, computed = settlement_compute(municipality=town, period=H1)
    assert computed and again.pk == settlement.pk and again.gross == D("60.00")
    assert Settlement.objects.count() == 1

    settlement_submit(settlement=again, actor=back_office)
    invoiced(town, rate="20.00", hours=["3.00"])
    unchanged, computed = settlement_compute(municipality=town, period=H1)
    assert not computed
    unchanged.refresh_from_db()
    assert unchanged.gross == D("60.00") and unchanged.status == Settlement.Status.SUBMITTED


def test_life_cycle_and_four_eyes(framework, town, back_office, treasurer):
    invoiced(town, rate="20.00", hours=["1.00"])
    settlement, _ = settlement_compute(municipality=town, period=H1)
    with pytest.raises(PermissionDenied):
        settlement_submit(settlement=settlement, actor=treasurer)
    with pytest.raises(ValidationError):
        settlement_approve(settlement=settlement, actor=treasurer)  # still a draft

    # One person with both roles submits: they may not decide on it.
    both = PlacementsUserFactory(role=Role.BACK_OFFICE, is_staff=True)
    both.groups.add(treasurer.groups.get())
    both = type(both).objects.get(pk=both.pk)
    settlement_submit(settlement=settlement, actor=both)
    with pytest.raises(PermissionDenied, match="You submitted this settlement"):
        settlement_approve(settlement=settlement, actor=both)
    with pytest.raises(PermissionDenied):
        settlement_reject(settlement=settlement, actor=both, reason="Nee")
    with pytest.raises(PermissionDenied):
        settlement_approve(settlement=settlement, actor=back_office)

    with pytest.raises(ValidationError):
        settlement_reject(settlement=settlement, actor=treasurer, reason="  ")
    rejected = settlement_reject(settlement=settlement, actor=treasurer, reason="Klant ontbreekt")
    assert rejected.status == Settlement.Status.REJECTED
    redone, computed = settlement_compute(municipality=town, period=H1)
    assert computed and redone.status == Settlement.Status.DRAFT

    settlement_submit(settlement=redone, actor=back_office)
    approved = settlement_approve(settlement=redone, actor=treasurer)
    assert approved.status == Settlement.Status.APPROVED
    assert len(approved.fingerprint) == 64
    assert (
        settlement_approve(settlement=approved, actor=treasurer).decided_at == approved.decided_at
    )
    _again, computed = settlement_compute(municipality=town, period=H1)
    assert not computed


def test_the_database_refuses_the_submitter_as_approver(framework, town, back_office):
    invoiced(town, rate="20.00", hours=["1.00"])
    settlement, _ = settlement_compute(municipality=town, period=H1)
    settlement_submit(settlement=settlement, actor=back_office)
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.filter(pk=settlement.pk).update(
            status="rejected", decided_by=back_office, rejection_reason="x"
        )


def test_the_trigger_refuses_changes_to_an_approved_settlement(
    framework, town, back_office, treasurer
):
    invoiced(town, rate="20.00", hours=["1.00"])
    settlement, _ = settlement_compute(municipality=town, period=H1)
    settlement_submit(settlement=settlement, actor=back_office)
    settlement_approve(settlement=settlement, actor=treasurer)
    with (
        pytest.raises(IntegrityError, match="never changes"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE settlements_settlement SET result = result + 1, premiums = premiums - 1"
            " WHERE id = %s",
            [settlement.pk],
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.filter(pk=settlement.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementLine.objects.filter(settlement=settlement).update(gross=0)
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.APPROVED and settlement.gross == D("20.00")


def test_the_database_refuses_figures_that_do_not_add_up(framework, town):
    settlement, _ = settlement_compute(municipality=town, period=H1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.filter(pk=settlement.pk).update(result=D("0.01"))


@pytest.mark.parametrize(
    ("gross", "premiums", "fee", "cm", "result"),
    [
        ("100.50", "10.00", "30.15", "1.01", "59.34"),
        ("0.05", "0.00", "0.02", "0.00", "0.03"),  # 0.015 -> 0.02
        ("-0.05", "0.00", "-0.02", "0.00", "-0.03"),
        ("1234567.89", "50000.00", "370370.37", "12345.68", "801851.84"),
    ],
)
def test_settlement_amounts(gross, premiums, fee, cm, result):
    terms = {
        "fee_percentage": D("30.00"),
        "contribution_municipality_percentage": D("1.00"),
        "contribution_operator_percentage": D("1.00"),
    }
    amounts = settlement_amounts(gross=D(gross), premiums=D(premiums), terms=terms)
    assert (amounts["fee"], amounts["contribution_municipality"], amounts["result"]) == (
        D(fee),
        D(cm),
        D(result),
    )
    assert amounts["contribution_operator"] == amounts["contribution_municipality"]


def test_period_parsing():
    assert Period.parse("2026-h2") == H2
    assert (H1.start, H1.end, H2.start, H2.end) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 6, 30),
        datetime.date(2026, 7, 1),
        datetime.date(2026, 12, 31),
    )
    assert Period.containing(datetime.date(2026, 7, 1)) == H2
    assert H1.previous == Period(2025, 2)
    with pytest.raises(ValueError, match="2026-H1"):
        Period.parse("2026-3")
