"""Factories and helpers for the billing tests.

Placements objects come from tests.placements.factories (written straight to the database);
invoices and credit notes are made through the services, as they would be in use (a
factory writing an issued invoice straight to the table would skip the very rules under
test): `issued_invoice(hours=("1.50", "8.00"))` is a client with approved March hours,
invoiced and issued on 2 April 2026.
"""

import datetime
from decimal import Decimal

from billing.services import invoice_draft_create, invoice_finalise
from placements.models import TimeEntry
from tests.placements.factories import AssignmentFactory, ClientFactory, TimeEntryFactory

MARCH = datetime.date(2026, 3, 1)
APRIL_2 = datetime.date(2026, 4, 2)


def billable_assignment(**kwargs):
    """An active assignment (March-May 2026) at `client`, at `hourly_rate`."""
    return AssignmentFactory(active=True, **kwargs)


def approved_hours(assignment, *days_and_hours) -> list[TimeEntry]:
    """`approved_hours(a, (date, "8.00"), ...)`: approved entries on those days."""
    return [
        TimeEntryFactory(
            assignment=assignment,
            work_date=day,
            hours=Decimal(hours),
            status=TimeEntry.Status.APPROVED,
            approved_at=datetime.datetime.now(datetime.UTC),
        )
        for day, hours in days_and_hours
    ]


def march_days(*hours: str, start: int = 2) -> list[tuple[datetime.date, str]]:
    """Consecutive March 2026 days from `start`, one per given number of hours."""
    return [(datetime.date(2026, 3, start + i), h) for i, h in enumerate(hours)]


def client_with_march_hours(*, assignments: int = 1, hours: tuple[str, ...] = ("8.00",), **kw):
    """A client with `assignments` active assignments, each with approved March hours."""
    client = ClientFactory(**kw)
    for _ in range(assignments):
        approved_hours(billable_assignment(client=client), *march_days(*hours))
    return client


def draft_invoice(*, client=None, month=MARCH, actor=None, **kwargs):
    client = client or client_with_march_hours(**kwargs)
    return invoice_draft_create(client=client, month=month, actor=actor)


def issued_invoice(*, invoice_date=APRIL_2, actor=None, **kwargs):
    invoice = draft_invoice(actor=actor, **kwargs)
    return invoice_finalise(invoice=invoice, actor=actor, invoice_date=invoice_date)
