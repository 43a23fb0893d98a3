"""Content-Security-Policy and Permissions-Policy on every page (issue 14).

Scripts are strict everywhere (files from the portal, the one inline-able tag nonced); styles
are strict on the portal pages and allow inline styles on the admin only (Django's admin
templates and Select2 write style attributes). The template scan keeps it so: no portal
template has an inline script without a nonce, an event-handler attribute, a `javascript:`
URL or (outside the admin, the PDFs and the e-mails) a style attribute or element.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"] + [
    path
    for path in Path(settings.BASE_DIR).glob("*/templates")
    if not str(path).startswith(str(Path(settings.BASE_DIR) / "var"))
]
SERVER_SIDE_ONLY = ("/pdf/", "/email/")  # WeasyPrint and mail clients, never a browser page

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']application/json)[^>]*>")
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def portal_templates():
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*.html")):
            relative = str(path.relative_to(settings.BASE_DIR))
            if not any(part in f"/{relative}" for part in SERVER_SIDE_ONLY):
                yield relative, path.read_text()


def test_the_scan_reads_the_templates():
    names = [name for name, _text in portal_templates()]
    assert "templates/base.html" in names
    assert "templates/placements/_filter_form.html" in names
    assert len(names) > 100


def test_the_scan_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert EVENT_HANDLER.search('<a href="#" onclick="go()">')
    assert not EVENT_HANDLER.search('<p class="online">')
    assert STYLE_ATTRIBUTE.search('<td style="text-align: right">')


def test_no_template_has_an_inline_script_handler_or_javascript_url():
    problems = []
    for name, text in portal_templates():
        for match in INLINE_SCRIPT.finditer(text):
            if "csp_nonce" not in match.group() and "CSP_NONCE" not in match.group():
                problems.append(f"{name}: inline script without a nonce: {match.group()}")
        problems += [f"{name}: event handler attribute" for _ in EVENT_HANDLER.finditer(text)]
        problems += [f"{name}: javascript: URL" for _ in JAVASCRIPT_URL.finditer(text)]
    assert not problems, "\n".join(problems)


def test_no_portal_template_has_inline_styles():
    problems = []
    for name, text in portal_templates():
        if name.startswith("templates/admin/"):
            continue  # the admin's style-src allows inline styles (see the module docstring)
        if STYLE_ATTRIBUTE.search(text) or STYLE_ELEMENT.search(text):
            problems.append(name)
    assert not problems, problems


def test_portal_page_headers(coordinator_client):
    response = coordinator_client.get("/kandidaten/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    script_src = policy["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    # htmx's script tag carries the nonce of the header.
    [nonce] = [value for value in script_src if value.startswith("'nonce-")]
    content = response.content.decode()
    assert f'nonce="{nonce[7:-1]}"' in content
    assert '<meta name="htmx-config"' in content
    _assert_permissions_policy(response)


def test_the_nonce_changes_with_every_response(coordinator_client):
    first = coordinator_client.get("/kandidaten/")["Content-Security-Policy"]
    second = coordinator_client.get("/kandidaten/")["Content-Security-Policy"]
    assert first != second


def test_admin_page_headers(back_office_client):
    response = back_office_client.get("/admin/placements/candidate/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    _assert_permissions_policy(response)


@pytest.mark.parametrize("url", ["/accounts/login/", "/static/css/portal.css"])
def test_signed_out_pages_have_the_headers_too(client, url):
    response = client.get(url)
    assert "Content-Security-Policy" in response
    _assert_permissions_policy(response)


def _assert_permissions_policy(response):
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature
