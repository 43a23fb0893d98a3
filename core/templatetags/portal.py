"""Dutch money and number formatting for templates: {{ amount|euro }} gives € 1.234,56
(the functions are `core.formatting`'s, also used by the admin)."""

from django import template

from core import formatting, names

register = template.Library()


@register.filter
def euro(value) -> str:
    return formatting.euro(value)


@register.filter
def percent(value) -> str:
    return formatting.percent(value)


@register.filter
def number(value, decimals: int = 2) -> str:
    return formatting.number(value, decimals)


@register.filter
def year(value) -> str:
    return formatting.year(value)


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(
    context, key: str, label: str, numeric: bool = False, rowspan: int | None = None
) -> dict:
    """A column header that sorts the list by `key` (`?sort=`), ascending first, descending on
    the second click; `aria-sort` tells a screen reader the order in force. `rowspan` for a
    header over two header rows."""
    current = context.get("sort") or ""
    direction = None
    if current == key:
        direction = "ascending"
    elif current == f"-{key}":
        direction = "descending"
    return {
        "request": context.get("request"),
        "label": label,
        "numeric": numeric,
        "rowspan": rowspan,
        "direction": direction,
        "next_sort": f"-{key}" if direction == "ascending" else key,
    }


@register.simple_tag
def list_name(first_name: str, last_name: str) -> str:
    """ "Wal, Roel van der" from the two name fields (core.names)."""
    return names.list_name(first_name or "", last_name or "")
