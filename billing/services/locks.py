"""Row locks for billing, taken in the project's one lock order (core.db):

    client -> candidate -> assignment -> time entries -> invoice -> credit note -> counter

Several rows of one kind are locked in primary-key order. The number counter comes last, so
it is held only for the end of a finalisation.

Rows are locked by an explicit list of primary keys that the caller read first, never through
a subquery: `WHERE id = ANY(list)` is a primary-key lookup whatever the planner believes about
the table's size. (A lock through `IN (subquery with a join)` became a nested loop over whole
tables when the statistics said the tables were empty; see docs/testing.md.)
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from billing.models import CreditNote, Invoice
from core.db import require_atomic
from placements.models import Assignment, Client, TimeEntry


def lock_client(client_id: int) -> None:
    require_atomic()
    Client.objects.select_for_update().filter(pk=client_id).values_list("pk").first()


def _id_list(ids: Iterable[int]) -> list[int]:
    if isinstance(ids, QuerySet):
        raise TypeError("Lock rows by a list of primary keys read first, not by a queryset.")
    return sorted(set(ids))


def lock_assignments(assignment_ids: Iterable[int]) -> list[Assignment]:
    require_atomic()
    return list(
        Assignment.objects.select_for_update(of=("self",))
        .select_related("candidate")
        .filter(pk__in=_id_list(assignment_ids))
        .order_by("pk")
    )


def lock_time_entries(
    entry_ids: Iterable[int], *, status: str | None = None, fields: tuple[str, ...] = ()
) -> list:
    """Lock the given entries (those still in `status`, when given) in primary-key order;
    return them as model objects, or as tuples of `fields` when given (cheaper for the
    thousands of a monthly run)."""
    require_atomic()
    locked = TimeEntry.objects.filter(pk__in=_id_list(entry_ids))
    if status is not None:
        locked = locked.filter(status=status)
    locked = locked.select_for_update(of=("self",)).order_by("pk")
    return list(locked.values_list(*fields) if fields else locked)


def lock_invoice(invoice_id: int) -> Invoice:
    require_atomic()
    return (
        Invoice.objects.select_for_update(of=("self",)).select_related("client").get(pk=invoice_id)
    )


def lock_credit_note(credit_note_id: int) -> CreditNote:
    require_atomic()
    return CreditNote.objects.select_for_update().get(pk=credit_note_id)
