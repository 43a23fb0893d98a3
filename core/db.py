"""Database helpers shared by the apps.

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


def statistics_refresh() -> None:
    """ANALYZE the whole database: fresh size estimates and statistics for the planner.

    Allowed inside a transaction; rows inserted by the current transaction are counted, so a
    load that has not committed yet (the demo in a test) gets statistics that include it.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
