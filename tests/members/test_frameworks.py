"""Frameworks: effective dating, the premium cap table, local versions, history, precedence."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.models import Framework
from members.selectors import FrameworkNotInForce, framework_in_force
from members.services import framework_delete, framework_save
from tests.factories import ContractFactory, FrameworkFactory, PremiumCapFactory

D = datetime.date

pytestmark = pytest.mark.django_db


@pytest.fixture
def premium_caps(db):
    return PremiumCapFactory.create_table()


@pytest.fixture
def general_versions(premium_caps):
    """The minimum client rate follows the statutory minimum wage, indexed twice a year."""
    return [
        FrameworkFactory(valid_from=D(2025, 1, 1), client_hourly_rate_min=Decimal("14.06")),
        FrameworkFactory(valid_from=D(2025, 7, 1), client_hourly_rate_min=Decimal("14.40")),
        FrameworkFactory(valid_from=D(2026, 1, 1), client_hourly_rate_min=Decimal("14.71")),
    ]


def _local(municipality, **values) -> Framework:
    return Framework(
        scope=Framework.Scope.LOCAL,
        municipality=municipality,
        valid_from=values.pop("valid_from", D(2026, 1, 1)),
        **values,
    )


# --- Effective dating -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "rate"),
    [
        (D(2025, 1, 1), "14.06"),
        (D(2025, 6, 30), "14.06"),
        (D(2025, 7, 1), "14.40"),
        (D(2025, 12, 31), "14.40"),
        (D(2026, 1, 1), "14.71"),
        (D(2030, 5, 1), "14.71"),
    ],
)
def test_general_version_in_force_on_date(general_versions, municipality, on, rate):
    terms = framework_in_force(municipality=municipality, on=on)
    assert terms.client_hourly_rate_min == Decimal(rate)
    assert terms.general.valid_from <= on
    assert terms.source_of("client_hourly_rate_min") == "general"


def test_general_version_carries_the_real_figures(general_versions):
    terms = framework_in_force(municipality=None, on=D(2026, 3, 1))
    assert terms.client_hourly_rate_min == Decimal("14.71")
    assert terms.premium_per_hour == Decimal("2.00")
    assert terms.payout_moments == ("06-30", "12-31")
    assert terms.operator_fee_percentage == Decimal("30.00")
    assert terms.contribution_percentage == Decimal("2.00")
    assert terms.contribution_operator_percentage == Decimal("1.00")
    assert terms.contribution_municipality_percentage == Decimal("1.00")
    assert terms.vat_percentage == Decimal("21.00")
    assert (terms.long_after_weeks, terms.large_hours_per_week) == (26, Decimal("32.00"))
    assert terms.large_concurrent_candidates == 10


def test_no_general_framework_in_force(general_versions, municipality):
    with pytest.raises(FrameworkNotInForce):
        framework_in_force(municipality=municipality, on=D(2024, 12, 31))


def test_no_framework_at_all(premium_caps, municipality):
    with pytest.raises(FrameworkNotInForce):
        framework_in_force(municipality=municipality, on=D(2026, 1, 1))


# --- Premium cap ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "cap"),
    [
        (D(2019, 1, 1), "2500"),
        (D(2019, 7, 1), "2517"),
        (D(2024, 6, 30), "3151"),
        (D(2024, 7, 1), "3209"),
        (D(2025, 6, 30), "3263"),
        (D(2025, 7, 1), "3326"),
        (D(2025, 12, 31), "3326"),
        (D(2026, 1, 1), "3398"),
        (D(2026, 11, 30), "3398"),
    ],
)
def test_premium_cap_in_force_on_date(premium_caps, on, cap):
    FrameworkFactory(valid_from=D(2019, 1, 1))
    terms = framework_in_force(municipality=None, on=on)
    assert terms.annual_premium_cap == Decimal(cap)


def test_no_premium_cap_in_force(premium_caps):
    FrameworkFactory(valid_from=D(2018, 1, 1))
    with pytest.raises(FrameworkNotInForce):
        framework_in_force(municipality=None, on=D(2018, 12, 31))


# --- Local versions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_hourly_rate_min", Decimal("14.70")),  # below the minimum wage
        ("premium_per_hour", Decimal("1.99")),
        ("long_after_weeks", 27),  # a longer assignment before it counts as "long"
        ("large_hours_per_week", Decimal("32.01")),
        ("large_concurrent_candidates", 11),
    ],
)
def test_local_value_less_strict_refused_on_that_field(
    general_versions, municipality, back_office, field, value
):
    local = _local(municipality, **{field: value})
    with pytest.raises(ValidationError) as error:
        framework_save(framework=local, actor=back_office, today=D(2025, 12, 1))
    assert list(error.value.message_dict) == [field]
    assert not Framework.objects.filter(scope=Framework.Scope.LOCAL).exists()


def test_local_value_checked_against_general_in_force_on_its_own_date(
    general_versions, municipality, back_office
):
    # 14.50 was stricter than the 14.40 of July 2025, but is below the 14.71 of 2026.
    framework_save(
        framework=_local(
            municipality, valid_from=D(2025, 7, 1), client_hourly_rate_min=Decimal("14.50")
        ),
        actor=back_office,
        today=D(2025, 6, 1),
    )
    with pytest.raises(ValidationError) as error:
        framework_save(
            framework=_local(
                municipality, valid_from=D(2026, 1, 1), client_hourly_rate_min=Decimal("14.50")
            ),
            actor=back_office,
            today=D(2025, 6, 1),
        )
    assert "client_hourly_rate_min" in error.value.message_dict


def test_local_without_general_in_force_refused(general_versions, municipality, back_office):
    with pytest.raises(ValidationError) as error:
        framework_save(
            framework=_local(
                municipality, valid_from=D(2024, 6, 1), client_hourly_rate_min=Decimal("20.00")
            ),
            actor=back_office,
            today=D(2024, 1, 1),
        )
    assert list(error.value.message_dict) == ["valid_from"]


def test_local_stricter_accepted_and_in_force(
    general_versions, municipality, other_municipality, back_office
):
    framework_save(
        framework=_local(
            municipality,
            client_hourly_rate_min=Decimal("15.25"),
            premium_per_hour=Decimal("2.50"),
            long_after_weeks=13,
            large_hours_per_week=Decimal("24.00"),
            large_concurrent_candidates=5,
            payout_moments=["12-31"],
        ),
        actor=back_office,
        today=D(2025, 12, 1),
    )
    terms = framework_in_force(municipality=municipality, on=D(2026, 2, 1))
    assert terms.client_hourly_rate_min == Decimal("15.25")
    assert terms.premium_per_hour == Decimal("2.50")
    assert terms.long_after_weeks == 13
    assert terms.large_hours_per_week == Decimal("24.00")
    assert terms.large_concurrent_candidates == 5
    assert terms.payout_moments == ("12-31",)
    assert terms.source_of("client_hourly_rate_min") == "local"
    # Fee, contribution and VAT are NVSI-wide.
    assert terms.vat_percentage == Decimal("21.00")
    assert terms.source_of("vat_percentage") == "general"

    # The day before it starts, and for another municipality, the general values apply.
    before = framework_in_force(municipality=municipality, on=D(2025, 12, 31))
    assert before.client_hourly_rate_min == Decimal("14.40")
    assert before.local is None
    other = framework_in_force(municipality=other_municipality, on=D(2026, 2, 1))
    assert other.client_hourly_rate_min == Decimal("14.71")
    assert other.payout_moments == ("06-30", "12-31")


def test_local_equal_to_general_accepted(general_versions, municipality, back_office):
    framework_save(
        framework=_local(
            municipality, client_hourly_rate_min=Decimal("14.71"), long_after_weeks=26
        ),
        actor=back_office,
        today=D(2025, 12, 1),
    )
    assert Framework.objects.filter(scope=Framework.Scope.LOCAL).count() == 1


def test_later_general_version_overtakes_local_value(general_versions, municipality, back_office):
    framework_save(
        framework=_local(
            municipality, valid_from=D(2025, 7, 1), client_hourly_rate_min=Decimal("14.50")
        ),
        actor=back_office,
        today=D(2025, 6, 1),
    )
    in_2025 = framework_in_force(municipality=municipality, on=D(2025, 12, 31))
    assert in_2025.client_hourly_rate_min == Decimal("14.50")
    assert in_2025.source_of("client_hourly_rate_min") == "local"

    # The minimum wage rose to 14.71: the stricter general value wins.
    in_2026 = framework_in_force(municipality=municipality, on=D(2026, 1, 1))
    assert in_2026.client_hourly_rate_min == Decimal("14.71")
    assert in_2026.source_of("client_hourly_rate_min") == "general"


def test_duplicate_payout_moment_refused(general_versions, municipality, back_office):
    with pytest.raises(ValidationError) as error:
        framework_save(
            framework=_local(municipality, payout_moments=["06-30", "06-30"]),
            actor=back_office,
            today=D(2025, 12, 1),
        )
    assert list(error.value.message_dict) == ["payout_moments"]


@pytest.mark.parametrize("moment", ["13-01", "02-30", "6-30", "30-06"])
def test_invalid_payout_moment_refused(general_versions, municipality, back_office, moment):
    with pytest.raises(ValidationError) as error:
        framework_save(
            framework=_local(municipality, payout_moments=[moment]),
            actor=back_office,
            today=D(2025, 12, 1),
        )
    assert "payout_moments" in error.value.message_dict


def test_admin_form_shows_error_on_the_field(general_versions, municipality, board_client):
    starts = timezone.localdate() + datetime.timedelta(days=30)
    response = board_client.post(
        "/admin/members/framework/add/",
        {
            "scope": "local",
            "municipality": municipality.pk,
            "valid_from": f"{starts:%d-%m-%Y}",
            "client_hourly_rate_min": "14.00",
            "payout_moments": "",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["client_hourly_rate_min"]
    assert "14,71" in form.errors["client_hourly_rate_min"][0]
    assert not Framework.objects.filter(scope=Framework.Scope.LOCAL).exists()


def test_admin_saves_a_stricter_local_version(general_versions, municipality, board_client):
    starts = timezone.localdate() + datetime.timedelta(days=30)
    response = board_client.post(
        "/admin/members/framework/add/",
        {
            "scope": "local",
            "municipality": municipality.pk,
            "valid_from": f"{starts:%d-%m-%Y}",
            "client_hourly_rate_min": "15.25",
            "payout_moments": "12-31",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    local = Framework.objects.get(scope=Framework.Scope.LOCAL)
    assert local.valid_from == starts
    assert local.client_hourly_rate_min == Decimal("15.25")
    assert local.payout_moments == ["12-31"]


@pytest.mark.parametrize("days_from_today", [0, -1, -400])
def test_admin_refuses_a_version_starting_today_or_earlier(
    days_from_today, general_versions, municipality, board_client
):
    """History stays: a new version can only start after today; the error is on its field."""
    starts = timezone.localdate() + datetime.timedelta(days=days_from_today)
    response = board_client.post(
        "/admin/members/framework/add/",
        {
            "scope": "local",
            "municipality": municipality.pk,
            "valid_from": f"{starts:%d-%m-%Y}",
            "client_hourly_rate_min": "15.25",
        },
    )
    assert response.status_code == 200
    assert "valid_from" in response.context["adminform"].form.errors
    assert not Framework.objects.filter(scope=Framework.Scope.LOCAL).exists()


# --- History: a version in force never changes ------------------------------------------------


def test_version_in_force_cannot_be_changed(general_versions, back_office):
    version = general_versions[-1]  # in force from 2026-01-01
    version.client_hourly_rate_min = Decimal("15.00")
    with pytest.raises(ValidationError):
        framework_save(framework=version, actor=back_office, today=D(2026, 1, 1))
    version.refresh_from_db()
    assert version.client_hourly_rate_min == Decimal("14.71")


def test_version_in_force_cannot_be_deleted(general_versions, back_office):
    with pytest.raises(ValidationError):
        framework_delete(framework=general_versions[-1], actor=back_office, today=D(2026, 1, 1))
    assert Framework.objects.filter(pk=general_versions[-1].pk).exists()


def test_future_version_may_be_corrected_and_withdrawn(general_versions, back_office):
    version = general_versions[-1]
    version.client_hourly_rate_min = Decimal("14.72")
    framework_save(framework=version, actor=back_office, today=D(2025, 12, 31))
    version.refresh_from_db()
    assert version.client_hourly_rate_min == Decimal("14.72")
    framework_delete(framework=version, actor=back_office, today=D(2025, 12, 31))
    assert not Framework.objects.filter(pk=version.pk).exists()


def test_board_adds_no_general_version_in_the_admin(general_versions, board_client):
    """The members decide the general framework: the board proposes it under Besluiten."""
    starts = timezone.localdate() + datetime.timedelta(days=30)
    count = Framework.objects.count()
    response = board_client.post(
        "/admin/members/framework/add/",
        {
            "scope": "general",
            "valid_from": f"{starts:%d-%m-%Y}",
            "client_hourly_rate_min": "16.00",
            "premium_per_hour": "2.00",
            "payout_moments": "06-30,12-31",
            "contribution_percentage": "2.00",
            "contribution_operator_percentage": "1.00",
            "vat_percentage": "21.00",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "besluit van de leden" in errors["scope"][0]  # the interface is Dutch
    assert Framework.objects.count() == count


def test_board_neither_changes_nor_withdraws_a_future_general_version(premium_caps, board_client):
    future = FrameworkFactory(valid_from=timezone.localdate() + datetime.timedelta(days=30))
    change = board_client.post(
        f"/admin/members/framework/{future.pk}/change/", {"client_hourly_rate_min": "20.00"}
    )
    assert change.status_code == 403
    delete = board_client.post(f"/admin/members/framework/{future.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert Framework.objects.get(pk=future.pk).client_hourly_rate_min == Decimal("14.71")


def test_admin_refuses_changing_or_deleting_version_in_force(premium_caps, superuser_client):
    today = timezone.localdate()
    in_force = FrameworkFactory(valid_from=today - datetime.timedelta(days=1))
    future = FrameworkFactory(valid_from=today + datetime.timedelta(days=30))
    # Not even a superuser changes a version in force.

    change = superuser_client.post(
        f"/admin/members/framework/{in_force.pk}/change/", {"client_hourly_rate_min": "20.00"}
    )
    assert change.status_code == 403
    delete = superuser_client.post(
        f"/admin/members/framework/{in_force.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    assert Framework.objects.get(pk=in_force.pk).client_hourly_rate_min == Decimal("14.71")

    # A version not yet in force may still be withdrawn.
    response = superuser_client.post(
        f"/admin/members/framework/{future.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Framework.objects.filter(pk=future.pk).exists()


# --- Operator fee: the execution contract first -----------------------------------------------


def test_execution_contract_fee_takes_precedence(general_versions):
    ContractFactory(
        execution=True,
        operator_fee_percentage=Decimal("28.50"),
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
    )
    during = framework_in_force(municipality=None, on=D(2026, 6, 1))
    assert during.operator_fee_percentage == Decimal("28.50")
    assert during.source_of("operator_fee_percentage") == "contract"

    for outside in (D(2025, 12, 31), D(2027, 1, 1)):
        terms = framework_in_force(municipality=None, on=outside)
        assert terms.operator_fee_percentage == Decimal("30.00")
        assert terms.source_of("operator_fee_percentage") == "general"


# --- Database constraints ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "client_hourly_rate_min",
        "premium_per_hour",
        "payout_moments",
        "operator_fee_percentage",
        "contribution_percentage",
        "contribution_operator_percentage",
        "vat_percentage",
        "long_after_weeks",
        "large_hours_per_week",
        "large_concurrent_candidates",
    ],
)
def test_general_version_must_carry_every_value(field):
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkFactory(**{field: None})


@pytest.mark.parametrize(
    "field", ["operator_fee_percentage", "contribution_percentage", "vat_percentage"]
)
def test_local_version_leaves_fee_contribution_and_vat_to_general(municipality, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkFactory(local=True, municipality=municipality, **{field: Decimal("1.00")})


def test_local_version_names_a_municipality():
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkFactory(local=True, municipality=None)


def test_general_version_names_no_municipality(municipality):
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkFactory(municipality=municipality)


def test_contribution_operator_part_at_most_the_whole():
    FrameworkFactory(
        valid_from=D(2026, 1, 1),
        contribution_percentage=Decimal("2.00"),
        contribution_operator_percentage=Decimal("2.00"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkFactory(
            valid_from=D(2026, 7, 1),
            contribution_percentage=Decimal("2.00"),
            contribution_operator_percentage=Decimal("2.01"),
        )


def test_one_general_version_per_date():
    FrameworkFactory(valid_from=D(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkFactory(valid_from=D(2026, 1, 1))


def test_service_reports_constraint_as_validation_error(back_office):
    incomplete = FrameworkFactory.build(valid_from=D(2026, 7, 1), vat_percentage=None)
    with pytest.raises(ValidationError):
        framework_save(framework=incomplete, actor=back_office, today=D(2026, 1, 1))
    assert not Framework.objects.exists()
