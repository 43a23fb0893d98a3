"""Gapless document numbers: a counter row per (series, year), locked in the transaction that
issues the document.

The counter is read FOR UPDATE and incremented inside the caller's transaction: a concurrent
finalisation waits for the lock, a rolled-back one takes its increment back with it. So the
numbers of a year are 1, 2, 3, ... without duplicates or gaps, in the order the documents
commit. A database sequence would be faster and leave a gap at every rollback.
"""

from stdnum.iso7064 import mod_97_10

from billing.models import DocumentCounter
from core.db import require_atomic

SERIES_PREFIX = {
    DocumentCounter.Series.INVOICE: "",
    DocumentCounter.Series.CREDIT_NOTE: "C",
}


def document_number_next(*, series: str, year: int) -> str:
    """The next number of `series` in `year`, e.g. `2026-000123` or `C2026-000012`.

    Call it last in the issuing transaction: the counter stays locked until that commits.
    """
    return document_number_format(
        series=series, year=year, number=document_numbers_reserve(series=series, year=year)
    )


def document_numbers_reserve(*, series: str, year: int, count: int = 1) -> int:
    """Take the next `count` numbers of `series` in `year`; return the first of them.

    The counter row is locked and raised once, in the caller's transaction: the set-based
    invoice run takes a batch's numbers in one go, a rollback gives them all back. Call it last
    in the issuing transaction: the counter stays locked until that commits.
    """
    require_atomic()
    if count < 1:
        raise ValueError("Reserve at least one number.")
    counters = DocumentCounter.objects.select_for_update().filter(series=series, year=year)
    counter = counters.first()
    if counter is None:
        # The first number of a year: insert the row (a concurrent insert wins quietly), then
        # lock it like any other.
        DocumentCounter.objects.bulk_create(
            [DocumentCounter(series=series, year=year, last_number=0)], ignore_conflicts=True
        )
        counter = counters.get()
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return first


def document_number_format(*, series: str, year: int, number: int) -> str:
    """`2026-000123`, `C2026-000012`: the series' prefix, the year and six digits."""
    return f"{SERIES_PREFIX[series]}{year}-{number:06d}"


def payment_reference_for(number: str) -> str:
    """The ISO 11649 creditor reference ("RF" + two check digits + the number's digits).

    Banks carry it unchanged, so the payment matches its invoice: `2026-000123` becomes
    `RF462026000123`. The check digits are ISO 7064 mod 97-10 over the reference followed by
    "RF", as for an IBAN: stdnum's mod_97_10 computes them (stdnum.iso11649, built on it,
    only validates a reference).
    """
    reference = "".join(ch for ch in number if ch.isdigit())
    return f"RF{mod_97_10.calc_check_digits(reference + 'RF')}{reference}"
