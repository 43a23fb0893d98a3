"""Dutch money and number formatting for templates: {{ amount|euro }} gives € 1.234,56
(the functions are `core.formatting`'s, also used by the admin)."""

from django import template

from core import formatting

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
