"""The SEPA credit transfer file (pain.001) of an approved payout run, made with sepaxml and
validated against the XSD that sepaxml ships (through xmlschema) before it is stored.

One payment information block from NVSI's account (settings NVSI_NAME, NVSI_IBAN, NVSI_BIC),
one transaction per payout line; the control sum is the run's total.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CENTS = 100


def _cents(amount) -> int:
    cents = amount * CENTS
    if cents != cents.to_integral_value():
        raise ValueError(f"Not a whole number of cents: {amount}")
    return int(cents)


def sepa_credit_transfer(*, run, lines) -> tuple[str, str]:
    """(message id, XML text) for the run's lines; raises ValidationError if the library's
    XSD validation refuses the file."""
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
    execution_date = max(run.payout_date, timezone.localdate())
    description = f"Premie {run.municipality.name} {run.payout_date:%d-%m-%Y}"
    for line in lines:
        transfer.add_payment(
            {
                "name": line.candidate_name,
                "IBAN": line.iban,
                "amount": _cents(line.amount),
                "execution_date": execution_date,
                "description": description,
                "endtoend_id": f"NVSI-PR{run.pk}-L{line.pk}"[:35],
            }
        )
    try:
        xml = transfer.export(validate=True)
    except SepaValidationError as error:
        raise ValidationError(
            _("The SEPA file did not pass its XSD: %(error)s") % {"error": error.__cause__},
            code="sepa_invalid",
        ) from error
    return transfer.msg_id, xml.decode("utf-8")
