"""Validation, normalisation and masking of the identifiers several apps store: the IBAN.

`iban_normalise` returns the compact stored form or raises ValidationError; `validate_iban` is
the model-field validator built on it; `mask_iban` is what a screen shows of a stored IBAN.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException


def iban_normalise(value: str) -> str:
    """The IBAN in compact form (no spaces, upper case), checksum and length checked."""
    try:
        return IBAN(value).compact
    except SchwiftyException as error:
        raise ValidationError(_("This is not a valid IBAN."), code="invalid_iban") from error


def validate_iban(value: str) -> None:
    if value and iban_normalise(value) != value:
        raise ValidationError(_("Store the IBAN in compact form."), code="iban_not_compact")


def _mask(value: str, *, keep_start: int = 0, keep_end: int = 4) -> str:
    if not value:
        return ""
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * max(hidden, 0) + value[len(value) - keep_end :]


def mask_iban(iban: str) -> str:
    """`NL************1234` for a Dutch IBAN: country code and the last four characters."""
    return _mask(iban, keep_start=2, keep_end=4)
