"""Contracts ending in the coming months with their renewal status, for the NVSI board and
the treasurer; a municipality's page with its decision to join and what its contracts renew."""

import datetime

import pytest
from django.utils import timezone

from members.selectors import RenewalStatus, contract_list_ending, months_later
from tests.factories import ContractFactory, MembershipFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def contracts(municipality, other_municipality, today):
    """Four contracts ending within six months, one after, one already ended."""
    old = ContractFactory(
        reference="FLEX-BV-2023",
        municipality=municipality,
        start_date=today - 900 * DAY,
        end_date=today + 30 * DAY,
    )
    ContractFactory(
        reference="NVSI-2026-GRO",
        municipality=municipality,
        start_date=today + 31 * DAY,
        renews=old,
    )
    return {
        "renewed": old,
        "automatic": ContractFactory(
            reference="NVSI-AUTO",
            municipality=other_municipality,
            end_date=today + 60 * DAY,
            renewal="automatic",
            renewal_months=12,
        ),
        "option": ContractFactory(
            reference="NVSI-OPTIE", execution=True, end_date=today + 90 * DAY, renewal="option"
        ),
        "ends": ContractFactory(
            reference="NVSI-EINDE", municipality=other_municipality, end_date=today + 120 * DAY
        ),
        "later": ContractFactory(reference="NVSI-LATER", end_date=today + 400 * DAY),
        "ended": ContractFactory(reference="NVSI-VOORBIJ", end_date=today - DAY),
    }


def test_renewal_status_per_contract(contracts, today):
    rows = {row.contract.reference: row for row in contract_list_ending(today=today, months=6)}
    assert list(rows) == ["FLEX-BV-2023", "NVSI-AUTO", "NVSI-OPTIE", "NVSI-EINDE"]
    assert rows["FLEX-BV-2023"].status == RenewalStatus.RENEWED
    assert [c.reference for c in rows["FLEX-BV-2023"].renewed_by] == ["NVSI-2026-GRO"]
    assert rows["NVSI-AUTO"].status == RenewalStatus.AUTOMATIC
    assert rows["NVSI-OPTIE"].status == RenewalStatus.OPTION
    assert rows["NVSI-EINDE"].status == RenewalStatus.ENDS
    assert rows["FLEX-BV-2023"].days == 30


def test_a_renewal_overrides_what_the_contract_says(municipality, today):
    automatic = ContractFactory(
        municipality=municipality, end_date=today + 10 * DAY, renewal="automatic"
    )
    ContractFactory(municipality=municipality, start_date=today + 11 * DAY, renews=automatic)
    [row] = contract_list_ending(today=today, months=6)
    assert row.status == RenewalStatus.RENEWED


def test_the_horizon_is_months_ahead(contracts, today):
    references = [r.contract.reference for r in contract_list_ending(today=today, months=14)]
    assert "NVSI-LATER" in references
    assert "NVSI-VOORBIJ" not in references
    one_month = [r.contract.reference for r in contract_list_ending(today=today, months=1)]
    assert one_month == ["FLEX-BV-2023"]


def test_months_later_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert months_later(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert months_later(datetime.date(2026, 12, 4), 6) == datetime.date(2027, 6, 4)
    assert months_later(datetime.date(2026, 1, 15), 12) == datetime.date(2027, 1, 15)


def test_the_default_horizon_is_the_setting(contracts, board_client, settings):
    settings.CONTRACT_ENDING_MONTHS = 1
    response = board_client.get("/leden/contracten/")
    assert [r.contract.reference for r in response.context["rows"]] == ["FLEX-BV-2023"]
    response = board_client.get("/leden/contracten/?months=6")
    assert len(response.context["rows"]) == 4


def test_the_page_shows_which_contract_renews(contracts, board_client):
    html = board_client.get("/leden/contracten/").content.decode()
    assert "NVSI-2026-GRO" in html
    assert "Verlengd" in html
    assert "Loopt af" in html
    assert "Optie tot verlenging" in html


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("board_client", 200),
        ("treasurer_client", 200),
        ("coordinator_client", 404),
        ("representative_client", 404),
        ("back_office_client", 404),
    ],
)
def test_who_sees_the_contracts_ending(request, actor, status):
    client = request.getfixturevalue(actor)
    assert client.get("/leden/contracten/").status_code == status


def test_the_board_opens_the_members_overview(board_client, municipality):
    response = board_client.get("/leden/")
    assert response.status_code == 200
    assert "/leden/contracten/" in response.content.decode()
    assert board_client.get("/gemeenten/GM0014/").status_code == 200


def test_municipality_page_shows_decision_to_join_and_what_a_contract_renews(
    contracts, municipality, coordinator_client, today
):
    MembershipFactory(
        municipality=municipality,
        start_date=today - 400 * DAY,
        decision_reference="Raadsbesluit Groningen 2024-17",
        decision_date=datetime.date(2024, 11, 5),
    )
    html = coordinator_client.get("/gemeenten/GM0014/").content.decode()
    assert "Raadsbesluit Groningen 2024-17" in html
    assert "05-11-2024" in html
    # The new contract names the one it renews; the old one names its renewal.
    assert "FLEX-BV-2023" in html and "NVSI-2026-GRO" in html
    assert "Verlengd door NVSI-2026-GRO" in " ".join(html.split())
