"""Inline SVG charts, as geometry for a template: no JavaScript, no chart library.

The numbers here are for drawing only (floats, rounded to a tenth of a pixel); the figures
themselves stay Decimals in the table shown next to every chart.
"""

import math
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils import formats


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks if span > 0 else 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


CHART = {"width": 760, "height": 280, "left": 84, "right": 12, "top": 12, "bottom": 36}


def bar_chart(
    *,
    months: Sequence,
    series: list[tuple[str, str, str]],
    label: Callable[[object], str] | None = None,
) -> dict:
    """Geometry of a grouped bar chart for inline SVG: one group per month, one bar per
    series (attribute, label, css class); a negative value is a bar below the zero line.
    Numbers for display only: the figures themselves stay Decimals in the table.

    Each row of `months` has a `month` (a date), `future` (a month still to come: no bars)
    and the attributes of the series (None: no bar). With `label` (row -> text) the groups
    are anything else, e.g. half-years or years, named by it instead of a month."""
    values = [0.0] + [
        float(getattr(row, attr))
        for row in months
        for attr, _label, _css in series
        if getattr(row, attr) is not None and not row.future
    ]
    high, low = max(values), min(values)
    step = _nice_step(high - low)
    top = math.ceil(high / step) * step if high > 0 else 0
    bottom = math.floor(low / step) * step if low < 0 else 0
    if top == bottom:
        top = step
    plot_w = CHART["width"] - CHART["left"] - CHART["right"]
    plot_h = CHART["height"] - CHART["top"] - CHART["bottom"]

    def y_of(value: float) -> float:
        return CHART["top"] + (top - value) / (top - bottom) * plot_h

    group_w = plot_w / max(len(months), 1)
    bar_w = group_w * 0.8 / len(series)
    bars, labels = [], []
    for index, row in enumerate(months):
        x0 = CHART["left"] + index * group_w + group_w * 0.1
        if label is None:
            month_name = formats.date_format(row.month, "YEAR_MONTH_FORMAT")
            short_name = formats.date_format(row.month, "M").capitalize()
        else:
            month_name = short_name = label(row)
        labels.append(
            {
                "x": round(CHART["left"] + (index + 0.5) * group_w, 1),
                "text": short_name,
            }
        )
        for position, (attr, series_label, css) in enumerate(series):
            value = getattr(row, attr)
            if value is None or row.future:
                continue
            y_value, y_zero = y_of(float(value)), y_of(0.0)
            bars.append(
                {
                    "x": round(x0 + position * bar_w, 1),
                    "y": round(min(y_value, y_zero), 1),
                    "width": round(bar_w - 1, 1),
                    "height": round(max(abs(y_zero - y_value), 0.5), 1),
                    "css": css,
                    "title": f"{month_name}: {series_label} "
                    + formats.number_format(value, 2, use_l10n=True, force_grouping=True),
                }
            )
    grid = []
    value = bottom
    while value <= top + step / 1000:
        grid.append(
            {
                "y": round(y_of(value), 1),
                "text": formats.number_format(
                    Decimal(str(round(value, 2))), 0, use_l10n=True, force_grouping=True
                ),
                "zero": abs(value) < step / 1000,
            }
        )
        value += step
    return {
        **CHART,
        "plot_right": CHART["width"] - CHART["right"],
        "label_y": CHART["height"] - CHART["bottom"] + 22,
        "bars": bars,
        "labels": labels,
        "grid": grid,
        "series": [{"label": label, "css": css} for _attr, label, css in series],
    }
