"""Reads for premiums, scoped to the user: a coordinator sees their municipalities' runs only."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from premiums.models import PayoutRun


def payout_run_list_for_user(*, user) -> QuerySet[PayoutRun]:
    qs = PayoutRun.objects.select_related("municipality").order_by("-payout_date", "pk")
    if not user.is_authenticated:
        return qs.none()
    if is_back_office(user) or is_treasurer(user):
        return qs
    if is_coordinator(user):
        return qs.filter(municipality__coordinators=user)
    return qs.none()


def payout_run_get_for_user(*, user, pk: int) -> PayoutRun:
    """One run in the user's scope; 404 otherwise."""
    return get_object_or_404(payout_run_list_for_user(user=user), pk=pk)
