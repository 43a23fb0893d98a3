"""The request queue on the assignment list: soonest start first, the date requested, a badge
for the requests awaiting the decision, sortable columns (?sort=, no JavaScript), the next
request after a decision with the list's filters kept, and the thresholds with figures."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from placements.models import Assignment
from tests.placements.factories import AssignmentFactory, CandidateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(town_coordinator):
    client = HttpClient()
    client.force_login(town_coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _request(town, last_name: str, start: datetime.date, **values) -> Assignment:
    return AssignmentFactory(
        candidate=CandidateFactory(municipality=town, first_name="Eva", last_name=last_name),
        start_date=start,
        end_date=start + datetime.timedelta(days=40),
        **values,
    )


@pytest.fixture
def queue(town, framework):
    later = _request(town, "Bakker", datetime.date(2026, 4, 6))
    soon = _request(town, "van der Wal", datetime.date(2026, 3, 2))
    middle = _request(town, "de Vries", datetime.date(2026, 3, 16))
    decided = _request(town, "Aalbers", datetime.date(2026, 3, 9), approved=True)
    # Requested in another order than they start: oldest request is `later`.
    for days_ago, assignment in ((9, later), (5, middle), (1, soon)):
        Assignment.objects.filter(pk=assignment.pk).update(
            created_at=datetime.datetime(2026, 2, 20 - days_ago, 9, tzinfo=datetime.UTC)
        )
    return {"later": later, "soon": soon, "middle": middle, "decided": decided}


def _listed(client, query: str) -> list[int]:
    return [a.pk for a in client.get("/opdrachten/" + query).context["page"].object_list]


def test_the_queue_lists_the_soonest_start_first(queue, coordinator_client):
    assert _listed(coordinator_client, "?status=requested") == [
        queue["soon"].pk,
        queue["middle"].pk,
        queue["later"].pk,
    ]
    # Every other list: the latest start first, as before.
    assert _listed(coordinator_client, "")[0] == queue["later"].pk


def test_the_list_sorts_by_a_column_ascending_and_descending(queue, coordinator_client):
    by_request = _listed(coordinator_client, "?status=requested&sort=requested")
    assert by_request == [queue["later"].pk, queue["middle"].pk, queue["soon"].pk]
    assert _listed(coordinator_client, "?status=requested&sort=-requested") == by_request[::-1]
    # Names sort on the surname without its prefix: Bakker, Vries (de), Wal (van der).
    assert _listed(coordinator_client, "?status=requested&sort=name") == [
        queue["later"].pk,
        queue["middle"].pk,
        queue["soon"].pk,
    ]
    # An unknown key falls back to the default order.
    assert _listed(coordinator_client, "?status=requested&sort=bsn") == _listed(
        coordinator_client, "?status=requested"
    )


def test_the_headers_are_links_that_keep_the_filters(queue, coordinator_client):
    page = coordinator_client.get("/opdrachten/?status=requested&sort=name").content.decode()
    assert 'href="?status=requested&amp;sort=-name"' in page  # second click: descending
    assert 'aria-sort="ascending"' in page
    assert 'href="?status=requested&amp;sort=requested"' in page


def test_each_request_shows_when_it_was_requested_and_awaits_the_decision(
    queue, coordinator_client
):
    page = coordinator_client.get("/opdrachten/?status=requested").content.decode()
    assert "Requested on" in page
    assert "11-02-2026" in page  # the oldest request, of `later`
    assert page.count('class="badge badge-awaiting"') == 3
    assert "Wal, Eva van der" in page


def test_after_a_decision_the_next_request_follows_with_the_filters_kept(queue, coordinator_client):
    query = "status=requested&sort=start"
    soon = queue["soon"]
    page = coordinator_client.get(f"/opdrachten/{soon.pk}/?{query}").content.decode()
    assert f'href="/opdrachten/?{query.replace("&", "&amp;")}"' in page  # back to the list
    assert f'href="/opdrachten/{queue["middle"].pk}/?{query.replace("&", "&amp;")}"' in page

    response = coordinator_client.post(
        f"/opdrachten/{soon.pk}/afwijzen/?{query}", {"reject-rejection_reason": "Geen plek."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/opdrachten/{soon.pk}/?{query}"
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "Next request: Vries, Eva de" in page


def test_the_thresholds_show_the_figure_and_the_limit(town, framework, coordinator_client):
    assignment = _request(
        town,
        "Lang",
        datetime.date(2026, 3, 2),
        is_long=True,
        is_large_hours=True,
        is_large_or_long=True,
        hours_per_week=Decimal("38.00"),
    )
    Assignment.objects.filter(pk=assignment.pk).update(end_date=datetime.date(2026, 9, 27))
    page = coordinator_client.get(f"/opdrachten/{assignment.pk}/").content.decode()
    weeks = framework.long_after_weeks
    hours = framework.large_hours_per_week
    assert f"long: 30 weeks, at most {weeks}" in page  # 2 March to 27 September: 210 days
    assert f"many hours: 38.00 hours a week, at most {hours}" in page


def test_the_hours_sort_by_a_column_and_stay_one_row_per_assignment(
    town, framework, coordinator_client
):
    from tests.placements.factories import TimeEntryFactory

    busy = _request(town, "Bakker", datetime.date(2026, 3, 2), active=True)
    quiet = _request(town, "Aalbers", datetime.date(2026, 3, 2), active=True)
    for day, hours in ((3, "8.00"), (4, "6.00")):
        TimeEntryFactory(
            assignment=busy, work_date=datetime.date(2026, 3, day), hours=Decimal(hours)
        )
    TimeEntryFactory(assignment=quiet, work_date=datetime.date(2026, 3, 3), hours=Decimal("2.00"))

    def rows(sort):
        page = coordinator_client.get("/uren/", {"month": "2026-03", "sort": sort}).context["page"]
        return [(row["assignment_id"], row["total"]) for row in page.object_list]

    assert rows("name") == [(quiet.pk, Decimal("2.00")), (busy.pk, Decimal("14.00"))]
    assert rows("-total") == [(busy.pk, Decimal("14.00")), (quiet.pk, Decimal("2.00"))]
