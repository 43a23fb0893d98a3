"""One batch of the monthly invoice run, set-based: a few statements for a few hundred
clients instead of fifteen per client.

In one transaction (the caller's), in the project's lock order:

1. lock the batch's clients (primary-key order) and leave out those this run has invoiced
   already (an earlier or concurrent execution);
2. lock their assignments that have approved hours in the month (primary-key order);
3. one statement marks the month's approved entries of those assignments invoiced (the
   UPDATE locks them; an entry changed meanwhile is re-checked, as by SELECT ... FOR UPDATE),
   sums them per assignment and inserts the invoices (drafts, the subtotal the sum of their
   lines), the lines (hours x rate rounded half up by `core.money.sql_round_half_up`, the
   candidate and the rate copied) and the entry links, from the entries it updated. One
   statement is one snapshot: a line's hours are exactly the hours of the entries linked to
   it, and every entry it marks invoiced is linked. (Locking the entries first and marking
   them in a second statement wrote every entry twice: the lock is a write too.) The other
   lockers of approved entries hold the assignment first (hours services) or only take
   entered ones (approval), so the UPDATE's own order cannot deadlock with them;
4. the number counter is locked and raised once for the batch (`document_numbers_reserve`),
   and one UPDATE issues every invoice: numbers in client order, VAT
   (`core.money.percentage_of`) and payment reference (`payment_reference_for`) computed
   here in Python for these few hundred invoices, dates, the client's details copied;
5. one INSERT writes the audit records, the run's progress is raised once, and the PDFs are
   queued on commit, as `invoice_finalise` does.

A batch that fails rolls back whole: its invoices, links, statuses and numbers.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import DocumentCounter, Invoice, InvoiceRun
from billing.services import invoices as invoice_services
from billing.services.invoices import month_bounds
from billing.services.numbering import (
    document_number_format,
    document_numbers_reserve,
    payment_reference_for,
)
from core.db import require_atomic
from core.models import AuditEvent
from core.money import percentage_of, sql_round_half_up

_LOCK_CLIENTS = "SELECT id FROM placements_client WHERE id = ANY(%s) ORDER BY id FOR UPDATE"

_DONE_CLIENTS = "SELECT client_id FROM billing_invoice WHERE run_id = %s AND client_id = ANY(%s)"

# Assignments by the client index, their entries by the (assignment, date) index. Python's
# str.strip() default set of blanks for the candidate's name, as `Candidate.full_name`.
_LOCK_ASSIGNMENTS = """
SELECT a.id FROM placements_assignment a
WHERE a.client_id = ANY(%(clients)s)
  AND EXISTS (
    SELECT 1 FROM placements_timeentry e
    WHERE e.assignment_id = a.id AND e.status = 'approved'
      AND e.work_date BETWEEN %(first)s AND %(last)s
  )
ORDER BY a.id
FOR UPDATE OF a
"""

# A constant: the f-string only puts in the rounding SQL of core.money.
_INSERT_DRAFTS = f"""
WITH entry AS (
    UPDATE placements_timeentry e SET status = 'invoiced', updated_at = %(now)s
    WHERE e.assignment_id = ANY(%(assignments)s) AND e.status = 'approved'
      AND e.work_date BETWEEN %(first)s AND %(last)s
    RETURNING e.id, e.assignment_id, e.hours
), line_data AS MATERIALIZED (
    SELECT a.client_id, a.id AS assignment_id, c.municipality_id,
           btrim(c.first_name || ' ' || c.last_name, E' \\t\\n\\r\\f\\x0b') AS candidate_name,
           c.client_number, a.work_description, s.hours, a.hourly_rate AS rate,
           {sql_round_half_up("s.hours * a.hourly_rate")} AS amount
    FROM (SELECT assignment_id, SUM(hours) AS hours FROM entry GROUP BY assignment_id) s
    JOIN placements_assignment a ON a.id = s.assignment_id
    JOIN placements_candidate c ON c.id = a.candidate_id
), invoice AS (
    INSERT INTO billing_invoice (
        client_id, run_id, period, status, subtotal, payment_reference, client_name,
        client_address, client_kvk_number, client_vat_number, client_contact,
        client_reference, pdf, created_at, updated_at
    )
    SELECT client_id, %(run)s, %(period)s, 'draft', SUM(amount), '', '', '', '', '', '', '',
           '', %(now)s, %(now)s
    FROM line_data GROUP BY client_id ORDER BY client_id
    RETURNING id, client_id, subtotal
), line AS (
    INSERT INTO billing_invoiceline (
        invoice_id, assignment_id, municipality_id, candidate_name, candidate_client_number,
        description, hours, rate, amount
    )
    SELECT i.id, d.assignment_id, d.municipality_id, d.candidate_name, d.client_number,
           d.work_description, d.hours, d.rate, d.amount
    FROM line_data d JOIN invoice i ON i.client_id = d.client_id
    ORDER BY d.assignment_id
    RETURNING id, assignment_id
), link AS (
    INSERT INTO billing_invoicelineentry (line_id, time_entry_id)
    SELECT l.id, e.id FROM entry e JOIN line l ON l.assignment_id = e.assignment_id
    ORDER BY e.id
    RETURNING time_entry_id
)
SELECT i.id, i.client_id, i.subtotal, (SELECT count(*) FROM link)
FROM invoice i ORDER BY i.client_id
"""  # noqa: S608

_ISSUE = """
UPDATE billing_invoice i SET
    status = 'issued', number = v.number, payment_reference = v.reference,
    invoice_date = %(invoice_date)s, due_date = %(due_date)s,
    vat_percentage = %(vat_percentage)s, vat_amount = v.vat_amount, total = v.total,
    client_name = c.name, client_address = c.billing_address,
    client_kvk_number = c.kvk_number, client_vat_number = c.vat_number,
    client_contact = c.contact_person, client_reference = c.invoice_reference,
    issued_at = %(now)s, issued_by_id = %(actor)s, updated_at = %(now)s
FROM unnest(%(ids)s::bigint[], %(numbers)s::text[], %(references)s::text[],
            %(vat_amounts)s::numeric[], %(totals)s::numeric[])
     AS v(id, number, reference, vat_amount, total),
     placements_client c
WHERE i.id = v.id AND c.id = i.client_id AND i.status = 'draft'
"""


def invoice_batch_issue(
    *,
    run: InvoiceRun,
    client_ids: list[int],
    vat_percentage: Decimal,
    actor,
) -> list[int]:
    """Invoice and issue the clients of `client_ids` that this run has not invoiced yet, in
    the caller's transaction; return the new invoices' ids (in client order)."""
    require_atomic()
    clients = sorted(set(client_ids))
    first, last = month_bounds(run.month)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_CLIENTS, [clients])
        cursor.execute(_DONE_CLIENTS, [run.pk, clients])
        done = {client_id for (client_id,) in cursor.fetchall()}
        todo = [pk for pk in clients if pk not in done]
        if not todo:
            return []
        cursor.execute(_LOCK_ASSIGNMENTS, {"clients": todo, "first": first, "last": last})
        assignments = [pk for (pk,) in cursor.fetchall()]
        if not assignments:
            return []
        cursor.execute(
            _INSERT_DRAFTS,
            {
                "assignments": assignments,
                "first": first,
                "last": last,
                "run": run.pk,
                "period": run.month,
                "now": now,
            },
        )
        drafts = cursor.fetchall()
        if not drafts:
            return []
        invoice_ids = [pk for pk, _client, _subtotal, _links in drafts]
        # The number counter last: locked from here to the commit.
        year = run.invoice_date.year
        start = document_numbers_reserve(
            series=DocumentCounter.Series.INVOICE, year=year, count=len(drafts)
        )
        numbers = [
            document_number_format(
                series=DocumentCounter.Series.INVOICE, year=year, number=start + offset
            )
            for offset in range(len(drafts))
        ]
        vat_amounts = [percentage_of(subtotal, vat_percentage) for _pk, _c, subtotal, _l in drafts]
        totals = [
            subtotal + vat for (_pk, _c, subtotal, _l), vat in zip(drafts, vat_amounts, strict=True)
        ]
        cursor.execute(
            _ISSUE,
            {
                "ids": invoice_ids,
                "numbers": numbers,
                "references": [payment_reference_for(number) for number in numbers],
                "vat_amounts": vat_amounts,
                "totals": totals,
                "invoice_date": run.invoice_date,
                "due_date": run.invoice_date
                + datetime.timedelta(days=settings.INVOICE_PAYMENT_TERM_DAYS),
                "vat_percentage": vat_percentage,
                "now": now,
                "actor": _actor_id(actor),
            },
        )
        if cursor.rowcount != len(drafts):
            raise RuntimeError("An invoice of this batch was not a draft any more.")
    _audit_issued(
        actor=actor,
        invoice_date=run.invoice_date,
        rows=zip(invoice_ids, numbers, drafts, vat_amounts, totals, strict=True),
    )
    InvoiceRun.objects.filter(pk=run.pk).update(
        clients_done=F("clients_done") + len(drafts),
        progress_at=timezone.now(),  # what the stalled-work sweeper watches (billing.sweeps)
    )
    if not invoice_services._pdf_deferred.get():
        for invoice_id in invoice_ids:
            transaction.on_commit(
                lambda pk=invoice_id: invoice_services._queue_pdf(pk), robust=True
            )
    return invoice_ids


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def _audit_issued(*, actor, invoice_date: datetime.date, rows) -> None:
    """The "invoice.issue" records `invoice_finalise` writes (core.services.audit_record),
    one INSERT for the batch."""
    content_type = ContentType.objects.get_for_model(Invoice)
    actor_id = _actor_id(actor)
    events = []
    for invoice_id, number, (_pk, _client, subtotal, _links), vat_amount, total in rows:
        after = {
            "number": number,
            "invoice_date": str(invoice_date),
            "subtotal": str(subtotal),
            "vat_amount": str(vat_amount),
            "total": str(total),
        }
        events.append(
            AuditEvent(
                actor_id=actor_id,
                action="invoice.issue",
                content_type=content_type,
                object_id=str(invoice_id),
                object_repr=str(Invoice(number=number))[:200],
                changes={key: [None, after[key]] for key in sorted(after)},
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
