"""core.pdf: templates to PDF text (read back with pypdf), and nothing fetched from outside."""

import io
import socket

import pytest
from pypdf import PdfReader

from core.pdf import PDF_BASE_URL, html_to_pdf, render_pdf, static_file_for_url

DOCUMENT = """{% load static portal %}<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<link rel="stylesheet" href="{% static 'css/pdf.css' %}">
{{ extra_head|safe }}
</head><body>
<img src="{% static 'img/nvsi-logo.svg' %}" alt="NVSI">
<h1>Factuur {{ number }}</h1>
<p>Totaal {{ amount|euro }}</p>
{{ extra_body|safe }}
</body></html>"""


@pytest.fixture
def pdf_template(settings):
    """The project's template settings plus an in-memory `test/document.html`."""
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    ("django.template.loaders.locmem.Loader", {"test/document.html": DOCUMENT})
                ],
            },
        }
    ]
    return "test/document.html"


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket connection fails the test."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"network connection attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: attempts.append(a) or refuse(None, a)
    )
    return attempts


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_text_of_the_template_is_in_the_pdf(pdf_template, no_network):
    from decimal import Decimal

    pdf = render_pdf(
        template_name=pdf_template, context={"number": "2026-000123", "amount": Decimal("1234.5")}
    )
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "Factuur 2026-000123" in text
    assert "1.234,50" in text  # Dutch format, also when the request's language is English
    assert no_network == []


def test_static_css_and_image_are_loaded(pdf_template, no_network):
    from django.template.loader import render_to_string

    html = render_to_string(pdf_template, {"number": "1", "amount": 1})
    rendered = html_to_pdf(html)
    assert PDF_BASE_URL + "static/css/pdf.css" in rendered.served
    assert PDF_BASE_URL + "static/img/nvsi-logo.svg" in rendered.served
    assert rendered.refused == []
    # The page box of pdf.css: A4 (595 x 842 points).
    page = PdfReader(io.BytesIO(rendered.content)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/tracker.png",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "//example.com/style.css",
        "ftp://example.com/x.css",
    ],
)
def test_outside_urls_are_refused_without_a_connection(pdf_template, no_network, url):
    from django.template.loader import render_to_string

    html = render_to_string(
        pdf_template,
        {
            "number": "1",
            "amount": 1,
            "extra_head": f'<link rel="stylesheet" href="{url}">',
            "extra_body": f'<img src="{url}" alt="x">',
        },
    )
    rendered = html_to_pdf(html)
    assert rendered.content.startswith(b"%PDF-")
    assert rendered.refused, "the outside URL was not even asked for"
    assert all(u not in rendered.served for u in rendered.refused)
    assert no_network == []


def test_data_urls_are_decoded_in_memory(pdf_template, no_network):
    from django.template.loader import render_to_string

    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    html = render_to_string(
        pdf_template, {"number": "1", "amount": 1, "extra_body": f'<img src="{pixel}">'}
    )
    rendered = html_to_pdf(html)
    assert rendered.refused == []
    assert no_network == []


@pytest.mark.parametrize(
    "path",
    [
        "static/../nvsi_portal/settings.py",
        "static/%2e%2e/nvsi_portal/settings.py",
        "static//etc/passwd",
        "static/css/missing.css",
        "media/invoices/x.pdf",
    ],
)
def test_only_existing_static_files_are_served(path):
    assert static_file_for_url(PDF_BASE_URL + path) is None


def test_a_static_file_on_another_host_is_refused():
    assert static_file_for_url("https://example.com/static/css/pdf.css") is None
    assert static_file_for_url(PDF_BASE_URL + "static/css/pdf.css").endswith("css/pdf.css")
