"""How fast is "the framework in force for municipality M on date D"?

Every money calculation asks it. Measured against a floor: one hand-written SQL statement
that fetches the same rows (general version, local version, cap, execution contract).

Runs ask it for many pairs at once: `frameworks_in_force` answers the same 2,000 look-ups in
one statement (plus one query per table for the versions found), against a floor of that one
statement alone; and against the single look-ups, whose results it equals (checked here).
"""

import datetime
import random

from _setup import best_of, django_setup, report

django_setup()

from django.db import connection
from django.utils import timezone

from demo.members import seed_members
from members.models import Municipality
from members.selectors import _IN_FORCE_SQL, framework_in_force, frameworks_in_force

FLOOR_SQL = """
SELECT
  (SELECT id FROM members_framework WHERE scope = 'general' AND valid_from <= %(d)s
   ORDER BY valid_from DESC LIMIT 1),
  (SELECT id FROM members_framework WHERE scope = 'local' AND municipality_id = %(m)s
   AND valid_from <= %(d)s ORDER BY valid_from DESC LIMIT 1),
  (SELECT id FROM members_premiumcap WHERE valid_from <= %(d)s ORDER BY valid_from DESC LIMIT 1),
  (SELECT id FROM members_contract WHERE kind = 'execution' AND start_date <= %(d)s
   AND (end_date IS NULL OR end_date >= %(d)s) LIMIT 1)
"""

LOOKUPS = 2000


def main() -> None:
    seed_members(today=timezone.localdate())
    rng = random.Random(42)
    municipalities = list(Municipality.objects.all())
    start = datetime.date(2025, 1, 1)
    asks = [
        (rng.choice(municipalities), start + datetime.timedelta(days=rng.randrange(700)))
        for _ in range(LOOKUPS)
    ]

    def portal():
        for municipality, day in asks:
            framework_in_force(municipality=municipality, on=day)

    def floor():
        with connection.cursor() as cursor:
            for municipality, day in asks:
                cursor.execute(FLOOR_SQL, {"d": day, "m": municipality.pk})
                cursor.fetchone()

    def portal_bulk():
        return frameworks_in_force(asks=asks)

    def floor_bulk():
        with connection.cursor() as cursor:
            cursor.execute(_IN_FORCE_SQL, [[m.pk for m, _d in asks], [d for _m, d in asks]])
            cursor.fetchall()

    floor()  # warm the connection and the plan cache
    single = best_of(portal, repeat=3)
    report(
        "framework_in_force",
        seconds=single,
        floor_seconds=best_of(floor, repeat=3),
        unit="lookups",
        count=LOOKUPS,
    )
    bulk = portal_bulk()
    assert all(bulk[(m.pk, d)] == framework_in_force(municipality=m, on=d) for m, d in asks), (
        "frameworks_in_force differs from framework_in_force"
    )
    floor_bulk()
    bulk_seconds = best_of(portal_bulk, repeat=5)
    report(
        "frameworks_in_force (one statement for all pairs)",
        seconds=bulk_seconds,
        floor_seconds=best_of(floor_bulk, repeat=5),
        unit="lookups",
        count=LOOKUPS,
    )
    print(f"single look-ups / one statement: {single / bulk_seconds:.1f}x; results equal")


if __name__ == "__main__":
    main()
