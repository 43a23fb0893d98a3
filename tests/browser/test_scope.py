"""A coordinator sees their own municipalities and nothing else: other pages answer 404."""

import re

import pytest

from accounts.roles import Role

from .flows import path_of, screenshot, sign_in

pytestmark = pytest.mark.browser

NOT_FOUND = re.compile(r"404|niet gevonden|not found", re.IGNORECASE)


@pytest.fixture
def coordinator(make_user, municipalities):
    user = make_user("coordinator@example.nl", role=Role.COORDINATOR)
    municipalities["GM0014"].coordinators.add(user)
    return user


def test_coordinator_cannot_open_another_municipality(page, coordinator):
    sign_in(page, "coordinator@example.nl")

    response = page.goto("/gemeenten/GM0106/")

    assert response.status == 404
    body = page.inner_text("body")
    assert NOT_FOUND.search(body)
    assert "Assen" not in body
    screenshot(page, "coordinator-other-municipality-404")


def test_coordinator_cannot_open_the_members_overview(page, coordinator):
    sign_in(page, "coordinator@example.nl")

    response = page.goto("/leden/")

    assert response.status == 404
    assert path_of(page) == "/leden/"
    assert NOT_FOUND.search(page.inner_text("body"))
