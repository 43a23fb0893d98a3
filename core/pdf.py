"""PDF documents: one function renders a Django template to PDF bytes with WeasyPrint.

WeasyPrint is imported inside the functions that use it (it loads Pango and fonts: a web
request or a management command that renders nothing should not pay for that).

WeasyPrint fetches nothing from outside. Templates refer to the project's own static files
(`{% static 'css/pdf.css' %}`); the HTML is given a base URL on a reserved, never-resolving
host (`.invalid`, RFC 2606), and the URL fetcher serves only `STATIC_URL` paths on that host,
read through the staticfiles finders (the same files `collectstatic` would collect), or
from STATIC_ROOT for the hashed names of the manifest storage. Any
other URL is refused without a connection: http(s) elsewhere, `file://`, `ftp:`... `data:`
URLs are decoded in memory (they carry their content and reach nothing). A refused URL is
logged and the document is rendered without it: what shows in the PDF is only what the
project ships.

The letterhead: `issuer()` is NVSI as it stands on every document (invoices, credit notes,
premium letters, settlement statements), from settings NVSI_*.

Documents are rendered in Dutch (`translation.override("nl")`): they go to Dutch clients,
whatever the language of the person or worker that renders them.
"""

import logging
import mimetypes
import os
import posixpath
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

# The base URL the HTML is rendered under: a host that never resolves (RFC 2606).
PDF_BASE_URL = "https://static.nvsi-pdf.invalid/"


class RefusedURL(ValueError):
    """WeasyPrint asked for a URL outside the project's static files."""


def _static_prefix() -> str:
    """The path part of STATIC_URL, e.g. '/static/'."""
    path = urlsplit(settings.STATIC_URL).path
    return "/" + path.strip("/") + "/"


def static_file_for_url(url: str) -> str | None:
    """The absolute path of the static file `url` names on the PDF base host, or None."""
    parts = urlsplit(url)
    base = urlsplit(PDF_BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    prefix = _static_prefix()
    if not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix) :])
    normalised = posixpath.normpath(relative)
    if normalised != relative or normalised.startswith(("/", "..")) or "\\" in relative:
        return None
    found = finders.find(normalised)
    if isinstance(found, str):
        return found
    # `{% static %}` gives hashed names under the manifest storage: those live in STATIC_ROOT.
    try:
        collected = staticfiles_storage.path(normalised)
    except NotImplementedError:
        return None
    return collected if os.path.isfile(collected) else None


def _url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """Serves the project's static files and `data:` URLs; refuses everything else.

        `served` and `refused` list the URLs asked for, for tests and for the log.
        """

        def __init__(self):
            super().__init__(allowed_protocols=("https", "data"), allow_redirects=False)
            self.served: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
            path = static_file_for_url(url)
            if path is None:
                self.refused.append(url)
                logger.warning("PDF rendering refused to fetch %s", url)
                raise RefusedURL(f"Only the project's static files are fetched, not {url}")
            self.served.append(url)
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            with open(path, "rb") as handle:
                body = handle.read()
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticOnlyURLFetcher


def static_only_url_fetcher():
    """A fresh URL fetcher that serves only the project's static files (see above)."""
    return _url_fetcher_class()()


@dataclass
class RenderedPDF:
    """A rendered document and the URLs its fetcher served and refused."""

    content: bytes
    served: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def render_html(*, template_name: str, context: dict) -> str:
    """The template rendered to HTML, in Dutch."""
    with translation.override("nl"):
        return render_to_string(template_name, context)


def html_to_pdf(html: str) -> RenderedPDF:
    """WeasyPrint on `html`, with the static-only fetcher."""
    from weasyprint import HTML

    fetcher = static_only_url_fetcher()
    content = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher).write_pdf()
    return RenderedPDF(content=content, served=fetcher.served, refused=fetcher.refused)


def render_pdf(*, template_name: str, context: dict) -> bytes:
    """The template rendered to a PDF document (bytes)."""
    return html_to_pdf(render_html(template_name=template_name, context=context)).content


@dataclass(frozen=True)
class Issuer:
    name: str
    address: str
    kvk: str
    vat_number: str
    iban: str
    bic: str
    email: str


def issuer() -> Issuer:
    """NVSI as it stands on its documents (settings NVSI_*)."""
    return Issuer(
        name=settings.NVSI_NAME,
        address=settings.NVSI_ADDRESS,
        kvk=settings.NVSI_KVK,
        vat_number=settings.NVSI_VAT_NUMBER,
        iban=settings.NVSI_IBAN,
        bic=settings.NVSI_BIC,
        email=settings.NVSI_BILLING_EMAIL,
    )
