"""Paying the split of approved settlements from NVSI's account (DOMAIN.md, Settlement).

An approved settlement becomes at most two payment instructions (`SettlementPayment`):

- the result to the municipality (Municipality.settlement_iban), only when it is positive:
  a negative result is an amount the municipality owes NVSI (its statement says so) and a
  result of nil pays nothing;
- the operator's fee net of its half of the contribution, F - Co, to the operator (settings
  OPERATOR_NAME, OPERATOR_IBAN, OPERATOR_BIC);
- NVSI keeps Cm + Co: that money simply stays on its account.

`settlement_payments_create(settlement_id=...)` runs from the approval task. It locks the
settlement row, so two runs (a redelivered task, the transfer file being made at the same
moment) queue; the unique constraint on (settlement, payee) backs that up. Running it twice
has one effect.

A payee without a valid IBAN gets no instruction yet: an instruction is what goes to the
bank, and one without an account cannot. The back office sees the settlement under "IBAN
missing" on the transfer file page (`settlement_payments_waiting`); once the IBAN is filled
in, making the transfer file creates the missing instruction first and pays it in that file.
So an instruction, once made, is always payable, and nothing has to be patched afterwards.

`settlement_transfer_file_make(period=..., actor=...)` puts every instruction of the
half-year's approved settlements that is not in a file yet into one pain.001 file (see
core.sepa). Under a PostgreSQL advisory lock per half-year, so two back-office users
pressing the button at once make one file, and each instruction is in at most one file (the
payment trigger of migration 0002 also refuses setting the file twice). Nothing new to pay:
no file, `None`. A settlement approved after the first file goes into the next file of that
half-year (sequence 2, ...).

Lock order: the half-year's advisory lock, then settlement rows in primary-key order, then
their payment instructions.
"""

import dataclasses
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_back_office
from core.db import require_atomic
from core.sepa import SepaPayment, sepa_credit_transfer_file
from core.services import audit_record
from core.validators import iban_normalise
from settlements.models import Period, Settlement, SettlementPayment, SettlementTransferFile

ZERO = Decimal("0.00")
# The first key of the half-year's advisory lock while a transfer file is made ("pay").
TRANSFER_ADVISORY_NAMESPACE = 0x5E7A1F
END_TO_END_LETTER = {
    SettlementPayment.Payee.MUNICIPALITY: "G",  # gemeente
    SettlementPayment.Payee.OPERATOR: "U",  # uitvoerder
}


@dataclasses.dataclass(frozen=True)
class Due:
    """What a settlement should pay one payee; `iban` is empty when no valid IBAN is known."""

    payee: str
    name: str
    iban: str
    bic: str
    amount: Decimal


def _valid_iban(value: str) -> str:
    """The compact IBAN, or "" if it is empty or invalid."""
    if not value:
        return ""
    try:
        return iban_normalise(value)
    except ValidationError:
        return ""


def settlement_payments_due(settlement: Settlement) -> list[Due]:
    """The payments an approved settlement owes: positive amounts only."""
    due = []
    if settlement.result > 0:
        municipality = settlement.municipality
        due.append(
            Due(
                payee=SettlementPayment.Payee.MUNICIPALITY,
                name=municipality.name,
                iban=_valid_iban(municipality.settlement_iban),
                bic="",
                amount=settlement.result,
            )
        )
    if settlement.operator_receives > 0:
        due.append(
            Due(
                payee=SettlementPayment.Payee.OPERATOR,
                name=settings.OPERATOR_NAME,
                iban=_valid_iban(settings.OPERATOR_IBAN),
                bic=settings.OPERATOR_BIC,
                amount=settlement.operator_receives,
            )
        )
    return due


def end_to_end_id(payment: SettlementPayment) -> str:
    """NVSI-AF{settlement}-G for the municipality, -U for the operator: traceable to the
    settlement from the bank statement."""
    return f"NVSI-AF{payment.settlement_id}-{END_TO_END_LETTER[payment.payee]}"


def remittance(settlement: Settlement) -> str:
    return f"Afrekening {settlement.municipality.name} {settlement.period}"


def _lock_settlement(settlement_id: int) -> Settlement:
    require_atomic()
    return (
        Settlement.objects.select_for_update(of=("self",))
        .select_related("municipality")
        .get(pk=settlement_id)
    )


@transaction.atomic
def settlement_payments_create(*, settlement_id: int) -> list[SettlementPayment]:
    """Make the payment instructions of an approved settlement that do not exist yet.

    Returns the instructions made by this call (empty when there was nothing to do: not
    approved, already made, nothing to pay, or a payee without a valid IBAN).
    """
    settlement = _lock_settlement(settlement_id)
    if settlement.status != Settlement.Status.APPROVED:
        return []
    existing = set(settlement.payments.values_list("payee", flat=True))
    made = []
    for due in settlement_payments_due(settlement):
        if due.payee in existing or not due.iban:
            continue
        payment = SettlementPayment(
            settlement=settlement,
            payee=due.payee,
            name=due.name[:140],
            iban=due.iban,
            amount=due.amount,
        )
        payment.full_clean()
        payment.save()
        made.append(payment)
    if made:
        audit_record(
            actor=None,
            action="settlement.payments_create",
            obj=settlement,
            summary="; ".join(f"{p.get_payee_display()} {p.name} {p.amount}" for p in made),
        )
    return made


@dataclasses.dataclass(frozen=True)
class Waiting:
    """An approved settlement that owes a payee money it cannot pay yet (no valid IBAN)."""

    settlement: Settlement
    due: Due


def settlement_payments_waiting(*, period: Period) -> list[Waiting]:
    """Payments due by the half-year's approved settlements without an instruction, because
    the payee's IBAN is missing or invalid: shown to the back office as "IBAN missing"."""
    settlements = (
        Settlement.objects.filter(
            year=period.year, half=period.half, status=Settlement.Status.APPROVED
        )
        .select_related("municipality")
        .prefetch_related("payments")
        .order_by("municipality__name", "pk")
    )
    waiting = []
    for settlement in settlements:
        made = {payment.payee for payment in settlement.payments.all()}
        waiting += [
            Waiting(settlement=settlement, due=due)
            for due in settlement_payments_due(settlement)
            if due.payee not in made
        ]
    return waiting


def _lock_period(period: Period) -> None:
    require_atomic()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [TRANSFER_ADVISORY_NAMESPACE, period.year * 10 + period.half],
        )


@transaction.atomic
def settlement_transfer_file_make(*, period: Period, actor) -> SettlementTransferFile | None:
    """One pain.001 file from NVSI's account with every instruction of the half-year's
    approved settlements not yet in a file; None when there is nothing new to pay.

    Back office only. Missing instructions are made first (a payee whose IBAN was filled in
    after the approval, or an approval task that never ran).
    """
    if not is_back_office(actor):
        raise PermissionDenied(_("Only the back office makes transfer files."))
    _lock_period(period)
    approved = Settlement.objects.filter(
        year=period.year, half=period.half, status=Settlement.Status.APPROVED
    )
    for waiting_id in sorted(
        {waiting.settlement.pk for waiting in settlement_payments_waiting(period=period)}
    ):
        settlement_payments_create(settlement_id=waiting_id)

    payments = list(
        SettlementPayment.objects.select_for_update(of=("self",))
        .filter(settlement__in=approved, transfer_file__isnull=True)
        .select_related("settlement__municipality")
        .order_by("settlement__municipality__name", "settlement_id", "payee")
    )
    if not payments:
        return None

    sequence = (
        SettlementTransferFile.objects.filter(year=period.year, half=period.half).aggregate(
            last=Max("sequence")
        )["last"]
        or 0
    ) + 1
    message_id = f"NVSI-AF-{period.year}H{period.half}-{sequence}"
    sepa_file = sepa_credit_transfer_file(
        message_id=message_id,
        execution_date=timezone.localdate(),
        payments=[
            SepaPayment(
                name=payment.name,
                iban=payment.iban,
                bic=settings.OPERATOR_BIC
                if payment.payee == SettlementPayment.Payee.OPERATOR
                else "",
                amount=payment.amount,
                end_to_end_id=end_to_end_id(payment),
                description=remittance(payment.settlement),
            )
            for payment in payments
        ],
    )
    total = sum((payment.amount for payment in payments), ZERO)
    if sepa_file.control_sum != total:
        raise ValidationError(
            _("The transfer file's control sum %(sum)s differs from its payments (%(total)s).")
            % {"sum": sepa_file.control_sum, "total": total},
            code="control_sum",
        )
    transfer_file = SettlementTransferFile(
        year=period.year,
        half=period.half,
        sequence=sequence,
        message_id=message_id,
        xml=sepa_file.xml,
        total=total,
        payment_count=len(payments),
        created_by=actor,
    )
    transfer_file.full_clean()
    transfer_file.save()
    filed = SettlementPayment.objects.filter(
        pk__in=[payment.pk for payment in payments], transfer_file__isnull=True
    ).update(transfer_file=transfer_file)
    if filed != len(payments):  # impossible under the lock; never store a file that lies
        raise RuntimeError("A payment instruction went into another transfer file meanwhile.")
    check = transfer_file.payments.aggregate(total=Sum("amount"))["total"]
    if check != transfer_file.total:
        raise RuntimeError("The transfer file's total differs from its payments.")
    audit_record(
        actor=actor,
        action="settlement.transfer_file_make",
        obj=transfer_file,
        summary=f"{period} #{sequence}: {len(payments)} payments, {total} in total; "
        f"SEPA {message_id}.",
    )
    return transfer_file
