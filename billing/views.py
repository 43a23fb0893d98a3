"""Billing pages for the portal: the revenue of the coordinator's own municipalities.

The figures come from `billing.selectors` (`revenue_by_client_and_month`): only the invoice
lines and credit note lines tagged with the user's municipalities, excluding VAT, by the
month of the document date.
"""

import datetime

from django.http import QueryDict
from django.utils import formats, timezone

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from billing.selectors import (
    MONTHS,
    ZERO,
    ClientRevenue,
    revenue_by_client_and_month,
    revenue_month_totals,
    revenue_years_for_user,
)
from core.decorators import role_required
from core.exports import Column
from core.lists import Export, list_response


def _export_rows(rows: list[ClientRevenue], year: int):
    for client in rows:
        for month in MONTHS:
            if month in client.invoiced or month in client.credited:
                yield {
                    "client": client.name,
                    "month": f"{month:02d}-{year}",
                    "hours": client.hours.get(month, ZERO),
                    "invoiced": client.invoiced.get(month, ZERO),
                    "credited": client.credited.get(month, ZERO),
                    "net": client.net(month),
                }


REVENUE_COLUMNS = [
    Column("Opdrachtgever", lambda r: r["client"], width=36),
    Column("Maand", lambda r: r["month"], width=10),
    Column("Uren (netto)", lambda r: r["hours"], width=12),
    Column("Gefactureerd excl. btw", lambda r: r["invoiced"], width=18),
    Column("Gecrediteerd excl. btw", lambda r: r["credited"], width=18),
    Column("Omzet excl. btw", lambda r: r["net"], width=16),
]


@role_required(is_coordinator, is_treasurer, is_back_office)
def revenue(request):
    """/omzet/?jaar=2026: revenue by client and month of the user's municipalities."""
    years = revenue_years_for_user(user=request.user, today=timezone.localdate())
    try:
        year = int(request.GET.get("jaar", ""))
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= 2100:
        year = timezone.localdate().year
    rows = revenue_by_client_and_month(user=request.user, year=year)

    def page_context(page) -> dict:
        month_totals = revenue_month_totals(rows)
        return {
            "year": year,
            "years": years if year in years else sorted([*years, year], reverse=True),
            "rows": rows,
            "month_names": [
                formats.date_format(datetime.date(year, m, 1), "M").capitalize() for m in MONTHS
            ],
            "month_totals": month_totals,
            "grand_total": sum(month_totals, ZERO),
            # The download is the year shown (an invalid choice falls back to this year).
            "export_query": QueryDict(f"jaar={year}"),
        }

    return list_response(
        request,
        template="billing/revenue.html",
        objects=rows,
        export=Export(
            columns=REVENUE_COLUMNS,
            filename=f"omzet-{year}",
            title=f"Omzet {year}",
            rows=lambda clients: _export_rows(clients, year),
        ),
        extra_context=page_context,
    )
