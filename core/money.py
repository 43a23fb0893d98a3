"""Money: the one place that turns values into Decimals and rounds them.

Euros are Decimals with two places, rounded half up to the cent here and nowhere else.
Where the database computes an amount for a set of rows (the monthly invoice run), it rounds
with the SQL that `sql_round_half_up` writes, the same rule (tests/core/test_money_sql.py
compares the two on the half-cent cases). Floats are refused: 0.1 + 0.2 is not 0.3 in binary, and a cent lost per line adds up.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def to_decimal(value: Decimal | int | str) -> Decimal:
    """A finite Decimal from a Decimal, int or numeric string; floats raise TypeError."""
    if isinstance(value, float):
        raise TypeError("Money and hours are Decimals, never floats.")
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"Not a number: {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"Not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"Not a finite number: {value!r}")
    return result


def round_half_up(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half up (0.005 -> 0.01, -0.005 -> -0.01)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percentage_of(amount: Decimal | int | str, percentage: Decimal | int | str) -> Decimal:
    """`percentage` % of `amount`, rounded half up to the cent once."""
    return round_half_up(to_decimal(amount) * to_decimal(percentage) / HUNDRED)


def line_amount(hours: Decimal | int | str, rate: Decimal | int | str) -> Decimal:
    """Hours times rate, rounded half up to the cent."""
    return round_half_up(to_decimal(hours) * to_decimal(rate))


def sql_round_half_up(expression: str) -> str:
    """SQL rounding a numeric `expression` to the cent as `round_half_up` does.

    PostgreSQL's ROUND(numeric, 2) rounds a half away from zero (0.005 -> 0.01,
    -0.005 -> -0.01), which is what ROUND_HALF_UP does for Decimals: the same rule in both
    signs, and the rule the invoice line's check constraint holds the database to. Numeric,
    never double precision (which rounds binary fractions).
    """
    return f"ROUND(({expression})::numeric, 2)"
