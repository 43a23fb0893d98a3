"""The contribution overview in pages of 50 members: the totals stay those of every member
(summed by the database), the order chosen (?sort=) and the half-year stay on the next page,
and the download is every member in that order."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from settlements.models import Settlement
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db
MEMBERS = 55


@pytest.fixture
def settled_members(framework):
    """55 draft settlements of 2026-H1: member n has G = n x 100.00 (fee 30%, 1% + 1%)."""
    for n in range(1, MEMBERS + 1):
        gross = Decimal(100 * n)
        Settlement.objects.create(
            municipality=MunicipalityFactory(name=f"Lid {n:02d}"),
            year=2026,
            half=1,
            status=Settlement.Status.DRAFT,
            terms_date=datetime.date(2026, 1, 1),
            fee_percentage=Decimal("30.00"),
            contribution_municipality_percentage=Decimal("1.00"),
            contribution_operator_percentage=Decimal("1.00"),
            gross=gross,
            fee=gross * Decimal("0.30"),
            contribution_municipality=gross / 100,
            contribution_operator=gross / 100,
            result=gross - gross * Decimal("0.30") - gross / 100,
            computed_at=timezone.now(),
        )


def _names(response) -> list[str]:
    return [row["municipality__name"] for row in response.context["rows"]]


def test_a_page_shows_50_members_and_the_totals_of_all(treasurer_user_client, settled_members):
    url = reverse("settlements:contribution")
    first = treasurer_user_client.get(url, {"period": "2026-H1"})
    second = treasurer_user_client.get(url, {"period": "2026-H1", "page": "2"})

    assert _names(first) == [f"Lid {n:02d}" for n in range(1, 51)]
    assert _names(second) == [f"Lid {n:02d}" for n in range(51, MEMBERS + 1)]
    everyone = sum(Decimal(100 * n) for n in range(1, MEMBERS + 1))  # 154,000.00
    for response in (first, second):
        assert response.context["totals"]["gross"] == everyone
        assert response.context["totals"]["total"] == everyone / 50
        assert response.context["page"].paginator.count == MEMBERS
    page = first.content.decode()
    assert "55 lidgemeenten" in page  # every member, in Dutch
    assert "Pagina 1 van 2" in page


def test_the_order_and_the_half_year_stay_on_the_next_page(treasurer_user_client, settled_members):
    url = reverse("settlements:contribution")
    first = treasurer_user_client.get(url, {"period": "2026-H1", "sort": "-total"})

    assert _names(first)[:2] == ["Lid 55", "Lid 54"]
    next_link = re.search(r'href="([^"]+)" rel="next"', first.content.decode()).group(1)
    next_link = next_link.replace("&amp;", "&")
    assert "sort=-total" in next_link and "period=2026-H1" in next_link
    second = treasurer_user_client.get(url + next_link)
    assert _names(second) == [f"Lid {n:02d}" for n in range(5, 0, -1)]


def test_the_download_is_every_member_in_the_order_shown(treasurer_user_client, settled_members):
    url = reverse("settlements:contribution")
    page = treasurer_user_client.get(url, {"period": "2026-H1", "sort": "-gross"})
    csv_link = re.search(r'href="([^"]+format=csv[^"]*)"', page.content.decode()).group(1)

    download = treasurer_user_client.get(url + csv_link.replace("&amp;", "&"))

    lines = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + MEMBERS
    assert lines[1].startswith("Lid 55") and lines[-1].startswith("Lid 01")
