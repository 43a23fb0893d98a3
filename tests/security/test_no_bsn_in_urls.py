"""No BSN in any URL or log line (issue 14).

Every search that can receive a BSN is driven with the test client as the roles that have it:
the coordinator's candidate, assignment and premium lists (as a form and as htmx's live
search), the treasurer's supervision searches, the back office's admin lists and Select2
autocomplete. Every URL the test requests or is redirected to, every `Location`, and every
URL the pages hand out (href, src, action, hx-*, a `next` field) is collected and scanned for
a nine-digit number passing the 11-proof, written here independently of the portal's own
scan. Typing a BSN must still find the candidate (so the test fails when the search breaks
instead of hiding the number by finding nothing).

The log half captures what Django's request and server loggers, the root logger and the
portal's own loggers print, formatted as a handler would write it.
"""

import html
import logging
import re
from urllib.parse import unquote_plus

import pytest

from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    TimeEntryFactory,
    general_framework,
)

BSN = "123456782"
TYPED = ["123456782", "1234.56.782", " 123 456 782 "]

URL_ATTRIBUTE = re.compile(
    r"""(?:href|src|action|hx-get|hx-post|hx-push-url|data-ajax--url|data-href)=["']([^"']*)["']"""
)
NEXT_FIELD = re.compile(r"""name=["']next["'][^>]*value=["']([^"']*)["']""")
NINE_DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){8}(?![0-9])")


def eleven_proof(digits: str) -> bool:
    """The BSN 11-proof: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    if len(digits) != 9 or digits == "0" * 9:
        return False
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


def bsns_in(text: str) -> list[str]:
    found = []
    for match in NINE_DIGITS.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group())
        if eleven_proof(digits):
            found.append(match.group())
    return found


def decoded(url: str) -> str:
    """The URL percent-decoded until it no longer changes (`_changelist_filters` and `next`
    carry a whole query string, encoded once more)."""
    for _ in range(4):
        url, previous = unquote_plus(html.unescape(url)), url
        if url == previous:
            break
    return url


class Browse:
    """The test client with a record of every URL: requested, redirected to, handed out."""

    def __init__(self, client):
        self.client = client
        self.requested: list[str] = []
        self.handed_out: list[str] = []
        self.pages: list[str] = []

    def request(self, method: str, url: str, data=None, *, record=True, **headers):
        response = getattr(self.client, method)(url, data or {}, **headers)
        sent = response.request["PATH_INFO"]
        if response.request.get("QUERY_STRING"):
            sent += "?" + response.request["QUERY_STRING"]
        if record:
            self.requested.append(sent)
        for _ in range(5):
            self._collect(response)
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            location = response["Location"]
            self.handed_out.append(location)
            response = self.client.get(location, **headers)
            self.requested.append(location)
        raise AssertionError(f"Too many redirects from {url}")

    def get(self, url, data=None, **kwargs):
        return self.request("get", url, data, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.request("post", url, data, **kwargs)

    def search(self, url: str, **fields):
        """Submit a search form: it posts with its hidden `_search` field."""
        return self.post(url, {"_search": "1", **fields})

    def _collect(self, response) -> None:
        if "Location" in response:
            self.handed_out.append(response["Location"])
        content_type = response.get("Content-Type", "")
        if getattr(response, "streaming", False) or not content_type.startswith(
            ("text/", "application/json")
        ):
            return
        text = response.content.decode()
        self.pages.append(text)
        self.handed_out += URL_ATTRIBUTE.findall(text)
        self.handed_out += NEXT_FIELD.findall(text)

    def assert_no_bsn(self) -> None:
        urls = self.requested + self.handed_out
        assert urls, "nothing was browsed"
        leaks = [url for url in urls if bsns_in(decoded(url))]
        assert not leaks, f"A BSN in these URLs: {leaks}"
        for page in self.pages:
            assert BSN not in page
            assert "1234.56.782" not in page


@pytest.fixture
def candidate(municipality, coordinator):
    general_framework()
    candidate = CandidateFactory(
        municipality=municipality, bsn=BSN, first_name="Zoë", last_name="Zoekmij"
    )
    assignment = AssignmentFactory(
        candidate=candidate, active=True, requested_by=coordinator, decided_by=coordinator
    )
    TimeEntryFactory(assignment=assignment)
    CandidateFactory.create_batch(3, municipality=municipality)
    return candidate


def test_the_check_of_this_test_knows_a_bsn():
    assert bsns_in("/kandidaten/?q=123456782") == ["123456782"]
    assert bsns_in("q=1234.56.782&page=2") == ["1234.56.782"]
    assert bsns_in("q=123456789") == []  # fails the 11-proof
    assert bsns_in("NL91ABNA0417164300") == []  # ten digits: an account number


@pytest.mark.parametrize("typed", TYPED)
def test_coordinator_finds_a_candidate_by_bsn_without_it_in_a_url(
    coordinator_client, candidate, typed
):
    browse = Browse(coordinator_client)
    page = browse.search("/kandidaten/", q=typed, status="")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Zoekmij" in content
    assert page.context["page"].paginator.count == 1
    # Sorting, the next page, the downloads and the candidate all keep the search as a token.
    for href in re.findall(r'href="(\?[^"]*)"', content):
        browse.get("/kandidaten/" + html.unescape(href))
    csv = browse.get("/kandidaten/", {**page.wsgi_request.GET.dict(), "format": "csv"})
    assert "Zoekmij" in b"".join(csv.streaming_content).decode("utf-8-sig")
    browse.get(f"/kandidaten/{candidate.pk}/")
    browse.assert_no_bsn()


def test_the_live_search_posts_and_pushes_an_address_without_the_bsn(coordinator_client, candidate):
    browse = Browse(coordinator_client)
    page = browse.search("/kandidaten/", q=BSN, HTTP_HX_REQUEST="true")
    assert "Zoekmij" in page.content.decode()
    # htmx pushes the address the redirect led to.
    assert "q=bsn-" in browse.requested[-1]
    browse.assert_no_bsn()


def test_a_name_stays_in_the_address(coordinator_client, candidate):
    browse = Browse(coordinator_client)
    page = browse.search("/kandidaten/", q="Zoekmij")
    assert "Zoekmij" in page.content.decode()
    assert browse.requested[-1] == "/kandidaten/?q=Zoekmij"


def test_a_bsn_typed_into_an_address_is_replaced_before_any_link_is_made(
    coordinator_client, candidate
):
    browse = Browse(coordinator_client)
    page = browse.get("/kandidaten/", {"q": BSN, "sort": "number"}, record=False)
    assert "Zoekmij" in page.content.decode()
    assert "sort=number" in browse.requested[-1]
    browse.assert_no_bsn()


def test_a_search_token_finds_nothing_in_another_session(
    coordinator_client, coordinator, candidate, client
):
    browse = Browse(coordinator_client)
    browse.search("/kandidaten/", q=BSN)
    address = browse.requested[-1]
    client.force_login(coordinator)
    assert client.get(address).context["page"].paginator.count == 0


@pytest.mark.parametrize(
    ("url", "found"),
    [("/opdrachten/", "Zoekmij"), ("/premies/", None), ("/uren/", None)],
)
def test_coordinator_lists_that_search_candidates(coordinator_client, candidate, url, found):
    browse = Browse(coordinator_client)
    page = browse.search(url, q=BSN)
    assert page.status_code == 200
    if found:
        assert found in page.content.decode()
        for href in re.findall(r'href="(/opdrachten/\d+/[^"]*)"', page.content.decode()):
            browse.get(html.unescape(href))
    browse.assert_no_bsn()


@pytest.mark.parametrize(
    "url",
    [
        "/toezicht/bankregels/",
        "/toezicht/betalingen/",
        "/toezicht/debiteuren/",
        "/toezicht/audittrail/",
        "/premies/",
    ],
)
def test_treasurer_searches(treasurer_client, candidate, url):
    browse = Browse(treasurer_client)
    page = browse.search(url, q=BSN)
    assert page.status_code == 200, url
    browse.assert_no_bsn()


@pytest.mark.parametrize(
    ("model", "shows"),
    [
        ("placements/candidate", "Zoekmij"),
        ("placements/assignment", "Zoekmij"),
        ("placements/timeentry", "Zoekmij"),
        ("placements/displacementcheck", None),
        ("premiums/premiumaccrual", None),
        ("premiums/premiumopeningbalance", None),
    ],
)
def test_back_office_admin_search(back_office_client, candidate, model, shows):
    browse = Browse(back_office_client)
    page = browse.search(f"/admin/{model}/", q="1234.56.782")
    assert page.status_code == 200
    content = page.content.decode()
    if shows:
        assert shows in content
        # The change page's links and its way back keep the search as a token.
        [change] = re.findall(rf'href="(/admin/{model}/\d+/change/\?[^"]*)"', content)[:1]
        browse.get(html.unescape(change))
    browse.assert_no_bsn()


def test_admin_search_box_keeps_the_other_filters(back_office_client, candidate):
    browse = Browse(back_office_client)
    page = browse.search("/admin/placements/candidate/", q=BSN, status="active")
    assert "Zoekmij" in page.content.decode()
    assert "status=active" in browse.requested[-1]
    browse.assert_no_bsn()


AUTOCOMPLETE = {"app_label": "placements", "model_name": "assignment", "field_name": "candidate"}


def test_admin_autocomplete_by_bsn(back_office_client, candidate):
    """Select2 posts what was typed (static/js/admin-autocomplete.js) and follows the redirect
    to the same question with a token."""
    browse = Browse(back_office_client)
    response = browse.search("/admin/autocomplete/", term=BSN, **AUTOCOMPLETE)
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(candidate.pk)]
    assert "term=bsn-" in browse.requested[-1]
    browse.assert_no_bsn()


def test_admin_autocomplete_asked_with_a_bsn_in_its_address(back_office_client, candidate):
    """Without the script (a GET with the number): redirected to the tokenised question."""
    browse = Browse(back_office_client)
    response = browse.get("/admin/autocomplete/", {"term": BSN, **AUTOCOMPLETE}, record=False)
    assert [r["id"] for r in response.json()["results"]] == [str(candidate.pk)]
    browse.assert_no_bsn()


# --- Logs -----------------------------------------------------------------------------------

LOGGERS = ["", "django.request", "django.server", "django.security", "placements", "core"]


@pytest.fixture
def log_lines():
    """Every line the request, server, root and portal loggers write, formatted."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield lines
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_request_logs_carry_no_bsn(coordinator_client, candidate, log_lines):
    browse = Browse(coordinator_client)
    browse.search("/kandidaten/", q=BSN)
    # A 404 whose path looks like a BSN: django.request logs the path.
    assert coordinator_client.get(f"/kandidaten/{BSN}/").status_code == 404
    # What runserver's request handler writes for an address someone typed.
    logging.getLogger("django.server").info('"GET /kandidaten/?q=%s HTTP/1.1" 303 0', BSN)
    assert any("Not Found: /kandidaten/" in line for line in log_lines)
    assert any("django.server" in line for line in log_lines)
    leaks = [line for line in log_lines if bsns_in(line)]
    assert not leaks, leaks


def test_every_logger_masks_a_bsn(log_lines):
    for name in ["gunicorn.access", "celery.app.trace", "placements.services", "weasyprint"]:
        logging.getLogger(name).warning("BSN %s in a message", "1234.56.782")
    try:
        raise ValueError(f"bad value {BSN}")
    except ValueError:
        logging.getLogger("core").exception("while handling %s", BSN)
    assert log_lines
    leaks = [line for line in log_lines if bsns_in(line)]
    assert not leaks, leaks
    assert any("*********" in line for line in log_lines)
