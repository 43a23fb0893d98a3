"""Local frameworks recorded by the municipality itself: its coordinator or representative
records a version that is as strict as the general framework or stricter, with its college
decision, from a date after today; withdraws one not yet in force; the back office and other
municipalities only read, or get a 404."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEvent
from members.models import Framework
from members.services import local_framework_record, local_framework_withdraw
from tests.factories import FrameworkFactory, PremiumCapFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def general(today):
    """The general framework in force (minimum rate 14.71, long after 26 weeks)."""
    PremiumCapFactory(valid_from=today - 365 * DAY)
    return FrameworkFactory(valid_from=today - 30 * DAY)


def _local(municipality, today, **values):
    defaults = {
        "scope": Framework.Scope.LOCAL,
        "municipality": municipality,
        "valid_from": today + 10 * DAY,
        "client_hourly_rate_min": Decimal("15.50"),
        "decision_reference": "Collegebesluit 2026-12",
        "decision_date": today - 2 * DAY,
    }
    return Framework(**{**defaults, **values})


def _post_data(today, **values):
    data = {
        "valid_from": (today + 10 * DAY).isoformat(),
        "client_hourly_rate_min": "15,50",
        "long_after_weeks": "20",
        "decision_reference": "Collegebesluit 2026-12",
        "decision_date": (today - 2 * DAY).isoformat(),
    }
    return {**data, **values}


def _new_url(code):
    return f"/gemeenten/{code}/lokale-kaders/nieuw/"


def _withdraw_url(code, pk):
    return f"/gemeenten/{code}/lokale-kaders/{pk}/intrekken/"


# --- The service ------------------------------------------------------------------------------


def test_representative_records_a_stricter_version_with_its_decision(
    general, municipality, representative, today
):
    version = local_framework_record(framework=_local(municipality, today), actor=representative)
    version.refresh_from_db()
    assert version.scope == Framework.Scope.LOCAL
    assert version.decision_date == today - 2 * DAY
    assert version.decision_reference == "Collegebesluit 2026-12"
    event = AuditEvent.objects.get(action="framework.create", object_id=str(version.pk))
    assert event.actor == representative


def test_coordinator_records_too(general, municipality, coordinator, today):
    local_framework_record(framework=_local(municipality, today), actor=coordinator)
    assert Framework.objects.filter(scope="local", municipality=municipality).count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"client_hourly_rate_min": Decimal("14.70")}, "client_hourly_rate_min"),
        ({"premium_per_hour": Decimal("1.99")}, "premium_per_hour"),
        ({"long_after_weeks": 27}, "long_after_weeks"),
        ({"large_hours_per_week": Decimal("32.50")}, "large_hours_per_week"),
        ({"large_concurrent_candidates": 11}, "large_concurrent_candidates"),
    ],
)
def test_a_looser_value_is_refused(general, municipality, coordinator, today, values, field):
    with pytest.raises(ValidationError) as error:
        local_framework_record(framework=_local(municipality, today, **values), actor=coordinator)
    assert field in error.value.error_dict
    assert not Framework.objects.filter(scope="local").exists()


def test_the_same_value_as_the_general_one_is_accepted(general, municipality, coordinator, today):
    local_framework_record(
        framework=_local(municipality, today, client_hourly_rate_min=Decimal("14.71")),
        actor=coordinator,
    )
    assert Framework.objects.filter(scope="local").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"decision_date": None}, "decision_date"),
        ({"decision_date": "tomorrow"}, "decision_date"),
        ({"decision_reference": "  "}, "decision_reference"),
        ({"valid_from": "today"}, "valid_from"),
        ({"valid_from": "yesterday"}, "valid_from"),
    ],
)
def test_decision_and_dates_are_required_and_checked(
    general, municipality, coordinator, today, values, field
):
    days = {"tomorrow": today + DAY, "today": today, "yesterday": today - DAY}
    values = {key: days.get(value, value) for key, value in values.items()}
    with pytest.raises(ValidationError) as error:
        local_framework_record(framework=_local(municipality, today, **values), actor=coordinator)
    assert field in error.value.error_dict


def test_a_decision_taken_today_is_accepted(general, municipality, coordinator, today):
    local_framework_record(
        framework=_local(municipality, today, decision_date=today), actor=coordinator
    )
    assert Framework.objects.filter(scope="local").exists()


def test_another_municipality_cannot_record(general, municipality, other_coordinator, today):
    with pytest.raises(PermissionDenied):
        local_framework_record(framework=_local(municipality, today), actor=other_coordinator)
    assert not Framework.objects.filter(scope="local").exists()


def test_the_back_office_cannot_record(general, municipality, back_office_with_mfa, today):
    with pytest.raises(PermissionDenied):
        local_framework_record(framework=_local(municipality, today), actor=back_office_with_mfa)


def test_withdraw_an_upcoming_version(general, municipality, representative, today):
    version = local_framework_record(framework=_local(municipality, today), actor=representative)
    pk = version.pk
    local_framework_withdraw(framework=version, actor=representative)
    assert not Framework.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(action="framework.delete", object_id=str(pk)).exists()


def test_a_version_in_force_cannot_be_withdrawn(general, municipality, coordinator, today):
    version = FrameworkFactory(local=True, municipality=municipality, valid_from=today)
    with pytest.raises(ValidationError):
        local_framework_withdraw(framework=version, actor=coordinator)
    assert Framework.objects.filter(pk=version.pk).exists()


def test_another_municipality_cannot_withdraw(general, municipality, other_coordinator, today):
    version = FrameworkFactory(local=True, municipality=municipality, valid_from=today + 5 * DAY)
    with pytest.raises(PermissionDenied):
        local_framework_withdraw(framework=version, actor=other_coordinator)
    assert Framework.objects.filter(pk=version.pk).exists()


def test_a_general_version_cannot_be_withdrawn_this_way(general, coordinator, today):
    upcoming = FrameworkFactory(valid_from=today + 5 * DAY)
    with pytest.raises(PermissionDenied):
        local_framework_withdraw(framework=upcoming, actor=coordinator)


# --- The pages --------------------------------------------------------------------------------


def test_record_through_the_page(general, municipality, representative_client, today):
    response = representative_client.post(_new_url("GM0014"), _post_data(today))
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == "/gemeenten/GM0014/"
    version = Framework.objects.get(scope="local", municipality=municipality)
    assert version.client_hourly_rate_min == Decimal("15.50")
    assert version.long_after_weeks == 20
    assert version.decision_date == today - 2 * DAY


def test_a_looser_value_on_the_page_shows_the_rule(general, coordinator_client, today):
    response = coordinator_client.post(
        _new_url("GM0014"), _post_data(today, client_hourly_rate_min="14,00")
    )
    assert response.status_code == 200
    assert "14,71" in response.content.decode()
    assert not Framework.objects.filter(scope="local").exists()


def test_a_decision_date_in_the_future_on_the_page(general, coordinator_client, today):
    response = coordinator_client.post(
        _new_url("GM0014"), _post_data(today, decision_date=(today + DAY).isoformat())
    )
    assert response.status_code == 200
    assert response.context["form"].errors["decision_date"]
    assert not Framework.objects.filter(scope="local").exists()


def test_the_page_requires_the_decision(general, coordinator_client, today):
    response = coordinator_client.post(
        _new_url("GM0014"), _post_data(today, decision_reference="", decision_date="")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "decision_reference" in errors and "decision_date" in errors


@pytest.mark.parametrize(
    ("actor", "code", "status"),
    [
        ("coordinator_client", "GM0014", 200),
        ("representative_client", "GM0014", 200),
        ("other_coordinator_client", "GM0014", 404),
        ("coordinator_client", "GM0106", 404),
        ("back_office_client", "GM0014", 404),
        ("treasurer_client", "GM0014", 404),
        ("board_client", "GM0014", 404),
    ],
)
def test_who_may_open_the_record_page(request, general, other_municipality, actor, code, status):
    client = request.getfixturevalue(actor)
    assert client.get(_new_url(code)).status_code == status
    response = client.post(_new_url(code), _post_data(timezone.localdate()))
    assert response.status_code == (302 if status == 200 else 404)


@pytest.mark.parametrize(
    "actor", ["other_coordinator_client", "back_office_client", "board_client"]
)
def test_only_the_municipality_withdraws(request, general, municipality, today, actor):
    version = FrameworkFactory(local=True, municipality=municipality, valid_from=today + 5 * DAY)
    client = request.getfixturevalue(actor)
    assert client.post(_withdraw_url("GM0014", version.pk)).status_code == 404
    assert Framework.objects.filter(pk=version.pk).exists()


def test_withdraw_through_the_page(general, municipality, coordinator_client, today):
    version = FrameworkFactory(local=True, municipality=municipality, valid_from=today + 5 * DAY)
    response = coordinator_client.post(_withdraw_url("GM0014", version.pk))
    assert response.status_code == 302
    assert not Framework.objects.filter(pk=version.pk).exists()


def test_withdraw_in_force_through_the_page_is_refused(
    general, municipality, coordinator_client, today
):
    version = FrameworkFactory(local=True, municipality=municipality, valid_from=today - DAY)
    response = coordinator_client.post(_withdraw_url("GM0014", version.pk), follow=True)
    assert Framework.objects.filter(pk=version.pk).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and version.valid_from.strftime("%d-%m-%Y") in messages[0]


def test_the_municipality_page_lists_past_current_and_upcoming(
    general, municipality, coordinator_client, today
):
    FrameworkFactory(
        local=True,
        municipality=municipality,
        valid_from=today - 200 * DAY,
        decision_reference="Besluit oud",
    )
    FrameworkFactory(
        local=True,
        municipality=municipality,
        valid_from=today - 20 * DAY,
        decision_reference="Besluit nu",
    )
    upcoming = FrameworkFactory(
        local=True,
        municipality=municipality,
        valid_from=today + 20 * DAY,
        decision_reference="Besluit straks",
        decision_date=today - DAY,
    )
    response = coordinator_client.get("/gemeenten/GM0014/")
    states = {
        row["version"].decision_reference: row["state"]
        for row in response.context["local_versions"]
    }
    assert states == {"Besluit oud": "past", "Besluit nu": "current", "Besluit straks": "upcoming"}
    html = response.content.decode()
    assert _withdraw_url("GM0014", upcoming.pk) in html
    assert _new_url("GM0014") in html


def test_the_back_office_reads_local_versions_without_a_way_to_write(
    general, municipality, back_office_client, today
):
    upcoming = FrameworkFactory(
        local=True,
        municipality=municipality,
        valid_from=today + 20 * DAY,
        decision_reference="Besluit straks",
    )
    response = back_office_client.get("/gemeenten/GM0014/")
    html = response.content.decode()
    assert "Besluit straks" in html
    assert _new_url("GM0014") not in html
    assert _withdraw_url("GM0014", upcoming.pk) not in html


def test_the_representative_reaches_its_municipality_page_only(
    general, other_municipality, representative_client
):
    assert representative_client.get("/gemeenten/GM0014/").status_code == 200
    assert representative_client.get("/gemeenten/GM0106/").status_code == 404
