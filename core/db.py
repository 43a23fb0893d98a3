"""Database helpers shared by the apps: the transaction guard of row locks, the lock order,
and planner statistics.

Lock order. Every service that locks rows locks them in this one order, so that no two
services ever wait on each other in a circle:

    municipality -> run -> client -> candidate -> assignment -> time entries -> accruals
    -> invoice -> credit note -> counter

- municipality: a payout run locks the municipality first (premiums.locks);
- run: the payout run (premiums.locks.lock_run); an invoice run's row is locked on its own,
  after its clients' transactions have committed (billing.services.runs);
- client: changes of an assignment's terms, and every invoice and credit note of the client
  (placements.services, billing.services.locks.lock_client);
- candidate: approving, changing and importing hours, accruing and paying premium; it
  serialises the accrued sum of a person's year (placements.services, premiums.locks);
- assignment, then its time entries (placements.services, billing.services.locks);
- accruals of those entries (premiums.services, after the entries are locked);
- invoice, then credit note (billing.services.locks, billing.services.payments);
- the document number counter last, held only for the end of an issue
  (billing.services.numbering).

Several rows of one kind are locked in primary-key order. A service may skip a level, never
go back up one; a bank statement line is locked before the invoices it pays
(billing.services.payments). Two billing paths lock out of this order: deleting a draft
invoice locks the invoice before its time entries, and a credit note reverses the premium
accruals of the credited entries after it locked the invoice (billing.services.invoices,
billing.services.credit_notes). That is safe: both hold the client's lock first, as every
service that locks an invoice and then something lower does; the others (payments, PDFs) lock
an invoice last.

Settlements lock only their own rows, above all of these: the half-year's advisory lock
(starting a run, making a transfer file), then the advisory lock of one municipality's
half-year, then the run item, the settlement row and its payment instructions (settlements).

Every lock helper calls `require_atomic()` first: a row lock outside a transaction is released
at once and protects nothing.

Planner statistics. PostgreSQL plans a query from what `pg_class` says about each table's size.
After bulk loads (the demo, a go-live import) those figures lag behind; worse, a table that was
vacuumed while its rows were all dead (rows inserted by a transaction that rolled back, as every
test does) keeps its pages but counts zero rows, and the planner then believes the table is
empty however many rows it holds, and joins whole tables in nested loops. Two defences, both
used here: the hot queries (invoice run, premium accrual, settlement) read by primary-key lists
and single-table indexes, so their plans do not depend on these figures; and bulk loads end
with `statistics_refresh()`.
"""

from django.db import connection


def require_atomic() -> None:
    """Raise RuntimeError unless called inside `transaction.atomic`: row locks (and services
    that rely on the caller's locks) are taken inside a transaction only."""
    if not connection.in_atomic_block:
        raise RuntimeError("Row locks are taken inside transaction.atomic only.")


def statistics_refresh() -> None:
    """ANALYZE the whole database: fresh size estimates and statistics for the planner.

    Allowed inside a transaction; rows inserted by the current transaction are counted, so a
    load that has not committed yet (the demo in a test) gets statistics that include it.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
