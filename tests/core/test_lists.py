"""The list helper (core.lists): a download when asked for, else one page with the shared
context; the page-only context is never computed for a download. And the links of the
shared pagination and download templates keep the filters through {% querystring %}."""

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from core import lists
from core.exports import Column
from core.lists import Export, list_response, requested_export_format

ROWS = [{"name": f"row {n}"} for n in range(5)]
EXPORT = Export(columns=[Column("Naam", lambda r: r["name"])], filename="rijen", title="Rijen")


class FilterForm(forms.Form):
    q = forms.CharField(required=False)


def _rendered(monkeypatch):
    calls = []

    def fake_render(request, template, context):
        calls.append((template, context))
        return "rendered"

    monkeypatch.setattr(lists, "render", fake_render)
    return calls


def test_the_export_format_is_csv_or_xlsx_only():
    factory = RequestFactory()
    assert requested_export_format(factory.get("/", {"format": "csv"})) == "csv"
    assert requested_export_format(factory.get("/", {"format": "xlsx"})) == "xlsx"
    assert requested_export_format(factory.get("/", {"format": "pdf"})) is None
    assert requested_export_format(factory.get("/")) is None


def test_a_download_skips_the_page(monkeypatch):
    calls = _rendered(monkeypatch)

    def page_only(page):
        raise AssertionError("the page context is not computed for a download")

    request = RequestFactory().get("/", {"format": "csv", "page": "2"})
    response = list_response(
        request,
        template="list.html",
        objects=ROWS,
        page_size=2,
        export=EXPORT,
        extra_context=page_only,
    )
    assert response["Content-Disposition"] == 'attachment; filename="rijen.csv"'
    assert b"".join(response.streaming_content).decode("utf-8-sig").split("\r\n")[:3] == [
        "Naam",
        "row 0",
        "row 1",
    ]
    assert calls == []


def test_the_rows_of_an_export_can_be_transformed():
    export = Export(
        columns=EXPORT.columns,
        filename="rijen",
        title="Rijen",
        rows=lambda rows: ({"name": row["name"].upper()} for row in rows),
    )
    request = RequestFactory().get("/", {"format": "csv"})
    response = list_response(request, template="list.html", objects=ROWS[:1], export=export)
    assert "ROW 0" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_without_an_export_the_format_is_ignored(monkeypatch):
    calls = _rendered(monkeypatch)
    request = RequestFactory().get("/", {"format": "csv"})
    assert list_response(request, template="list.html", objects=ROWS, page_size=2) == "rendered"
    assert [template for template, _context in calls] == ["list.html"]


def test_the_page_context(monkeypatch):
    calls = _rendered(monkeypatch)
    request = RequestFactory().get("/", {"q": "row", "page": "3"})
    form = FilterForm(request.GET)
    list_response(
        request,
        template="list.html",
        objects=ROWS,
        page_size=2,
        form=form,
        export=EXPORT,
        extra_context=lambda page: {"count_on_page": len(page.object_list)},
    )
    [(_template, context)] = calls
    assert context["form"] is form
    assert context["filtered"] is True
    assert context["page"].number == 3
    assert context["count_on_page"] == 1


def test_filtered_counts_only_the_named_filters(monkeypatch):
    calls = _rendered(monkeypatch)
    request = RequestFactory().get("/", {"q": "row"})
    list_response(
        request, template="list.html", objects=ROWS, form=FilterForm(request.GET), filters=()
    )
    [(_template, context)] = calls
    assert context["filtered"] is False
    assert "page" not in context


def test_the_links_keep_the_filters():
    request = RequestFactory().get("/", {"q": "smit", "status": "", "page": "2", "format": "x"})
    request.user = AnonymousUser()
    page = Paginator(ROWS, 2).get_page(2)
    pagination = render_to_string("placements/_pagination.html", {"page": page}, request=request)
    assert 'href="?q=smit&amp;status=&amp;page=1"' in pagination
    assert 'href="?q=smit&amp;status=&amp;page=3"' in pagination
    exports = render_to_string("placements/_exports.html", {"what": "rows"}, request=request)
    assert 'href="?q=smit&amp;status=&amp;format=xlsx"' in exports
    assert 'href="?q=smit&amp;status=&amp;format=csv"' in exports
