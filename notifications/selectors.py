"""Reads for notifications, scoped to the user: a user sees only their own."""

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from notifications.models import Delivery, Notification, NotificationPreference


def notification_preference_for_user(*, user) -> str:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference.delivery if preference else Delivery.IMMEDIATE


def notification_list_for_user(*, user, limit: int = 10):
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")[:limit]


def notification_kinds_for_user(*, user) -> list[str]:
    """The kinds of notification the user's roles receive, for the preferences page."""
    kinds = []
    if is_coordinator(user):
        kinds += [
            Notification.Kind.ASSIGNMENT_REQUESTED,
            Notification.Kind.PAYOUT_RUN_PREPARED,
            Notification.Kind.SETTLEMENT_APPROVED,
        ]
    if is_treasurer(user):
        kinds.append(Notification.Kind.SETTLEMENT_SUBMITTED)
    if is_back_office(user):
        kinds.append(Notification.Kind.SETTLEMENT_REJECTED)
    return kinds
