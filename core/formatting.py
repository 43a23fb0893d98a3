"""Numbers as the portal's readers write them, in one place: 1.234,56 and the year 2026.

Templates use these through the `portal` template tags (`euro`, `number`); admin columns,
read-only fields and messages call them directly. A year is a name, not a quantity: it never
gets a thousands separator (Django's number formatting would write 2.026).
"""

from decimal import Decimal

from django.utils import formats

EMPTY = "–"


def number(value, decimals: int = 2) -> str:
    """1.234,56 (grouped, the language's separators); a dash for no value."""
    if value in (None, ""):
        return EMPTY
    return formats.number_format(Decimal(value), int(decimals), use_l10n=True, force_grouping=True)


def amount(value) -> str:
    """An amount in euros without the sign: 15.800,01."""
    return number(value, 2)


def euro(value) -> str:
    """An amount in euros with the sign: € 15.800,01."""
    if value in (None, ""):
        return EMPTY
    return "€\u00a0" + amount(value)


def percent(value) -> str:
    if value in (None, ""):
        return EMPTY
    return formats.number_format(Decimal(value), 2, use_l10n=True) + "\u00a0%"


def year(value) -> str:
    """2026, never 2.026."""
    return EMPTY if value in (None, "") else str(int(value))
