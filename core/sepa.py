"""SEPA credit transfer files (pain.001) from NVSI's account: premium payouts and settlement
payments. Made with sepaxml and validated against the XSD it ships (through xmlschema) before
they are stored.

One payment information block from NVSI's account (settings NVSI_NAME, NVSI_IBAN, NVSI_BIC),
one transaction per payment. The pain.001 version is the one NVSI's bank takes
(PREMIUM_SEPA_SCHEMA), for premium payouts and settlement payments alike: same account, same
bank.

sepaxml gives every file a random message id when it builds the group header. A caller that
names its files (the settlement transfer files: the bank's report leads back to them) passes
`message_id`: it replaces the random one in the exported text, which is then validated.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENTS = 100
MAX_ID_LENGTH = 35  # Max35Text: message and end-to-end ids


@dataclasses.dataclass(frozen=True)
class SepaPayment:
    """One transaction of a transfer file; `bic` may be empty (IBAN-only, as SEPA allows)."""

    name: str
    iban: str
    amount: Decimal
    end_to_end_id: str
    description: str
    bic: str = ""


@dataclasses.dataclass(frozen=True)
class SepaFile:
    """A validated transfer file: its message id, its XML text and the control sum it states."""

    message_id: str
    xml: str
    control_sum: Decimal


def cents(amount: Decimal) -> int:
    """The amount in whole cents (sepaxml takes integers); refuses a fraction of a cent."""
    value = amount * CENTS
    if value != value.to_integral_value():
        raise ValueError(f"Not a whole number of cents: {amount}")
    return int(value)


def sepa_credit_transfer_file(
    *,
    payments: Iterable[SepaPayment],
    execution_date: datetime.date,
    message_id: str | None = None,
) -> SepaFile:
    """The pain.001 file paying `payments` from NVSI's account on `execution_date`.

    `message_id` (cut to 35 characters) names the file; without it sepaxml's random id stays.
    Raises ValidationError if the XSD validation refuses the file.
    """
    from sepaxml import SepaTransfer
    from sepaxml.validation import ValidationError as SepaValidationError
    from sepaxml.validation import try_valid_xml

    schema = settings.PREMIUM_SEPA_SCHEMA
    transfer = SepaTransfer(
        {
            "name": settings.NVSI_NAME,
            "IBAN": settings.NVSI_IBAN,
            "BIC": settings.NVSI_BIC,
            "batch": True,
            "currency": "EUR",
        },
        schema=schema,
        clean=True,
    )
    for payment in payments:
        entry = {
            "name": payment.name,
            "IBAN": payment.iban,
            "amount": cents(payment.amount),
            "execution_date": execution_date,
            "description": payment.description,
            "endtoend_id": payment.end_to_end_id[:MAX_ID_LENGTH],
        }
        if payment.bic:
            entry["BIC"] = payment.bic
        transfer.add_payment(entry)
    content = transfer.export(validate=False)
    final_id = transfer.msg_id
    if message_id is not None:
        final_id = message_id[:MAX_ID_LENGTH]
        content = _message_id_replaced(content, old=transfer.msg_id, new=final_id)
    try:
        try_valid_xml(content, schema)
    except SepaValidationError as error:
        raise ValidationError(
            _("The SEPA file did not pass its XSD: %(error)s") % {"error": error.__cause__},
            code="sepa_invalid",
        ) from error
    return SepaFile(
        message_id=final_id, xml=content.decode("utf-8"), control_sum=_control_sum(content)
    )


def _message_id_replaced(content: bytes, *, old: str, new: str) -> bytes:
    """The file with the group header's message id `old` replaced by `new`."""
    before = f"<MsgId>{escape(old)}</MsgId>".encode()
    if content.count(before) != 1:
        raise ValueError("The SEPA file does not hold its message id once.")
    return content.replace(before, f"<MsgId>{escape(new)}</MsgId>".encode())


def _control_sum(content: bytes) -> Decimal:
    """The group header's CtrlSum as written in the file."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(content)  # noqa: S314 - our own file
    for element in root.iter():
        if element.tag.endswith("}GrpHdr"):
            for child in element:
                if child.tag.endswith("}CtrlSum"):
                    return Decimal(child.text)
    raise ValidationError(_("The SEPA file has no control sum."), code="sepa_invalid")
