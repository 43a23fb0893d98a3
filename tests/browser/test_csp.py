"""The Content-Security-Policy blocks nothing the portal needs, and a BSN typed in a search
box stays out of every address the browser asks for.

Each role signs in and opens every page of its main menu (the `page` fixture fails a test on
any refusal the console reports); the coordinator's live search (htmx) and the back office's
admin search and Select2 autocomplete are used with a BSN, and every request the browser
sends is checked for it.
"""

import re

import pytest

from accounts.roles import Role

from .flows import path_of, sign_in, sign_out, submit_code, totp_code
from .test_todo import BACK_OFFICE_SECRET, TREASURER_SECRET, world  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

BSN = "123456782"


@pytest.fixture
def searched(world):  # noqa: F811 - the fixture imported above
    from members.models import Municipality
    from tests.placements.factories import CandidateFactory

    return CandidateFactory(
        municipality=Municipality.objects.get(cbs_code="GM0014"),
        bsn=BSN,
        first_name="Zoë",
        last_name="Zoekmij",
    )


def _record_requests(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _menu_paths(page) -> list[str]:
    hrefs = page.locator(".site-nav a").evaluate_all("links => links.map(a => a.href)")
    paths = [re.sub(r"^https?://[^/]+", "", href) for href in hrefs]
    return [path for path in dict.fromkeys(paths) if path.startswith("/")]


def _visit_menu(page) -> list[str]:
    paths = _menu_paths(page)
    assert paths
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, path
        page.wait_for_load_state("networkidle")
    return paths


def test_every_menu_page_of_each_role_loads_without_a_refusal(page, world, make_user):  # noqa: F811
    make_user("wethouder2@example.nl", role=Role.REPRESENTATIVE)
    sign_in(page, "coordinator@example.nl")
    assert "/kandidaten/" in _visit_menu(page)
    sign_out(page)

    sign_in(page, "wethouder@example.nl")
    _visit_menu(page)
    sign_out(page)

    sign_in(page, "treasurer@example.nl")
    submit_code(page, totp_code(TREASURER_SECRET))
    assert "/toezicht/" in _visit_menu(page)
    sign_out(page)

    sign_in(page, "bestuur@example.nl")
    _visit_menu(page)
    sign_out(page)

    sign_in(page, "backoffice@example.nl")
    submit_code(page, totp_code(BACK_OFFICE_SECRET))
    for path in [
        "/admin/",
        "/admin/placements/candidate/",
        "/admin/placements/candidate/add/",
        "/admin/placements/assignment/add/",
        "/admin/placements/timeentry/",
    ]:
        assert page.goto(path).status < 400, path
        page.wait_for_load_state("networkidle")
    assert page.csp_violations == []


def test_coordinator_live_search_by_bsn(page, searched):
    sign_in(page, "coordinator@example.nl")
    page.goto("/kandidaten/")
    requests = _record_requests(page)
    page.fill("input[name=q]", "1234.56.782")
    rows = page.locator("#candidate-results tbody tr")
    rows.first.wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('#candidate-results tbody tr').length === 1"
    )
    assert "Zoekmij" in rows.first.inner_text()
    page.wait_for_url(re.compile(r"q=bsn-"))
    assert "Zoekmij" in page.locator("#candidate-results").inner_text()
    # The address can be reloaded and shared within the session.
    page.reload()
    assert "Zoekmij" in page.locator("#candidate-results").inner_text()
    assert requests
    assert not [url for url in requests if BSN in url or "1234.56.782" in url]


def test_back_office_admin_search_and_autocomplete_by_bsn(page, searched):
    sign_in(page, "backoffice@example.nl")
    submit_code(page, totp_code(BACK_OFFICE_SECRET))
    page.goto("/admin/placements/candidate/")
    requests = _record_requests(page)
    page.fill("#searchbar", BSN)
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    assert "q=bsn-" in path_of(page)
    assert "Zoekmij" in page.locator("#result_list").inner_text()
    assert page.locator("#result_list tbody tr").count() == 1
    assert not [url for url in requests if BSN in url]

    page.goto("/admin/placements/assignment/add/")
    page.locator(".field-candidate .select2-selection").click()
    page.locator(".select2-search__field").fill(BSN)
    option = page.locator(".select2-results__option", has_text="Zoekmij")
    option.wait_for()
    option.click()
    assert "Zoekmij" in page.locator(".field-candidate .select2-selection").inner_text()
    autocomplete = [url for url in requests if "/autocomplete/" in url]
    assert autocomplete
    assert not [url for url in requests if BSN in url]
