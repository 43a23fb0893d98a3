"""The large-or-long overview at /signalering/: treasurer and back office see every flagged
assignment with its thresholds and sign-off; coordinators and strangers get a 404."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from placements.models import Assignment
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    PlacementsUserFactory,
)

URL = "/signalering/"


def _english(client: HttpClient) -> HttpClient:
    """The page in English, as the assertions are (the language switch sets this cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _client_for(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return _english(client)


@pytest.fixture
def treasurer_client(treasurer_client):
    return _english(treasurer_client)


@pytest.fixture
def back_office_client(back_office_client):
    return _english(back_office_client)


@pytest.fixture
def flagged(town, other_town, town_coordinator, framework):
    signed = AssignmentFactory(
        candidate=CandidateFactory(municipality=town, first_name="Anna", last_name="Smit"),
        active=True,
        start_date=datetime.date(2026, 1, 5),
        end_date=datetime.date(2026, 10, 30),
        hours_per_week=Decimal("36.00"),
        is_long=True,
        is_large_hours=True,
        is_large_or_long=True,
        sign_off_by=town_coordinator,
        sign_off_at=datetime.datetime(2025, 12, 20, 10, 0, tzinfo=datetime.UTC),
        sign_off_reason="Seizoenswerk in de kassen, afgestemd met de werkgever.",
    )
    awaiting = AssignmentFactory(
        candidate=CandidateFactory(municipality=other_town, first_name="Bert", last_name="Kok"),
        start_date=datetime.date(2026, 12, 7),
        end_date=datetime.date(2027, 8, 27),
        is_long=True,
        is_large_or_long=True,
    )
    plain = AssignmentFactory(
        candidate=CandidateFactory(municipality=town, first_name="Cor", last_name="Plat"),
        active=True,
    )
    return {"signed": signed, "awaiting": awaiting, "plain": plain}


@pytest.mark.parametrize("client_fixture", ["treasurer_client", "back_office_client"])
def test_treasurer_and_back_office_see_every_flagged_assignment(request, flagged, client_fixture):
    response = request.getfixturevalue(client_fixture).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Smit, Anna" in page and "Kok, Bert" in page
    assert "Plat, Cor" not in page  # not flagged
    assert "Seizoenswerk in de kassen" in page  # the sign-off reason
    assert "awaiting sign-off" in page
    assert "many hours: 36.00 hours a week, at most " in page
    assert "long: 42.7 weeks, at most " in page  # 5 January to 30 October: 299 days
    assert [a.pk for a in response.context["page"].object_list] == [
        flagged["awaiting"].pk,  # awaiting sign-off first
        flagged["signed"].pk,
    ]


def test_no_bsn_on_the_page(treasurer_client, town, framework):
    bsn = "111222333"
    AssignmentFactory(
        candidate=CandidateFactory(municipality=town, bsn=bsn), is_long=True, is_large_or_long=True
    )
    page = treasurer_client.get(URL).content.decode()
    assert bsn not in page and "2333" not in page


def test_filter_by_municipality_and_status(treasurer_client, flagged, other_town):
    client = treasurer_client
    by_town = client.get(URL, {"municipality": other_town.cbs_code})
    assert [a.pk for a in by_town.context["page"].object_list] == [flagged["awaiting"].pk]
    by_status = client.get(URL, {"status": Assignment.Status.ACTIVE})
    assert [a.pk for a in by_status.context["page"].object_list] == [flagged["signed"].pk]
    awaiting = client.get(URL, {"sign_off": "awaiting"})
    assert [a.pk for a in awaiting.context["page"].object_list] == [flagged["awaiting"].pk]
    nothing = client.get(URL, {"status": Assignment.Status.ENDED})
    assert "No large or long assignment matches these filters." in nothing.content.decode()


def test_empty_state(treasurer_client, framework):
    page = treasurer_client.get(URL).content.decode()
    assert "No assignment is large or long at the moment." in page


def test_coordinator_gets_404(town_coordinator, flagged):
    assert _client_for(town_coordinator).get(URL).status_code == 404


def test_user_without_role_gets_404(db):
    assert _client_for(PlacementsUserFactory()).get(URL).status_code == 404


def test_anonymous_is_sent_to_sign_in(db):
    response = HttpClient().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_nav_link_for_treasurer_only(treasurer_client, town_coordinator, framework):
    assert f'href="{URL}"' in treasurer_client.get("/leden/").content.decode()
    home = _client_for(town_coordinator).get("/gemeenten/", follow=True).content.decode()
    assert f'href="{URL}"' not in home
