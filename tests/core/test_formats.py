"""Dutch formatting as the portal's users read it: € 1.234,56 and 31-12-2026."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

NBSP = "\u00a0"


def _render(source: str, language: str = "nl", **context) -> str:
    with translation.override(language):
        return Template("{% load portal %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234.56"), f"€{NBSP}1.234,56"),
        (Decimal("1234567.8"), f"€{NBSP}1.234.567,80"),
        (Decimal("0"), f"€{NBSP}0,00"),
        (Decimal("999.99"), f"€{NBSP}999,99"),
        (Decimal("-250.00"), f"€{NBSP}-250,00"),
        (3398, f"€{NBSP}3.398,00"),
    ],
)
def test_euro_in_dutch(amount, shown):
    assert _render("{{ amount|euro }}", amount=amount) == shown


def test_euro_empty_is_a_dash():
    assert _render("{{ amount|euro }}", amount=None) == "–"


def test_euro_in_english_keeps_the_english_separators():
    assert _render("{{ amount|euro }}", "en", amount=Decimal("1234.56")) == f"€{NBSP}1,234.56"


def test_percent_and_number_in_dutch():
    rendered = _render(
        "{{ fee|percent }} {{ hours|number }}", fee=Decimal("21"), hours=Decimal("1234.5")
    )
    assert rendered == f"21,00{NBSP}% 1.234,50"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_date_day_first(language):
    day = datetime.date(2026, 12, 31)
    assert _render("{{ day }}|{{ day|date:'SHORT_DATE_FORMAT' }}", language, day=day) == (
        "31-12-2026|31-12-2026"
    )


def test_dutch_date_input_accepted():
    from django import forms

    class DayForm(forms.Form):
        day = forms.DateField()

    with translation.override("nl"):
        form = DayForm({"day": "31-12-2026"})
        assert form.is_valid()
    assert form.cleaned_data["day"] == datetime.date(2026, 12, 31)
