"""The list pages of the portal, written once: filter, then export or paginate.

A list view filters its rows (through its selectors and its filter form) and hands them to
`list_response`. With `?format=csv` or `?format=xlsx` and an `Export`, the answer is the
download of every row (`core.exports`); otherwise it renders the page with the shared
context:

* `page`: the rows of `?page=` (a `Paginator` page), when the list has a page size;
* `form` and `filtered` (whether any filter has a value), when the list has a filter form.

The view adds what only its page shows through `extra_context(page)`, which is called only
when the page is rendered, never for an export. The links that keep the filters (the next
page, the downloads) are built in the templates with `{% querystring %}`.

Sorting is done by the database: a `Sort` names the orders a list offers, `?sort=key`
(ascending) or `?sort=-key` (descending); an unknown key falls back to the default. The page
and the export come in that order, and `sort` (the key in force) is in the context for the
column headers (`{% sort_header "key" label %}` of the `portal` tags: a plain link, no
JavaScript).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

from core.exports import FORMATS, Column, export_response

EXPORT_CHUNK_SIZE = 2000


def requested_export_format(request: HttpRequest) -> str | None:
    """`csv` or `xlsx` when the request asks for a download, else None."""
    export_format = request.GET.get("format")
    return export_format if export_format in FORMATS else None


def page_of(request: HttpRequest, objects, page_size: int) -> Page:
    """The page `?page=` of `objects` (the last page when out of range, the first when not
    a number)."""
    return Paginator(objects, page_size).get_page(request.GET.get("page"))


@dataclass(frozen=True)
class Sort:
    """The orders of a list: `options` maps a key to the fields or expressions it orders by
    (ascending; `-key` reverses each); `default` is a key, with or without `-`. `tiebreaker`
    (the primary key, or a grouped column for rows of `values()`) ends every order, so that
    pages never overlap."""

    options: Mapping[str, Sequence[Any]]
    default: str
    tiebreaker: str = "pk"

    def key(self, request: HttpRequest) -> str:
        """The `?sort=` in force: the requested one when the list offers it, else the default."""
        requested = request.GET.get("sort", "")
        return requested if requested.removeprefix("-") in self.options else self.default

    def order(self, objects: QuerySet, key: str) -> QuerySet:
        descending = key.startswith("-")
        expressions = []
        for item in self.options[key.removeprefix("-")]:
            expression = F(item) if isinstance(item, str) else item
            expressions.append(expression.desc() if descending else expression.asc())
        return objects.order_by(*expressions, self.tiebreaker)


@dataclass(frozen=True)
class Export:
    """The download of a list: its columns, file name (without extension) and sheet title.

    `rows` turns the streamed objects into the rows the columns read (labels, a month);
    without it the columns read the objects themselves.
    """

    columns: Sequence[Column]
    filename: str
    title: str
    rows: Callable[[Iterable[Any]], Iterable[Any]] | None = None

    def response(self, *, export_format: str, objects) -> HttpResponseBase:
        if isinstance(objects, QuerySet):
            objects = objects.iterator(chunk_size=EXPORT_CHUNK_SIZE)
        return export_response(
            export_format=export_format,
            filename=self.filename,
            title=self.title,
            columns=self.columns,
            objects=self.rows(objects) if self.rows else objects,
        )


def list_response(
    request: HttpRequest,
    *,
    template: str,
    objects,
    page_size: int | None = None,
    form=None,
    filters: Iterable[str] | None = None,
    export: Export | None = None,
    extra_context: Callable[[Page | None], dict] | None = None,
    sort: Sort | None = None,
) -> HttpResponseBase:
    """The export of `objects` when asked for, else the rendered list page.

    `objects` are the filtered, ordered rows (a queryset or any sequence). `filters` names
    the request parameters that count as a filter for `filtered` (default: the form's
    fields). With `sort`, the queryset is ordered by the `?sort=` in force.
    """
    sort_key = None
    if sort is not None:
        sort_key = sort.key(request)
        objects = sort.order(objects, sort_key)
    export_format = requested_export_format(request)
    if export is not None and export_format:
        return export.response(export_format=export_format, objects=objects)
    context: dict[str, Any] = {"sort": sort_key}
    if form is not None:
        names = form.fields if filters is None else filters
        context["form"] = form
        context["filtered"] = any(request.GET.get(name) for name in names)
    page = page_of(request, objects, page_size) if page_size is not None else None
    if page is not None:
        context["page"] = page
    if extra_context is not None:
        context.update(extra_context(page))
    return render(request, template, context)
