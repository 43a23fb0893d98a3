"""Reads for NVSI's product catalogue, scoped to the user: every member user sees the
instruments; a request is seen by the board and by those who act for its municipality."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.roles import (
    is_back_office,
    is_coordinator,
    is_nvsi_board,
    is_representative,
    is_treasurer,
)
from members.models import Instrument, InstrumentDocument, InstrumentRequest
from members.selectors import municipality_list_acting_for

CATALOGUE_ROLES = (is_coordinator, is_representative, is_nvsi_board, is_treasurer, is_back_office)


def can_see_catalogue(user) -> bool:
    return user.is_authenticated and any(check(user) for check in CATALOGUE_ROLES)


def instrument_list_for_user(*, user) -> QuerySet[Instrument]:
    if not can_see_catalogue(user):
        return Instrument.objects.none()
    return Instrument.objects.prefetch_related("documents").order_by("name")


def instrument_get_for_user(*, user, pk: int) -> Instrument:
    return get_object_or_404(instrument_list_for_user(user=user), pk=pk)


def instrument_document_get_for_user(*, user, instrument_id: int, pk: int) -> InstrumentDocument:
    return get_object_or_404(
        InstrumentDocument.objects.filter(instrument__in=instrument_list_for_user(user=user)),
        instrument_id=instrument_id,
        pk=pk,
    )


def instrument_request_list_for_user(*, user) -> QuerySet[InstrumentRequest]:
    """The board: every request. Coordinators and representatives: their municipalities'."""
    qs = InstrumentRequest.objects.select_related(
        "instrument", "municipality", "requested_by", "decided_by"
    ).order_by("-created_at")
    if not user.is_authenticated:
        return qs.none()
    if is_nvsi_board(user):
        return qs
    return qs.filter(Q(municipality__in=municipality_list_acting_for(user=user)))


def instrument_request_get_for_user(*, user, pk: int) -> InstrumentRequest:
    return get_object_or_404(instrument_request_list_for_user(user=user), pk=pk)
