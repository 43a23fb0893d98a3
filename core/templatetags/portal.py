"""Dutch money and number formatting for templates: {{ amount|euro }} gives € 1.234,56."""

from decimal import Decimal

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def euro(value) -> str:
    if value in (None, ""):
        return "–"
    return "€\u00a0" + formats.number_format(Decimal(value), 2, use_l10n=True, force_grouping=True)


@register.filter
def percent(value) -> str:
    if value in (None, ""):
        return "–"
    return formats.number_format(Decimal(value), 2, use_l10n=True) + "\u00a0%"


@register.filter
def number(value, decimals: int = 2) -> str:
    if value in (None, ""):
        return "–"
    return formats.number_format(Decimal(value), int(decimals), use_l10n=True, force_grouping=True)
