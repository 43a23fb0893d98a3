"""Validation and normalisation of the identifiers a placement carries: BSN, KvK, VAT.

Each `*_normalise` returns the compact stored form or raises ValidationError; the
`validate_*` functions are the model-field validators built on them. The IBAN, which members
and the apps above store too, is validated in core.validators.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.eu import vat as eu_vat
from stdnum.nl import bsn as nl_bsn

# Re-exported only for the migrations that name it by this path in a field's validators
# (placements 0001_initial, members 0002_municipality_settlement_iban); code imports it from core.
from core.validators import validate_iban  # noqa: F401

KVK_PATTERN = r"^[0-9]{8}$"
POSTCODE_PATTERN = r"^[1-9][0-9]{3} ?[A-Za-z]{2}$"


def bsn_normalise(value: str) -> str:
    """Nine digits passing the 11-proof; spaces, dots and dashes are dropped."""
    try:
        return nl_bsn.validate(value)
    except stdnum_exceptions.ValidationError as error:
        raise ValidationError(
            _("This is not a valid BSN (nine digits passing the 11-proof)."), code="invalid_bsn"
        ) from error


def kvk_normalise(value: str) -> str:
    """A Chamber of Commerce (KvK) number: exactly eight digits."""
    compact = re.sub(r"[\s.\-]", "", value or "")
    if not re.fullmatch(KVK_PATTERN, compact):
        raise ValidationError(_("A KvK number has exactly eight digits."), code="invalid_kvk")
    return compact


def vat_normalise(value: str) -> str:
    """An EU VAT identification number (e.g. NL123456782B01), checksum checked."""
    try:
        return eu_vat.validate(value)
    except stdnum_exceptions.ValidationError as error:
        raise ValidationError(
            _("This is not a valid VAT identification number."), code="invalid_vat"
        ) from error


def validate_kvk(value: str) -> None:
    if kvk_normalise(value) != value:
        raise ValidationError(_("A KvK number has exactly eight digits."), code="invalid_kvk")


def validate_vat(value: str) -> None:
    if value and vat_normalise(value) != value:
        raise ValidationError(
            _("Store the VAT identification number in compact form."), code="vat_not_compact"
        )


def postcode_normalise(value: str) -> str:
    """A Dutch postcode, stored as "1234 AB" (four digits, not starting with 0, two letters)."""
    compact = re.sub(r"\s", "", value or "").upper()
    if not re.fullmatch(r"[1-9][0-9]{3}[A-Z]{2}", compact):
        raise ValidationError(
            _("A postcode has four digits and two letters, e.g. 1234 AB."),
            code="invalid_postcode",
        )
    return f"{compact[:4]} {compact[4:]}"


def validate_postcode(value: str) -> None:
    if value and postcode_normalise(value) != value:
        raise ValidationError(
            _("A postcode has four digits and two letters, e.g. 1234 AB."),
            code="invalid_postcode",
        )
