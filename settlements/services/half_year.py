"""The settlements of many municipalities of one half-year at once, set-based.

`settlements_compute_many` gives the same settlements, breakdowns and audit records as
`settlement_compute` called for each municipality (tests/settlements/test_settlements_half_year.py
compares them), in a handful of statements whatever the number of municipalities:

1. the settlements already there, locked (FOR UPDATE): submitted and approved ones are left
   as they are (skipped), drafts and rejected ones are recomputed;
2. the terms in force on the first day of the half-year for every municipality at once
   (members.selectors.frameworks_in_force, the rules of settlement_terms);
3. one grouped pass over the half-year's documents of every municipality into a temporary
   table `settlement_parts`: a row per municipality, source (invoice or credit note), month
   and client with its signed hours, G and P, line count and client name; the premium of an
   entry is its last accrual (highest id of kind "accrual"), as settlements.figures reads it;
4. the totals per municipality (one grouped read); F, Cm, Co and the result are computed in
   Python by settlement_amounts (rounded half up in core.money, the one place), the
   invariant checked per municipality: a municipality whose figures fail is reported, the
   others are written;
5. the settlements upserted in one INSERT ... ON CONFLICT DO UPDATE that only touches drafts
   and rejected ones (submitted and approved ones are locked and excluded; the triggers of
   migration 0002 refuse any change of an approved one anyway);
6. the breakdown of the recomputed settlements deleted and written again in one
   INSERT ... SELECT from `settlement_parts` (month rows, then client rows by name), only
   where it changed: an unchanged recompute deletes and writes no line (no dead rows);
7. one audit record per computed settlement, in one INSERT.

The caller holds the locks: the advisory lock of each (municipality, half-year) first
(`lock_settlement_keys`, the lock settlement_compute takes, in ascending key order so two
callers never deadlock), inside the transaction this runs in.
"""

import dataclasses
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from core.db import require_atomic
from core.services import audit_record_many
from members.models import Municipality
from members.selectors import FrameworkNotInForce, frameworks_in_force
from settlements.models import Period, Settlement
from settlements.services.settlements import (
    ADVISORY_NAMESPACE,
    FIGURE_FIELDS,
    _lock_key,
    settlement_amounts,
)

ZERO = Decimal("0.00")

# %(ids)s, %(start)s, %(end)s. Hash joins over the half-year: every municipality's
# documents are read once.
PARTS_SQL = """
CREATE TEMPORARY TABLE settlement_parts ON COMMIT DROP AS
WITH invoiced AS MATERIALIZED (
    SELECT l.id, l.municipality_id, l.hours, l.amount,
           date_trunc('month', i.invoice_date::timestamp)::date AS month,
           i.client_id, i.client_name
    FROM billing_invoiceline l
    JOIN billing_invoice i ON i.id = l.invoice_id
    WHERE l.municipality_id = ANY(%(ids)s)
      AND i.status = 'issued' AND i.invoice_date BETWEEN %(start)s AND %(end)s
), credited AS MATERIALIZED (
    SELECT l.id, l.municipality_id, l.hours, l.amount,
           date_trunc('month', c.credit_date::timestamp)::date AS month,
           i.client_id, i.client_name
    FROM billing_creditnoteline l
    JOIN billing_creditnote c ON c.id = l.credit_note_id
    JOIN billing_invoice i ON i.id = c.invoice_id
    WHERE l.municipality_id = ANY(%(ids)s)
      AND c.status = 'issued' AND c.credit_date BETWEEN %(start)s AND %(end)s
), entries AS MATERIALIZED (
    SELECT 1 AS sign, d.municipality_id, d.month, d.client_id, e.time_entry_id
    FROM invoiced d JOIN billing_invoicelineentry e ON e.line_id = d.id
    UNION ALL
    SELECT -1, d.municipality_id, d.month, d.client_id, e.time_entry_id
    FROM credited d JOIN billing_creditnotelineentry e ON e.line_id = d.id
), last_accrual AS (
    SELECT a.time_entry_id, a.amount
    FROM premiums_premiumaccrual a
    WHERE a.kind = 'accrual' AND NOT EXISTS (
        SELECT 1 FROM premiums_premiumaccrual b
        WHERE b.time_entry_id = a.time_entry_id AND b.kind = 'accrual' AND b.id > a.id)
), premiums AS (
    SELECT e.sign, e.municipality_id, e.month, e.client_id, SUM(a.amount) AS amount
    FROM entries e JOIN last_accrual a ON a.time_entry_id = e.time_entry_id
    GROUP BY 1, 2, 3, 4
), documents AS (
    SELECT 1 AS sign, municipality_id, month, client_id, SUM(hours) AS hours,
           SUM(amount) AS amount, COUNT(*) AS lines, MAX(client_name) AS client_name
    FROM invoiced GROUP BY 2, 3, 4
    UNION ALL
    SELECT -1, municipality_id, month, client_id, SUM(hours), SUM(amount), COUNT(*),
           MAX(client_name)
    FROM credited GROUP BY 2, 3, 4
)
SELECT d.municipality_id, d.sign, d.month, d.client_id,
       d.sign * d.hours AS hours, d.sign * d.amount AS gross,
       d.sign * COALESCE(p.amount, 0.00) AS premiums, d.lines, d.client_name
FROM documents d
LEFT JOIN premiums p USING (sign, municipality_id, month, client_id)
"""

TOTALS_SQL = """
SELECT municipality_id, SUM(hours), SUM(gross), SUM(premiums),
       COALESCE(SUM(lines) FILTER (WHERE sign = 1), 0),
       COALESCE(SUM(lines) FILTER (WHERE sign = -1), 0)
FROM settlement_parts GROUP BY municipality_id
"""

# The breakdown of the settlements in settlement_written (municipality_id, settlement_id):
# a month row per month, a client row per client named as on its latest invoice of the
# half-year (else its earliest credit note), as settlements.figures names it.
BREAKDOWN_SQL = """
SELECT w.settlement_id, b.kind, b.month, b.client_id, b.client_name, b.hours, b.gross,
       b.premiums
FROM settlement_written w
JOIN (
    SELECT municipality_id, 'month' AS kind, 0 AS position, month, NULL::bigint AS client_id,
           '' AS client_name, SUM(hours) AS hours, SUM(gross) AS gross,
           SUM(premiums) AS premiums
    FROM settlement_parts GROUP BY municipality_id, month
    UNION ALL
    SELECT municipality_id, 'client', 1, NULL, client_id,
           COALESCE((array_agg(client_name ORDER BY month DESC)
                     FILTER (WHERE sign = 1))[1],
                    (array_agg(client_name ORDER BY month) FILTER (WHERE sign = -1))[1],
                    ''),
           SUM(hours), SUM(gross), SUM(premiums)
    FROM settlement_parts GROUP BY municipality_id, client_id
) b ON b.municipality_id = w.municipality_id
"""

LINE_COLUMNS = "settlement_id, kind, month, client_id, client_name, hours, gross, premiums"

# The recomputed settlements (%(ids)s) whose stored lines equal the new ones.
UNCHANGED_SQL = f"""
WITH new AS (SELECT {LINE_COLUMNS} FROM settlement_breakdown
             WHERE settlement_id = ANY(%(ids)s)),
     old AS (SELECT {LINE_COLUMNS} FROM settlements_settlementline
             WHERE settlement_id = ANY(%(ids)s)),
     differ AS (
        SELECT settlement_id FROM (
            (SELECT * FROM new EXCEPT ALL SELECT * FROM old)
            UNION ALL
            (SELECT * FROM old EXCEPT ALL SELECT * FROM new)) d)
SELECT s FROM unnest(%(ids)s::bigint[]) s
WHERE s NOT IN (SELECT settlement_id FROM differ)
"""  # noqa: S608 (constants only)

# Every new line except those of the settlements (%s) whose lines stay: month rows first, then
# client rows by name.
INSERT_LINES_SQL = f"""
INSERT INTO settlements_settlementline ({LINE_COLUMNS})
SELECT {LINE_COLUMNS} FROM settlement_breakdown
WHERE NOT (settlement_id = ANY(%s))
ORDER BY settlement_id, kind DESC, month, client_name, client_id
"""  # noqa: S608 (constants only)

UPSERT_SQL = """
INSERT INTO settlements_settlement (
    municipality_id, year, half, status, hours, gross, premiums, fee,
    contribution_municipality, contribution_operator, result, terms_date, fee_percentage,
    contribution_municipality_percentage, contribution_operator_percentage,
    invoice_line_count, credit_line_count, computed_at, run_id, submitted_by_id,
    submitted_at, decided_by_id, decided_at, rejection_reason, fingerprint)
SELECT v.municipality_id, %(year)s, %(half)s, 'draft', v.hours, v.gross, v.premiums, v.fee,
       v.cm, v.co, v.result, %(terms_date)s, v.fee_percentage, v.cm_percentage,
       v.co_percentage, v.invoice_lines, v.credit_lines, %(now)s, %(run)s, NULL, NULL, NULL,
       NULL, '', ''
FROM unnest(%(municipality)s::bigint[], %(hours)s::numeric[], %(gross)s::numeric[],
            %(premiums)s::numeric[], %(fee)s::numeric[], %(cm)s::numeric[],
            %(co)s::numeric[], %(result)s::numeric[], %(fee_percentage)s::numeric[],
            %(cm_percentage)s::numeric[], %(co_percentage)s::numeric[],
            %(invoice_lines)s::int[], %(credit_lines)s::int[])
     AS v(municipality_id, hours, gross, premiums, fee, cm, co, result, fee_percentage,
          cm_percentage, co_percentage, invoice_lines, credit_lines)
ORDER BY v.municipality_id
ON CONFLICT (municipality_id, year, half) DO UPDATE SET
    status = EXCLUDED.status, hours = EXCLUDED.hours, gross = EXCLUDED.gross,
    premiums = EXCLUDED.premiums, fee = EXCLUDED.fee,
    contribution_municipality = EXCLUDED.contribution_municipality,
    contribution_operator = EXCLUDED.contribution_operator, result = EXCLUDED.result,
    terms_date = EXCLUDED.terms_date, fee_percentage = EXCLUDED.fee_percentage,
    contribution_municipality_percentage = EXCLUDED.contribution_municipality_percentage,
    contribution_operator_percentage = EXCLUDED.contribution_operator_percentage,
    invoice_line_count = EXCLUDED.invoice_line_count,
    credit_line_count = EXCLUDED.credit_line_count, computed_at = EXCLUDED.computed_at,
    run_id = EXCLUDED.run_id, submitted_by_id = NULL, submitted_at = NULL,
    decided_by_id = NULL, decided_at = NULL
WHERE settlements_settlement.status IN ('draft', 'rejected')
RETURNING id, municipality_id
"""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What became of one municipality: computed, skipped (submitted or approved, left as it
    was) or failed (with the error), and its settlement (None when failed)."""

    status: str
    settlement_id: int | None = None
    error: str = ""


def lock_settlement_keys(*, municipality_ids, period: Period) -> None:
    """The advisory locks of settlement_compute for many municipalities, in ascending key
    order (so two callers never wait for each other crosswise), until the transaction ends."""
    require_atomic()
    keys = sorted(_lock_key(pk, period) for pk in municipality_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, k.key)) "
            "FROM unnest(%s::int[]) WITH ORDINALITY AS k(key, n)",
            [ADVISORY_NAMESPACE, keys],
        )


def _message(error: Exception) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error) or repr(error)])


def _terms(towns: dict, period: Period) -> dict:
    """settlement_terms of every municipality, from one look-up."""
    found = frameworks_in_force(asks=[(town, period.start) for town in towns.values()])
    return {
        pk: {
            "terms_date": period.start,
            "fee_percentage": terms.operator_fee_percentage,
            "contribution_municipality_percentage": terms.contribution_municipality_percentage,
            "contribution_operator_percentage": terms.contribution_operator_percentage,
        }
        for pk in towns
        for terms in [found[(pk, period.start)]]
    }


def _totals(cursor, ids: list[int], period: Period) -> dict[int, tuple]:
    cursor.execute("DROP TABLE IF EXISTS settlement_parts")
    cursor.execute(PARTS_SQL, {"ids": ids, "start": period.start, "end": period.end})
    cursor.execute("ANALYZE settlement_parts")
    cursor.execute(TOTALS_SQL)
    return {row[0]: row[1:] for row in cursor.fetchall()}


def _upsert(cursor, rows: dict[int, dict], period: Period, run) -> dict[int, int]:
    ids = sorted(rows)
    column = {
        "hours": "hours",
        "gross": "gross",
        "premiums": "premiums",
        "fee": "fee",
        "cm": "contribution_municipality",
        "co": "contribution_operator",
        "result": "result",
        "fee_percentage": "fee_percentage",
        "cm_percentage": "contribution_municipality_percentage",
        "co_percentage": "contribution_operator_percentage",
        "invoice_lines": "invoice_line_count",
        "credit_lines": "credit_line_count",
    }
    params = {name: [rows[pk][field] for pk in ids] for name, field in column.items()}
    params.update(
        municipality=ids,
        year=period.year,
        half=period.half,
        terms_date=period.start,
        now=timezone.now(),
        run=run.pk if run is not None else None,
    )
    cursor.execute(UPSERT_SQL, params)
    written = {municipality_id: pk for pk, municipality_id in cursor.fetchall()}
    if set(written) != set(ids):  # the caller's locks make this impossible
        raise RuntimeError("A settlement changed status while its municipality was locked.")
    return written


def _breakdown(cursor, written: dict[int, int], replaced: list[int]) -> None:
    """Write the breakdown of the written settlements; of those `replaced` (recomputed), only
    where it differs from the stored one."""
    cursor.execute("DROP TABLE IF EXISTS settlement_written")
    cursor.execute(
        "CREATE TEMPORARY TABLE settlement_written ON COMMIT DROP AS "
        "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS w(municipality_id, settlement_id)",
        [list(written), list(written.values())],
    )
    cursor.execute("DROP TABLE IF EXISTS settlement_breakdown")
    cursor.execute(f"CREATE TEMPORARY TABLE settlement_breakdown ON COMMIT DROP AS {BREAKDOWN_SQL}")
    unchanged: list[int] = []
    if replaced:
        # A recomputed settlement whose stored lines equal the new ones keeps them.
        cursor.execute(
            UNCHANGED_SQL,
            {"ids": replaced},
        )
        unchanged = [row[0] for row in cursor.fetchall()]
        changed = sorted(set(replaced) - set(unchanged))
        if changed:
            cursor.execute(
                "DELETE FROM settlements_settlementline WHERE settlement_id = ANY(%s)",
                [changed],
            )
    cursor.execute(
        INSERT_LINES_SQL,
        [unchanged],
    )
    for table in ("settlement_parts", "settlement_written", "settlement_breakdown"):
        cursor.execute(f"DROP TABLE {table}")


def _settlement_row(*, municipality: Municipality, totals: tuple, terms: dict) -> dict:
    """One municipality's figures from its totals and terms (settlement_amounts: F, Cm and
    Co rounded once, the invariant checked)."""
    hours, gross, premiums, invoice_lines, credit_lines = totals
    return {
        **settlement_amounts(gross=gross, premiums=premiums, terms=terms),
        "hours": hours,
        "invoice_line_count": int(invoice_lines),
        "credit_line_count": int(credit_lines),
    }


def settlements_compute_many(
    *, municipality_ids, period: Period, actor=None, run=None
) -> dict[int, Outcome]:
    """Compute (or recompute) the drafts of these municipalities' half-year at once; returns
    each municipality's Outcome. Call inside a transaction holding `lock_settlement_keys`
    of these municipalities. A municipality whose terms or figures fail is reported failed,
    with nothing written for it; any other error raises and leaves the transaction to roll
    back."""
    require_atomic()
    ids = sorted(set(municipality_ids))
    outcomes: dict[int, Outcome] = {}
    existing = {
        s.municipality_id: s
        for s in Settlement.objects.select_for_update(of=("self",)).filter(
            municipality_id__in=ids, year=period.year, half=period.half
        )
    }
    for pk, settlement in existing.items():
        if settlement.status in (Settlement.Status.SUBMITTED, Settlement.Status.APPROVED):
            outcomes[pk] = Outcome("skipped", settlement.pk)
    towns = Municipality.objects.in_bulk([pk for pk in ids if pk not in outcomes])
    if not towns:
        return outcomes
    try:
        terms = _terms(towns, period)
    except FrameworkNotInForce as error:
        message = _message(ValidationError(str(error), code="framework_not_in_force"))
        outcomes.update({pk: Outcome("failed", error=message) for pk in towns})
        return outcomes

    rows: dict[int, dict] = {}
    with connection.cursor() as cursor:
        totals = _totals(cursor, sorted(towns), period)
        for pk in sorted(towns):
            try:
                rows[pk] = _settlement_row(
                    municipality=towns[pk],
                    totals=totals.get(pk, (ZERO, ZERO, ZERO, 0, 0)),
                    terms=terms[pk],
                )
            except Exception as error:  # reported on the municipality's item; others go on
                outcomes[pk] = Outcome("failed", error=_message(error))
        if not rows:
            cursor.execute("DROP TABLE IF EXISTS settlement_parts")
            return outcomes
        written = _upsert(cursor, rows, period, run)
        _breakdown(cursor, written, replaced=[written[pk] for pk in sorted(rows) if pk in existing])

    records = []
    for pk in sorted(rows):
        settlement = Settlement(
            pk=written[pk], municipality=towns[pk], year=period.year, half=period.half
        )
        after = {
            key: str(rows[pk][key] if key != "status" else "draft")
            for key in (
                *FIGURE_FIELDS,
                "status",
            )
        }
        before = {}
        if pk in existing:
            old = existing[pk]
            before = {field: str(getattr(old, field)) for field in FIGURE_FIELDS}
            before["status"] = str(old.status)
        records.append(
            {
                "obj": settlement,
                "summary": f"{period}: G {rows[pk]['gross']}, P {rows[pk]['premiums']}, "
                f"result {rows[pk]['result']}.",
                "before": before,
                "after": after,
            }
        )
        outcomes[pk] = Outcome("computed", written[pk])
    audit_record_many(actor=actor, action="settlement.compute", records=records)
    return outcomes
