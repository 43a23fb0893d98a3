"""Helpers shared by the placements services: dates in messages, field errors, Decimal
input, the coordinator check and the framework terms in force."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.roles import is_coordinator
from members.models import Municipality
from members.selectors import FrameworkNotInForce, FrameworkTerms, framework_in_force


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _field_error(field: str, message: str, *, code: str) -> ValidationError:
    """A ValidationError on one field that keeps its code (a dict of plain strings drops it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _require_decimal(value: Any, *, field: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"{field} must be a Decimal, not a float.")
    if isinstance(value, int | str):
        value = Decimal(value)
    return value


def _is_coordinator_of(user, municipality: Municipality) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and is_coordinator(user)
        and municipality.coordinators.filter(pk=user.pk).exists()
    )


def _require_coordinator_of(user, municipality: Municipality, *, what: str) -> None:
    if not _is_coordinator_of(user, municipality):
        raise PermissionDenied(
            _("Only a coordinator of %(municipality)s may %(what)s.")
            % {"municipality": municipality.name, "what": what}
        )


def _terms(*, municipality: Municipality, on: datetime.date) -> FrameworkTerms:
    try:
        return framework_in_force(municipality=municipality, on=on)
    except FrameworkNotInForce as error:
        raise ValidationError({"start_date": str(error)}) from error
