"""The figures of a settlement, read with database aggregates (no loop over documents).

Documents of the half-year for municipality M:
- invoice lines of issued invoices whose invoice date lies in the half-year, tagged M;
- credit note lines of issued credit notes whose credit note date lies in the half-year,
  tagged M (subtracted).
So each document belongs to exactly one settlement: the one of its own date.

Premiums on those hours: the premium accrued on each time entry the line invoices, i.e. the
entry's last accrual row (an invoiced entry cannot be approved anew, so its last accrual is
the one that was live when it was invoiced; earlier ones were reversed in pairs before the
invoice). A credited entry's premium is subtracted in the settlement of the credit note.

Grouped by month of the document date and by client: the month rows and the client rows
each add up to the totals.

One SQL statement per municipality (four grouped parts, UNION ALL), written by hand for the
plan: a municipality holds about 1/342 of a half-year's documents, so the statement starts
from its own lines (index on municipality) and probes each line's document, time-entry links
and accruals by index. The ORM's joins let PostgreSQL hash the whole half-year's invoices
once per municipality instead (and scan all invoice lines for the premiums), several times
slower per municipality at national scale (bench/settlement.py). Each probe is a LATERAL
subquery on one table with `OFFSET 0`, which keeps the planner from merging it into a join:
it can only be an index lookup by that table's key, whatever the planner's statistics say
(with a table it believed empty, a join scanned every issued invoice, or every time-entry
link, for each line). The MATERIALIZED lines are read again for their premiums; an entry's
last accrual is its highest id of kind "accrual", taken with array_agg rather than
ORDER BY id LIMIT 1, which the planner could answer by walking the whole primary key.
"""

import dataclasses
from collections import defaultdict
from decimal import Decimal

from django.db import connection

from settlements.models import Period

ZERO = Decimal("0.00")


@dataclasses.dataclass
class Part:
    hours: Decimal = ZERO
    gross: Decimal = ZERO
    premiums: Decimal = ZERO


@dataclasses.dataclass
class Figures:
    """G, P and hours of a municipality's half-year, by month and by client."""

    by_month: dict  # month (date) -> Part
    by_client: dict  # client id -> Part
    client_names: dict  # client id -> name on the (latest) invoice
    invoice_line_count: int
    credit_line_count: int

    @property
    def gross(self) -> Decimal:
        return sum((part.gross for part in self.by_month.values()), ZERO)

    @property
    def premiums(self) -> Decimal:
        return sum((part.premiums for part in self.by_month.values()), ZERO)

    @property
    def hours(self) -> Decimal:
        return sum((part.hours for part in self.by_month.values()), ZERO)


# %(municipality)s, %(start)s, %(end)s. Rows: (source, month, client, hours, amount, lines,
# client name); source "invoice", "credit", "invoice_premium" or "credit_premium". The last
# accrual of an entry: its row of kind "accrual" with the highest id.
FIGURES_SQL = """
WITH invoiced AS MATERIALIZED (
    SELECT l.id, l.hours, l.amount,
           date_trunc('month', i.invoice_date::timestamp)::date AS month,
           i.client_id, i.client_name
    FROM billing_invoiceline l
    CROSS JOIN LATERAL (
        SELECT i.invoice_date, i.status, i.client_id, i.client_name
        FROM billing_invoice i WHERE i.id = l.invoice_id OFFSET 0
    ) i
    WHERE l.municipality_id = %(municipality)s
      AND i.status = 'issued' AND i.invoice_date BETWEEN %(start)s AND %(end)s
), credited AS MATERIALIZED (
    SELECT l.id, l.hours, l.amount,
           date_trunc('month', c.credit_date::timestamp)::date AS month,
           i.client_id, i.client_name
    FROM billing_creditnoteline l
    CROSS JOIN LATERAL (
        SELECT c.credit_date, c.status, c.invoice_id
        FROM billing_creditnote c WHERE c.id = l.credit_note_id OFFSET 0
    ) c
    CROSS JOIN LATERAL (
        SELECT i.client_id, i.client_name
        FROM billing_invoice i WHERE i.id = c.invoice_id OFFSET 0
    ) i
    WHERE l.municipality_id = %(municipality)s
      AND c.status = 'issued' AND c.credit_date BETWEEN %(start)s AND %(end)s
)
SELECT 'invoice', month, client_id, SUM(hours), SUM(amount), COUNT(*), MAX(client_name)
FROM invoiced GROUP BY month, client_id
UNION ALL
SELECT 'credit', month, client_id, SUM(hours), SUM(amount), COUNT(*), MAX(client_name)
FROM credited GROUP BY month, client_id
UNION ALL
SELECT 'invoice_premium', d.month, d.client_id, NULL, SUM(a.amount), NULL, NULL
FROM invoiced d
CROSS JOIN LATERAL (
    SELECT e.time_entry_id FROM billing_invoicelineentry e WHERE e.line_id = d.id OFFSET 0
) e
CROSS JOIN LATERAL (
    SELECT (array_agg(a.amount ORDER BY a.id DESC))[1] AS amount
    FROM premiums_premiumaccrual a
    WHERE a.time_entry_id = e.time_entry_id AND a.kind = 'accrual'
) a
WHERE a.amount IS NOT NULL  -- an entry without an accrual has no premium row, as a join gives
GROUP BY d.month, d.client_id
UNION ALL
SELECT 'credit_premium', d.month, d.client_id, NULL, SUM(a.amount), NULL, NULL
FROM credited d
CROSS JOIN LATERAL (
    SELECT e.time_entry_id FROM billing_creditnotelineentry e WHERE e.line_id = d.id OFFSET 0
) e
CROSS JOIN LATERAL (
    SELECT (array_agg(a.amount ORDER BY a.id DESC))[1] AS amount
    FROM premiums_premiumaccrual a
    WHERE a.time_entry_id = e.time_entry_id AND a.kind = 'accrual'
) a
WHERE a.amount IS NOT NULL  -- an entry without an accrual has no premium row, as a join gives
GROUP BY d.month, d.client_id
ORDER BY 1, 2, 3
"""


def settlement_figures(*, municipality_id: int, period: Period) -> Figures:
    """Aggregate the half-year's documents of one municipality (one grouped statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            FIGURES_SQL,
            {"municipality": municipality_id, "start": period.start, "end": period.end},
        )
        rows = cursor.fetchall()

    by_month: dict = defaultdict(Part)
    by_client: dict = defaultdict(Part)
    names: dict = {}
    counts = {"invoice": 0, "credit": 0}

    def add(key_month, key_client, *, hours=ZERO, gross=ZERO, premiums=ZERO):
        for part in (by_month[key_month], by_client[key_client]):
            part.hours += hours
            part.gross += gross
            part.premiums += premiums

    # Sorted by source, month, client: a client's name is the one on its latest invoice.
    for source, month, client, hours, amount, lines, name in rows:
        if source == "invoice":
            add(month, client, hours=hours, gross=amount)
            names[client] = name
            counts["invoice"] += lines
        elif source == "credit":
            add(month, client, hours=-hours, gross=-amount)
            names.setdefault(client, name)
            counts["credit"] += lines
        elif source == "invoice_premium":
            add(month, client, premiums=amount)
        else:
            add(month, client, premiums=-amount)

    return Figures(
        by_month=dict(by_month),
        by_client=dict(by_client),
        client_names=names,
        invoice_line_count=counts["invoice"],
        credit_line_count=counts["credit"],
    )
