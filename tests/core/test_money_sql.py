"""The SQL rounding of core.money (used by the set-based invoice run) equals the Python one."""

from decimal import Decimal

import pytest
from django.db import connection

from core.money import line_amount, round_half_up, sql_round_half_up

VALUES = [
    "0.005",
    "0.004999",
    "0.015",
    "0.025",
    "1.005",
    "2.675",
    "94.375",
    "-0.005",
    "-0.015",
    "-2.675",
    "123456789.995",
    "0",
    "0.0049",
    "10.5050",
]
# hours x rate pairs whose product ends on a half cent, or just under or over it.
PRODUCTS = [
    ("6.25", "15.10"),
    ("0.25", "14.71"),
    ("7.25", "16.63"),
    ("3.75", "18.21"),
    ("0.01", "0.50"),
    ("23.99", "999999.99"),
    ("6.50", "14.71"),
]


@pytest.mark.django_db
def test_sql_rounds_half_up_as_python_does():
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v, {sql_round_half_up('v')} FROM unnest(%s::numeric[]) AS v",  # noqa: S608
            [[Decimal(v) for v in VALUES]],
        )
        rows = cursor.fetchall()
    assert len(rows) == len(VALUES)
    for value, rounded in rows:
        assert rounded == round_half_up(value), value
    assert dict(rows)[Decimal("-0.005")] == Decimal("-0.01")
    assert dict(rows)[Decimal("2.675")] == Decimal("2.68")  # 2.675 is no binary fraction here


@pytest.mark.django_db
def test_sql_line_amount_is_the_python_line_amount():
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT h, r, {sql_round_half_up('h * r')} "  # noqa: S608
            "FROM unnest(%s::numeric[], %s::numeric[]) AS t(h, r)",
            [[Decimal(h) for h, _r in PRODUCTS], [Decimal(r) for _h, r in PRODUCTS]],
        )
        rows = cursor.fetchall()
    assert [amount for _h, _r, amount in rows] == [line_amount(h, r) for h, r in PRODUCTS]
    assert rows[0][2] == Decimal("94.38")  # 94.375
