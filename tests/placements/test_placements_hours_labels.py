"""The two hour counts say what they count: the hours page by the day worked, the dashboard
by the invoice date, each pointing to the other; both explain hours that earn no premium."""

import pytest
from django.conf import settings
from django.test import Client as HttpClient

pytestmark = pytest.mark.django_db

NO_PREMIUM = "Some hours earn no premium: those of a candidate under 27"


@pytest.fixture
def coordinator_client(town_coordinator):
    client = HttpClient()
    client.force_login(town_coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_hours_page_counts_hours_worked_and_points_to_the_dashboard(coordinator_client):
    page = coordinator_client.get("/uren/", {"month": "2026-11"}).content.decode()
    assert "<h1>Hours worked per month: November 2026</h1>" in page
    assert 'counts hours by the day they were worked. The <a href="/dashboard/">' in page
    assert NO_PREMIUM in page


def test_the_dashboard_counts_invoiced_hours_by_invoice_month(coordinator_client, town):
    page = coordinator_client.get("/dashboard/", {"year": "2025"}).content.decode()
    assert "Invoiced hours by invoice month" in page
    assert '<th scope="col" class="num">Invoiced hours</th>' in page
    assert '<a href="/uren/">Hours</a> counts the hours by the day they were worked' in page
    assert NO_PREMIUM in page
