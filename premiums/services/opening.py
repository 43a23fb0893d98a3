"""The opening balances of go-live: what a candidate had accrued and been paid before the
portal took over."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import CENT, to_decimal
from core.services import audit_record, audit_snapshot
from placements.models import Candidate
from premiums.locks import lock_candidates
from premiums.models import (
    PAYOUTS_PER_YEAR_MAX,
    PayoutLine,
    PremiumAccrual,
    PremiumOpeningBalance,
)
from premiums.selectors import annual_cap_for_year
from premiums.services._common import ZERO, _actor_or_none, _euro

OPENING_BALANCE_FIELDS = ["candidate_id", "year", "accrued", "paid", "payouts", "annual_cap"]


def _opening_amount(value, *, field: str, errors: dict) -> Decimal | None:
    """An amount of euros: a Decimal (never a float), at least 0, whole cents."""
    try:
        amount = to_decimal(value)
    except ValueError:
        errors[field] = [_("Enter an amount in euros.")]
        return None
    if amount < 0:
        errors[field] = [_("An amount of at least 0.")]
    elif amount != amount.quantize(CENT):
        errors[field] = [_("An amount in euros has at most two decimals.")]
    else:
        return amount.quantize(CENT)
    return None


@transaction.atomic
def premium_opening_balance_record(
    *,
    actor,
    candidate: Candidate,
    year: int,
    accrued: Decimal,
    paid: Decimal,
    payouts: int,
    source: str = "",
    today: datetime.date | None = None,
) -> PremiumOpeningBalance:
    """Record a candidate's premium of `year` from before go-live: `accrued` so far, `paid`
    of it, in `payouts` payouts that year (0, 1 or 2; none exactly when nothing was paid).

    The ledger gets the paid part as an "opening" row marked paid before go-live and the
    unpaid part (accrued - paid) as one the next payout run pays: the annual cap counts both
    from the first day, and `payout_run_prepare` counts the payouts. The year is not in the
    future (Amsterdam's today); what was accrued is within the annual cap that counts for the
    year (`annual_cap_for_year`). Recorded first in the candidate's year: refused once the
    portal has accrued or paid premium for it. Recording the same figures again returns the
    stored balance and writes nothing; other figures are refused (a balance never changes).
    Amounts are Decimals; a float raises TypeError.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    accrued = _opening_amount(accrued, field="accrued", errors=errors)
    paid = _opening_amount(paid, field="paid", errors=errors)
    if year > today.year:
        errors["year"] = [_("This year lies in the future.")]
    if isinstance(payouts, bool) or not isinstance(payouts, int):
        raise TypeError(f"payouts must be an int, not {type(payouts).__name__}.")
    if not 0 <= payouts <= PAYOUTS_PER_YEAR_MAX:
        errors["payouts"] = [
            _("Enter 0, 1 or 2: at most two payouts per candidate per calendar year.")
        ]
    if accrued is not None and paid is not None and "payouts" not in errors:
        if paid > accrued:
            errors["paid"] = [
                _("More than was accrued (%(accrued)s).") % {"accrued": _euro(accrued)}
            ]
        elif (payouts == 0) != (paid == 0):
            errors["payouts"] = [
                _("Premium was paid: at least one payout.")
                if paid
                else _("Nothing was paid: no payouts.")
            ]
    if errors:
        raise ValidationError(errors)
    lock_candidates([candidate.pk])
    existing = PremiumOpeningBalance.objects.filter(candidate=candidate, year=year).first()
    if existing is not None:
        if (existing.accrued, existing.paid, existing.payouts) == (accrued, paid, payouts):
            return existing
        raise ValidationError(
            _(
                "%(candidate)s already has an opening balance for %(year)s (accrued "
                "%(accrued)s, paid %(paid)s, %(payouts)s payouts): it is not changed."
            )
            % {
                "candidate": candidate.client_number,
                "year": year,
                "accrued": _euro(existing.accrued),
                "paid": _euro(existing.paid),
                "payouts": existing.payouts,
            },
            code="opening_balance_exists",
        )
    cap = annual_cap_for_year(municipality=candidate.municipality, year=year, today=today)
    if cap is None:
        raise ValidationError(
            {"year": _("No annual premium cap is in force for %(year)s.") % {"year": year}}
        )
    if accrued > cap:
        raise ValidationError(
            {
                "accrued": _("More than the annual cap of %(year)s (%(cap)s).")
                % {"year": year, "cap": _euro(cap)}
            }
        )
    if (
        PremiumAccrual.objects.filter(candidate=candidate, year=year).exists()
        or PayoutLine.objects.filter(candidate=candidate, year=year).exists()
    ):
        raise ValidationError(
            _(
                "%(candidate)s already has premium accrued or paid in the portal for %(year)s: "
                "an opening balance comes first, before hours are approved."
            )
            % {"candidate": candidate.client_number, "year": year},
            code="opening_balance_too_late",
        )
    balance = PremiumOpeningBalance(
        candidate=candidate,
        year=year,
        accrued=accrued,
        paid=paid,
        payouts=payouts,
        annual_cap=cap,
        balance_date=min(today, datetime.date(year, 12, 31)),
        source=source[:255],
        created_by=_actor_or_none(actor),
    )
    balance.full_clean()
    balance.save()
    parts = [(True, paid), (False, accrued - paid)]
    PremiumAccrual.objects.bulk_create(
        [
            PremiumAccrual(
                kind=PremiumAccrual.Kind.OPENING,
                opening_balance=balance,
                paid_before_go_live=paid_before,
                candidate=candidate,
                year=year,
                work_date=balance.balance_date,
                hours=ZERO,
                rate=ZERO,
                annual_cap=cap,
                amount=amount,
                capped_amount=ZERO,
                created_by=balance.created_by,
            )
            for paid_before, amount in parts
            if amount > 0
        ]
    )
    audit_record(
        actor=actor,
        action="premium_opening_balance.record",
        obj=balance,
        summary=f"Opening balance of {year} from {source or 'the back office'}.",
        after=audit_snapshot(balance, fields=OPENING_BALANCE_FIELDS),
    )
    return balance
