"""Payout runs paid, as the debit of their SEPA batch on NVSI's bank statement shows
(billing.services.payments hands the statement's debits over)."""

import dataclasses
import datetime
import re
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from premiums.locks import lock_run
from premiums.models import PayoutRun
from premiums.services._common import ZERO, _euro
from premiums.services.payouts import _run_mark_paid

PAYMENT_INFORMATION_ID_RE = re.compile(r"<PmtInfId>([^<]+)</PmtInfId>")


@dataclasses.dataclass(frozen=True)
class StatementPayout:
    """What a bank statement said about one approved or paid payout run: `paid` (marked paid
    by this call), `already_paid` or `amount_differs` (both left as they are)."""

    run: PayoutRun
    outcome: str
    amount: Decimal
    booking_date: datetime.date
    entry_references: tuple[str, ...]
    message: str


def _run_batch_ids(run: PayoutRun) -> set[str]:
    """The ids a bank may report the run's SEPA batch by: the message id and the payment
    information id(s) of its pain.001 file."""
    return {run.sepa_message_id, *PAYMENT_INFORMATION_ID_RE.findall(run.sepa_xml)} - {""}


def _runs_by_batch_ids(references: set[str]) -> list[PayoutRun]:
    named = Q(sepa_message_id__in=references)
    for reference in references:
        named |= Q(sepa_xml__contains=f"<PmtInfId>{reference}</PmtInfId>")
    return list(
        PayoutRun.objects.exclude(status=PayoutRun.Status.PREPARED)
        .filter(named)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def payout_runs_mark_paid_from_statement(*, entries: Iterable, actor) -> list[StatementPayout]:
    """Mark approved payout runs paid from the debits of an imported bank statement.

    `entries` are `billing.camt.Entry` rows. A booked debit in euros whose batch references
    (the pain.001 message id or payment information id, as the bank reports them) name a run
    pays it: when the debits naming the run add up to exactly its total, the run is marked
    paid on their (latest) booking date. A different amount is left for a person and
    reported. A run that is paid already stays as it is, so a statement seen twice (or the
    run marked paid by hand first) has one effect. The bank is the evidence here: whoever
    imports NVSI's statement (the back office, or the system) is recorded as the actor.
    """
    debits = [
        entry
        for entry in entries
        if not entry.is_credit
        and entry.is_booked
        and entry.currency in ("", "EUR")
        and entry.batch_references
    ]
    references = {reference for entry in debits for reference in entry.batch_references}
    if not references:
        return []
    results = []
    for run_id in _runs_by_batch_ids(references):
        run = lock_run(run_id)
        ids = _run_batch_ids(run)
        paying = [entry for entry in debits if ids & set(entry.batch_references)]
        if not paying:
            continue  # a payment information id that only looked like one of this run's
        amount = sum((entry.amount for entry in paying), ZERO)
        booking_date = max(entry.booking_date for entry in paying)
        values = {
            "run": str(run),
            "amount": _euro(amount),
            "total": _euro(run.total),
            "date": f"{booking_date:%d-%m-%Y}",
        }
        if run.status == PayoutRun.Status.PAID:
            outcome = "already_paid"
            message = _("Premium payout run %(run)s was marked paid before (%(paid_on)s).") % {
                **values,
                "paid_on": f"{run.paid_on:%d-%m-%Y}",
            }
        elif amount != run.total:
            outcome = "amount_differs"
            message = (
                _(
                    "%(amount)s is not the total %(total)s of premium payout run %(run)s: "
                    "not marked paid; check the payment at the bank and mark the run paid by hand."
                )
                % values
            )
        else:
            outcome = "paid"
            message = _("Premium payout run %(run)s marked paid on %(date)s.") % values
            _run_mark_paid(
                run,
                actor=actor,
                paid_on=booking_date,
                summary=f"From the bank statement: {', '.join(e.reference for e in paying)}",
            )
        results.append(
            StatementPayout(
                run=run,
                outcome=outcome,
                amount=amount,
                booking_date=booking_date,
                entry_references=tuple(entry.reference for entry in paying),
                message=message,
            )
        )
    return results
