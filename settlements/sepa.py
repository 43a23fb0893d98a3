"""The SEPA credit transfer file (pain.001) paying the split of approved settlements, made
with sepaxml and validated against the XSD it ships (through xmlschema) before it is stored.

One payment information block from NVSI's account (settings NVSI_NAME, NVSI_IBAN,
NVSI_BIC), one transaction per payment instruction. The pain.001 version is the one NVSI's
bank takes for the premium payouts too (PREMIUM_SEPA_SCHEMA): same account, same bank.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CENTS = 100


def _cents(amount: Decimal) -> int:
    cents = amount * CENTS
    if cents != cents.to_integral_value():
        raise ValueError(f"Not a whole number of cents: {amount}")
    return int(cents)


def settlement_credit_transfer(*, message_id: str, payments: list[dict]) -> tuple[str, Decimal]:
    """(XML text, the control sum it states) for `payments`: dicts with name, iban, bic (may be empty),
    amount (Decimal), end_to_end_id and description. Raises ValidationError if the XSD
    validation refuses the file."""
    from sepaxml import SepaTransfer
    from sepaxml.validation import ValidationError as SepaValidationError

    transfer = SepaTransfer(
        {
            "name": settings.NVSI_NAME,
            "IBAN": settings.NVSI_IBAN,
            "BIC": settings.NVSI_BIC,
            "batch": True,
            "currency": "EUR",
        },
        schema=settings.PREMIUM_SEPA_SCHEMA,
        clean=True,
    )
    # sepaxml writes a random message id into the header it builds in its constructor: ours
    # names the half-year and the file, so the bank's report leads back to it.
    transfer.msg_id = message_id[:35]
    transfer._xml.find("CstmrCdtTrfInitn/GrpHdr/MsgId").text = transfer.msg_id
    execution_date = timezone.localdate()
    for payment in payments:
        entry = {
            "name": payment["name"],
            "IBAN": payment["iban"],
            "amount": _cents(payment["amount"]),
            "execution_date": execution_date,
            "description": payment["description"],
            "endtoend_id": payment["end_to_end_id"][:35],
        }
        if payment.get("bic"):
            entry["BIC"] = payment["bic"]
        transfer.add_payment(entry)
    try:
        xml = transfer.export(validate=True)
    except SepaValidationError as error:
        raise ValidationError(
            _("The SEPA file did not pass its XSD: %(error)s") % {"error": error.__cause__},
            code="sepa_invalid",
        ) from error
    return xml.decode("utf-8"), _control_sum(xml)


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
