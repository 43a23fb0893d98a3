"""NVSI's figures (/toezicht/cijfers/): all members together per half-year and per year, each
figure the sum of the stored settlements (and so of their stored lines), the trend of the
contribution, charts with the same figures in tables, the empty state, and who may see it.

Settlements are written straight to the database here with figures that add up (the
services that compute them are tested in tests/settlements).
"""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from settlements.models import Settlement, SettlementLine
from supervision.figures import nvsi_figures
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
NBSP = "\u00a0"


def settled(municipality, year, half, *, gross, premiums, status="approved", people=None):
    """A settlement of fee 30% and contribution 1% + 1%, with two month lines that add up;
    written as a draft with its lines, then given its status."""
    gross, premiums = D(gross), D(premiums)
    fee = (gross * D("0.30")).quantize(D("0.01"))
    cm = co = (gross * D("0.01")).quantize(D("0.01"))
    submitter, decider = people or (None, None)
    values = {}
    if status != "draft":
        values.update(submitted_by=submitter, submitted_at=timezone.now())
    if status == "approved":
        values.update(decided_by=decider, decided_at=timezone.now(), fingerprint="f" * 64)
    settlement = Settlement.objects.create(
        municipality=municipality,
        year=year,
        half=half,
        hours=D("10.00"),
        gross=gross,
        premiums=premiums,
        fee=fee,
        contribution_municipality=cm,
        contribution_operator=co,
        result=gross - premiums - fee - cm,
        terms_date=datetime.date(year, 1 if half == 1 else 7, 1),
        fee_percentage=D("30.00"),
        contribution_municipality_percentage=D("1.00"),
        contribution_operator_percentage=D("1.00"),
        computed_at=timezone.now(),
    )
    first = datetime.date(year, 1 if half == 1 else 7, 1)
    half_gross, half_premiums = (gross / 2).quantize(D("0.01")), (premiums / 2).quantize(D("0.01"))
    for month, part_gross, part_premiums in (
        (first, half_gross, half_premiums),
        (first.replace(month=first.month + 1), gross - half_gross, premiums - half_premiums),
    ):
        SettlementLine.objects.create(
            settlement=settlement,
            kind=SettlementLine.Kind.MONTH,
            month=month,
            hours=D("5.00"),
            gross=part_gross,
            premiums=part_premiums,
        )
    # The lines first: the breakdown of an approved settlement never changes (migration 0002).
    Settlement.objects.filter(pk=settlement.pk).update(status=status, **values)
    return settlement


@pytest.fixture
def people(db):
    return (
        UserFactory(role=Role.BACK_OFFICE, is_staff=True, mfa=True),
        UserFactory(role=Role.TREASURER, mfa=True),
    )


@pytest.fixture
def settlements(people, municipality, other_municipality):
    groningen, assen = municipality, other_municipality
    return [
        settled(groningen, 2025, 2, gross="1000.00", premiums="100.00", people=people),
        settled(assen, 2025, 2, gross="333.33", premiums="40.00", people=people),
        settled(groningen, 2026, 1, gross="1500.55", premiums="150.00", people=people),
        settled(assen, 2026, 1, gross="-80.00", premiums="-8.00", people=people),
        settled(
            groningen,
            2026,
            2,
            gross="2000.00",
            premiums="210.00",
            status="submitted",
            people=people,
        ),
        settled(assen, 2026, 2, gross="700.00", premiums="60.00", status="draft"),
    ]


def _sum(rows, field: str) -> Decimal:
    return sum((getattr(row, field) for row in rows), D("0"))


def test_every_total_is_the_sum_of_the_stored_settlements(treasurer_with_mfa, settlements):
    figures = nvsi_figures(user=treasurer_with_mfa)
    assert [row.label for row in figures.half_years] == ["2025-H2", "2026-H1", "2026-H2"]
    assert [row.label for row in figures.years] == ["2025", "2026"]

    for row in figures.half_years:
        stored = Settlement.objects.filter(year=row.year, half=row.half)
        sums = stored.aggregate(
            gross=Sum("gross"), premiums=Sum("premiums"), fee=Sum("fee"), result=Sum("result")
        )
        assert (row.gross, row.premiums, row.fee, row.result) == (
            sums["gross"],
            sums["premiums"],
            sums["fee"],
            sums["result"],
        )
        # ... and of the stored month lines of those settlements.
        lines = SettlementLine.objects.filter(settlement__in=stored).aggregate(
            gross=Sum("gross"), premiums=Sum("premiums")
        )
        assert (row.gross, row.premiums) == (lines["gross"], lines["premiums"])
        assert row.contribution == _sum(stored, "contribution_municipality") + _sum(
            stored, "contribution_operator"
        )

    assert figures.half_years[1].gross == D("1500.55") + D("-80.00") == D("1420.55")
    # A year is the sum of its half-years; the total the sum of every settlement.
    year_2026 = figures.years[1]
    for field in ("hours", "gross", "premiums", "fee", "cm", "co", "result"):
        assert getattr(year_2026, field) == _sum(figures.half_years[1:], field)
        assert getattr(figures.totals, field) == _sum(figures.years, field)
    assert figures.totals.gross == D("5453.88")
    assert (figures.totals.count, figures.totals.approved) == (6, 4)
    assert figures.provisional


def test_the_trend_compares_each_half_year_with_the_one_before(board_with_mfa, settlements):
    trend = nvsi_figures(user=board_with_mfa).trend
    contributions = [row.contribution for row in trend]
    # 2025-H2: 2 x (10.00 + 3.33); 2026-H1: 2 x (15.01 - 0.80); 2026-H2: 2 x (20.00 + 7.00)
    assert contributions == [D("26.66"), D("28.42"), D("54.00")]
    assert [row.change for row in trend] == [None, D("1.76"), D("25.58")]
    assert trend[1].change_percentage == D("6.6")
    assert trend[2].share_of_gross == D("2.00")


def test_approved_only_leaves_drafts_and_submissions_out(board_with_mfa, settlements):
    figures = nvsi_figures(user=board_with_mfa, approved_only=True)
    assert [row.label for row in figures.half_years] == ["2025-H2", "2026-H1"]
    assert figures.totals.gross == D("2753.88")
    assert not figures.provisional


def test_the_page_shows_charts_with_the_same_figures_in_tables(treasurer_client, settlements):
    response = treasurer_client.get(reverse("supervision:figures"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 3
    for amount in ("1.420,55", "5.453,88", "54,00"):
        assert f"€{NBSP}{amount}" in page
    assert f"+€{NBSP}25,58" in page  # the trend
    assert "2025-H2" in page and "2026-H1" in page and "2026-H2" in page

    approved = treasurer_client.get(reverse("supervision:figures"), {"settlements": "approved"})
    assert approved.context["figures"].approved_only
    assert f"€{NBSP}2.753,88" in approved.content.decode()


def test_without_settlements_the_page_says_so(treasurer_client):
    response = treasurer_client.get(reverse("supervision:figures"))
    assert response.status_code == 200
    assert response.context["figures"].empty
    assert "<svg" not in response.content.decode()
    assert 'class="empty-state"' in response.content.decode()


@pytest.mark.parametrize("who", ["treasurer_client", "board_client", "superuser_client"])
def test_the_treasurer_and_board_see_nvsi_figures(request, settlements, who):
    assert request.getfixturevalue(who).get(reverse("supervision:figures")).status_code == 200


@pytest.mark.parametrize(
    "who", ["coordinator_client", "back_office_client", "representative_client"]
)
def test_others_get_404(request, settlements, who):
    assert request.getfixturevalue(who).get(reverse("supervision:figures")).status_code == 404
    assert nvsi_figures(user=UserFactory(role=Role.COORDINATOR)).empty


def test_the_menu_links_the_figures_for_the_treasurer_and_board(
    treasurer_client, board_client, coordinator_client
):
    url = reverse("supervision:figures")
    for client in (treasurer_client, board_client):
        assert f'href="{url}"' in client.get(reverse("supervision:index")).content.decode()
    assert f'href="{url}"' not in coordinator_client.get("/gemeenten/").content.decode()
