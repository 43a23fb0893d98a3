"""The to-do page, where each role lands after sign-in, the menu's count and the back office's
admin index: every link leads to a page the user may open."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from premiums.models import PayoutRun
from settlements.models import Settlement
from tests.factories import UserFactory
from tests.placements.factories import AssignmentFactory, CandidateFactory
from todo.selectors import todo_for_user

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def work(framework, municipality, other_municipality, make_settlement, make_run, make_proposal):
    for m in (municipality, municipality, other_municipality):
        AssignmentFactory(candidate=CandidateFactory(municipality=m))
    make_run(municipality)
    make_run(other_municipality, status=PayoutRun.Status.APPROVED)
    make_settlement(municipality, status=Settlement.Status.SUBMITTED)
    make_settlement(other_municipality, status=Settlement.Status.REJECTED)
    make_proposal(electors=[municipality])


# --- Where each role lands ----------------------------------------------------------------


@pytest.mark.parametrize(
    "role_client",
    ["coordinator_client", "treasurer_client", "board_client", "representative_client"],
)
def test_each_role_with_work_lands_on_the_to_do_page(role_client, request):
    assert request.getfixturevalue(role_client).get("/")["Location"] == "/te-doen/"


def test_the_back_office_lands_on_the_admin_index_with_its_to_do(back_office_client, work):
    assert back_office_client.get("/")["Location"] == "/admin/"

    page = back_office_client.get("/admin/").content.decode()

    assert 'data-todo="settlements_rejected"' in page
    assert page.index('id="todo-admin-title"') < page.index('id="content-main"')


def test_a_user_without_a_role_has_no_to_do_page():
    client = client_for(UserFactory(email="niemand@example.nl"))
    assert client.get("/te-doen/").status_code == 404


def test_anonymous_visitors_sign_in_first(anonymous_client):
    response = anonymous_client.get("/te-doen/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- The page and its links ---------------------------------------------------------------


def _items_on(client, user):
    response = client.get("/te-doen/")
    assert response.status_code == 200
    return response, [
        item
        for section in todo_for_user(user=user, today=timezone.localdate())
        for item in section.items
    ]


@pytest.mark.parametrize(
    ("client_fixture", "user_fixture", "expected"),
    [
        (
            "coordinator_client",
            "coordinator",
            {"assignment_requests": 2, "payout_runs": 1, "settlement_news": 1, "open_votes": 1},
        ),
        (
            "other_coordinator_client",
            "other_coordinator",
            {"assignment_requests": 1, "settlement_news": 1},
        ),
        ("treasurer_client", "treasurer_with_mfa", {"settlements_to_review": 1}),
        ("representative_client", "representative", {"votes_to_cast": 1}),
        (
            "back_office_client",
            "back_office_with_mfa",
            {"settlements_rejected": 1, "payout_runs_approved": 1},
        ),
    ],
)
def test_the_page_shows_the_counts_and_every_link_opens(
    client_fixture, user_fixture, expected, work, request
):
    client = request.getfixturevalue(client_fixture)
    response, items = _items_on(client, request.getfixturevalue(user_fixture))

    shown = {i.key: i.count for i in items if i.count}
    assert shown == expected
    page = response.content.decode()
    for item in items:
        if item.count:
            assert f'data-todo="{item.key}"' in page
            assert f'<span class="todo-count">{item.count}</span>' in page
        else:
            assert f'data-todo="{item.key}"' not in page
        for url in [item.url, *(row.url for row in item.rows)]:
            if url:
                opened = client.get(url, follow=True)
                assert opened.status_code == 200, url
                assert all("?e=1" not in hop for hop, _status in opened.redirect_chain), url
    total = sum(expected.values())
    assert f'<span class="nav-count">{total}<' in page


def test_the_coordinator_never_sees_assens_requests(coordinator_client, work):
    page = coordinator_client.get("/te-doen/").content.decode()
    assert "Assen" not in page


def test_nothing_to_do_says_so(coordinator_client, framework):
    page = coordinator_client.get("/te-doen/").content.decode()

    assert "Niets te doen." in page
    assert 'class="nav-count"' not in page


def test_the_menu_count_is_not_computed_for_anonymous_visitors(
    anonymous_client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert anonymous_client.get("/accounts/login/").status_code == 200


def test_the_menu_count_costs_one_query_on_other_pages(coordinator_client, work):
    with CaptureQueriesContext(connection) as queries:
        page = coordinator_client.get("/opdrachten/").content.decode()

    assert len([q for q in queries.captured_queries if "todo_0" in q["sql"]]) == 1
    assert '<span class="nav-count">5<' in page


def test_the_page_is_dutch_with_dutch_dates(coordinator_client, work):
    html = coordinator_client.get("/te-doen/").content.decode()

    assert "<h1>Te doen</h1>" in html
    assert "Aanvragen van opdrachten om te beoordelen" in html
    assert f"start 02-03-2026, aangevraagd op {timezone.localdate():%d-%m-%Y}" in html
    assert datetime.date(2026, 3, 2).isoformat() not in html


def test_the_representative_finds_their_municipality_on_the_to_do_page(
    representative_client, municipality
):
    page = representative_client.get("/te-doen/").content.decode()

    assert "Niets te doen." in page
    assert f'<a href="/gemeenten/{municipality.cbs_code}/">{municipality.name}</a>' in page


def test_the_board_opens_a_members_request_from_the_to_do_page(
    board_client, municipality, coordinator, framework
):
    from governance.models import MemberRequest

    request = MemberRequest.objects.create(
        municipality=municipality,
        requested_by=coordinator,
        subject="Hoger minimumtarief",
        motivation="Indexatie",
    )
    page = board_client.get("/te-doen/").content.decode()

    url = f"/besluiten/verzoeken/{request.pk}/"
    assert f'<a href="{url}">Hoger minimumtarief</a>' in page
    assert board_client.get(url).status_code == 200
