"""The percentages of a half-year are those in force on its first day, and a percentage (the
operator fee, the contribution and its split) changes only on 1 January or 1 July: no
framework version or execution contract can make one half-year carry two."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from members.models import Contract, Framework
from members.services import contract_save, framework_save
from settlements.models import Period
from settlements.services import settlement_compute
from tests.settlements.test_settlements_compute import invoiced

D = Decimal
H1 = Period(2026, 1)
H2 = Period(2026, 2)


def _version(valid_from: datetime.date, **changes) -> Framework:
    """A copy of the general version in force on 1 January 2026, from `valid_from`."""
    base = Framework.objects.get(
        scope=Framework.Scope.GENERAL, valid_from=datetime.date(2026, 1, 1)
    )
    base.pk = None
    base.valid_from = valid_from
    base.decision_reference = "ALV-besluit"
    for field, value in changes.items():
        setattr(base, field, value)
    return base


def _execution_contract(start, end=None, fee="25.00") -> Contract:
    return Contract(
        kind=Contract.Kind.EXECUTION,
        reference=f"UC-{start:%Y%m%d}",
        start_date=start,
        end_date=end,
        operator_fee_percentage=D(fee),
    )


@pytest.mark.parametrize(
    "change",
    [
        {"operator_fee_percentage": D("25.00")},
        {"contribution_percentage": D("3.00"), "contribution_operator_percentage": D("1.50")},
        {"contribution_operator_percentage": D("0.50")},
    ],
)
def test_a_percentage_change_on_1_april_is_refused(framework, back_office_user, change):
    version = _version(datetime.date(2027, 4, 1), **change)
    with pytest.raises(ValidationError) as error:
        framework_save(framework=version, actor=back_office_user, today=datetime.date(2027, 2, 1))
    message = error.value.message_dict["valid_from"][0]
    assert "only on 1 January or 1 July" in message
    assert "01-07-2027" in message  # the first date that would do
    assert not Framework.objects.filter(valid_from=datetime.date(2027, 4, 1)).exists()


def test_a_minimum_rate_change_on_1_april_is_accepted(framework, back_office_user):
    version = _version(datetime.date(2027, 4, 1), client_hourly_rate_min=D("15.10"))
    framework_save(framework=version, actor=back_office_user, today=datetime.date(2027, 2, 1))
    assert Framework.objects.filter(valid_from=datetime.date(2027, 4, 1)).exists()


def test_a_version_before_one_that_starts_mid_half_year_may_not_change_the_percentages(
    framework, back_office_user
):
    today = datetime.date(2026, 12, 1)
    framework_save(
        framework=_version(datetime.date(2027, 4, 1), client_hourly_rate_min=D("15.10")),
        actor=back_office_user,
        today=today,
    )
    earlier = _version(datetime.date(2027, 1, 1), operator_fee_percentage=D("25.00"))
    with pytest.raises(ValidationError) as error:
        framework_save(framework=earlier, actor=back_office_user, today=today)
    assert "01-04-2027" in error.value.message_dict["valid_from"][0]


def test_a_fee_change_on_1_july_applies_to_the_second_half_year_only(
    framework, town, back_office_user
):
    invoiced(town, rate="20.00", hours=["10.00"], invoice_date=datetime.date(2026, 4, 2))
    invoiced(town, rate="20.00", hours=["10.00"], invoice_date=datetime.date(2026, 8, 3))
    framework_save(
        framework=_version(datetime.date(2026, 7, 1), operator_fee_percentage=D("25.00")),
        actor=back_office_user,
        today=datetime.date(2026, 5, 1),
    )

    first, _ = settlement_compute(municipality=town, period=H1, actor=back_office_user)
    second, _ = settlement_compute(municipality=town, period=H2, actor=back_office_user)

    assert (first.terms_date, first.fee_percentage, first.fee) == (
        datetime.date(2026, 1, 1),
        D("30.00"),
        D("60.00"),
    )
    assert (second.terms_date, second.fee_percentage, second.fee) == (
        datetime.date(2026, 7, 1),
        D("25.00"),
        D("50.00"),
    )


def test_a_later_change_leaves_an_existing_settlement_as_it_was(framework, town, back_office_user):
    invoiced(town, rate="17.35", hours=["7.75", "8.00"])
    before, _ = settlement_compute(municipality=town, period=H1, actor=back_office_user)
    framework_save(
        framework=_version(datetime.date(2027, 1, 1), operator_fee_percentage=D("25.00")),
        actor=back_office_user,
        today=datetime.date(2026, 12, 1),
    )
    after, recomputed = settlement_compute(municipality=town, period=H1, actor=back_office_user)
    assert recomputed
    fields = ["gross", "premiums", "fee", "contribution_municipality", "result", "fee_percentage"]
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
    assert after.terms_date == datetime.date(2026, 1, 1)


def test_an_execution_contract_changes_the_fee_only_from_a_half_year(framework, back_office_user):
    with pytest.raises(ValidationError) as error:
        contract_save(
            contract=_execution_contract(datetime.date(2026, 4, 1)), actor=back_office_user
        )
    assert "start_date" in error.value.message_dict

    contract = contract_save(
        contract=_execution_contract(datetime.date(2026, 7, 1)), actor=back_office_user
    )
    assert contract.pk is not None
    # The framework's own fee (30%) holds for the half-year before: a change on 1 July.


def test_an_execution_contract_ends_with_a_half_year_when_the_fee_then_changes(
    framework, back_office_user
):
    with pytest.raises(ValidationError) as error:
        contract_save(
            contract=_execution_contract(datetime.date(2026, 7, 1), end=datetime.date(2027, 3, 31)),
            actor=back_office_user,
        )
    assert "01-04-2027" in error.value.message_dict["end_date"][0]
    contract_save(
        contract=_execution_contract(datetime.date(2026, 7, 1), end=datetime.date(2027, 6, 30)),
        actor=back_office_user,
    )


def test_an_execution_contract_at_the_framework_fee_may_start_any_day(framework, back_office_user):
    contract = _execution_contract(datetime.date(2026, 4, 1), fee="30.00")
    assert contract_save(contract=contract, actor=back_office_user).pk is not None


def test_the_admin_names_the_rule_on_the_start_date(framework, superuser_client):
    """Only a superuser sets the fee by hand (otherwise it follows a members' decision)."""
    version = _version(datetime.date(2027, 4, 1))
    response = superuser_client.post(
        "/admin/members/framework/add/",
        {
            "scope": "general",
            "valid_from": "01-04-2027",
            "decision_reference": "ALV-besluit",
            "client_hourly_rate_min": str(version.client_hourly_rate_min),
            "premium_per_hour": "2.00",
            "payout_moments": "06-30,12-31",
            "operator_fee_percentage": "25.00",
            "contribution_percentage": "2.00",
            "contribution_operator_percentage": "1.00",
            "vat_percentage": "21.00",
            "long_after_weeks": "26",
            "large_hours_per_week": "32.00",
            "large_concurrent_candidates": "10",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    # The admin speaks Dutch.
    assert "wijzigen alleen per 1 januari of 1 juli" in errors["valid_from"][0]
    assert "Kies 01-07-2027" in errors["valid_from"][0]
