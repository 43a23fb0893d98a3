"""Markup that axe asked for: a polite status with the number of results that stays while a
live filter swaps the results; a table's scroll box is a labelled group, not a second region
landmark named like its section; the admin loads the portal's admin styles and labels its
search box."""

import re

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from tests.placements.factories import AssignmentFactory, CandidateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(town_coordinator):
    client = HttpClient()
    client.force_login(town_coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_live_filter_announces_the_number_of_results(town, framework, coordinator_client):
    AssignmentFactory(candidate=CandidateFactory(municipality=town))
    page = coordinator_client.get("/opdrachten/", {"status": "requested"}).content.decode()
    status = re.search(r'<p id="assignment-results-status"[^>]*>(.*?)</p>', page, re.S)
    assert 'role="status" aria-live="polite"' in status.group(0)
    assert status.group(1) == "1 result (filtered)"
    # htmx copies the new count into the status that stays (outside the swapped results).
    assert 'hx-select-oob="#assignment-results-status:innerHTML"' in page
    assert page.index('id="assignment-results-status"') < page.index('id="assignment-results"')


def test_no_second_region_landmark_named_like_its_section(town, framework, coordinator_client):
    AssignmentFactory(candidate=CandidateFactory(municipality=town))
    page = coordinator_client.get("/opdrachten/").content.decode()
    assert 'role="region"' not in page
    assert 'class="table-wrap" role="group" aria-labelledby="assignment-results-title"' in page


def test_the_admin_loads_its_styles_and_labels_the_search_box(back_office_client):
    page = back_office_client.get("/admin/placements/candidate/").content.decode()
    assert "css/admin.css" in page
    assert re.search(
        r'<label for="searchbar"><img [^>]*alt=""><span class="visually-hidden">', page
    )
