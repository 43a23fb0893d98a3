from decimal import Decimal

import pytest

from core.money import line_amount, percentage_of, round_half_up, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),  # a float would say 2.67
        ("-0.005", "-0.01"),
        ("1234.5649", "1234.56"),
        (7, "7.00"),
    ],
)
def test_round_half_up_to_the_cent(value, expected):
    assert round_half_up(value) == Decimal(expected)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_decimal(0.1)
    with pytest.raises(TypeError):
        line_amount(Decimal("1.5"), 14.71)
    with pytest.raises(TypeError):
        to_decimal(True)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", ""])
def test_non_numbers_are_refused(value):
    with pytest.raises(ValueError, match="number"):
        to_decimal(value)


@pytest.mark.parametrize(
    ("hours", "rate", "expected"),
    [
        ("7.5", "14.71", "110.33"),  # 110.325 rounds up
        ("0.25", "14.70", "3.68"),  # 3.675 rounds up
        ("8", "15.25", "122.00"),
    ],
)
def test_line_amount(hours, rate, expected):
    assert line_amount(Decimal(hours), Decimal(rate)) == Decimal(expected)


@pytest.mark.parametrize(
    ("amount", "percentage", "expected"),
    [
        ("1000.00", "2", "20.00"),
        ("0.25", "2", "0.01"),  # 0.005 rounds up
        ("0.24", "2", "0.00"),
        ("12345.67", "30", "3703.70"),
    ],
)
def test_percentage_of(amount, percentage, expected):
    assert percentage_of(Decimal(amount), Decimal(percentage)) == Decimal(expected)
