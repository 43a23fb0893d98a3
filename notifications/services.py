"""Writes for notifications: record an event's notifications, send one, send the digests,
set a user's preference.

`notifications_create` runs in the task that follows an event: it writes one row per
recipient (the unique constraint makes a second run write nothing) and queues the sending of
the immediate ones on commit. `notification_send` and `notification_digest_send` lock the
unsent rows they send (skip locked: a concurrent task leaves them to the one that has them)
and mark them sent in the same transaction; a mail that fails rolls the mark back, so the
next run sends it.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.services import audit_record
from notifications.events import EVENTS
from notifications.models import Delivery, Notification, NotificationPreference
from settlements.models import SettlementStatement


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _prefixed(subject: str) -> str:
    return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject


def _preferences_url() -> str:
    return _absolute(reverse("notifications:preferences"))


def notification_delivery(*, user, kind: str) -> str:
    """How `user` receives a notification of `kind`: their preference (immediately when they
    chose none); the treasurer's four-eyes requests are never off."""
    preference = NotificationPreference.objects.filter(user=user).first()
    delivery = preference.delivery if preference else Delivery.IMMEDIATE
    if delivery == Delivery.OFF and EVENTS[kind].mandatory:
        return Delivery.IMMEDIATE
    return delivery


def _render(kind: str, obj, *, user, url: str) -> tuple[str, str]:
    with translation.override("nl"):
        context = {
            "object": obj,
            "user": user,
            "url": url,
            "preferences_url": _preferences_url(),
            # Attached when it is there at sending; it is never removed once made.
            "has_statement": kind == Notification.Kind.SETTLEMENT_APPROVED
            and SettlementStatement.objects.filter(settlement_id=obj.pk).exists(),
        }
        subject = render_to_string(f"notifications/email/{kind}_subject.txt", context)
        body = render_to_string(f"notifications/email/{kind}.txt", context)
        footer = render_to_string("notifications/email/footer.txt", context)
    return _one_line(subject), body.strip() + "\n\n" + footer.strip() + "\n"


@transaction.atomic
def notifications_create(*, kind: str, object_id: int, actor_id: int | None) -> list[int]:
    """Record the notifications of one event; returns the ids of those written now.

    Nothing when the event no longer stands (the object moved on or is gone). The actor is
    never told about what they did themselves; a user who switched the e-mails off gets no
    row (except for the treasurer's four-eyes requests)."""
    event = EVENTS[kind]
    obj = event.load(object_id)
    if obj is None:
        return []
    occurrence = event.occurrence(obj)
    url = _absolute(event.path(obj))
    recipients = event.recipients(obj).exclude(pk=actor_id or 0).order_by("pk")
    created = []
    for user in recipients:
        delivery = notification_delivery(user=user, kind=kind)
        if delivery == Delivery.OFF:
            continue
        subject, body = _render(kind, obj, user=user, url=url)
        notification, was_created = Notification.objects.get_or_create(
            user=user,
            kind=kind,
            object_id=object_id,
            occurrence=occurrence,
            defaults={"delivery": delivery, "subject": subject, "body": body, "url": url},
        )
        if was_created:
            created.append(notification.pk)
            if delivery == Delivery.IMMEDIATE:
                transaction.on_commit(lambda pk=notification.pk: _queue_send(pk), robust=True)
    return created


def _queue_send(notification_id: int) -> None:
    from notifications.tasks import notification_send_task

    notification_send_task.delay(notification_id)


def _attachments(notification: Notification) -> list[tuple[str, bytes, str]]:
    """The statement PDF with an approved settlement's notification, once it is made."""
    if notification.kind != Notification.Kind.SETTLEMENT_APPROVED:
        return []
    statement = (
        SettlementStatement.objects.select_related("settlement__municipality")
        .filter(settlement_id=notification.object_id)
        .first()
    )
    if statement is None or not statement.pdf:
        return []
    settlement = statement.settlement
    with statement.pdf.open("rb") as pdf:
        content = pdf.read()
    name = f"afrekening-{settlement.municipality.cbs_code}-{settlement.period}.pdf"
    return [(name, content, "application/pdf")]


@transaction.atomic
def notification_send(*, notification_id: int) -> bool:
    """Mail one immediate notification unless it was sent (or another task is sending it);
    True if it was sent now."""
    notification = (
        Notification.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("user")
        .filter(pk=notification_id, sent_at__isnull=True, delivery=Delivery.IMMEDIATE)
        .first()
    )
    if notification is None:
        return False
    message = EmailMessage(
        subject=_prefixed(notification.subject),
        body=notification.body,
        to=[notification.user.email],
    )
    for name, content, mimetype in _attachments(notification):
        message.attach(name, content, mimetype)
    message.send()
    notification.sent_at = timezone.now()
    notification.save(update_fields=["sent_at"])
    return True


@transaction.atomic
def notification_digest_send(*, user_id: int) -> int:
    """Mail one user's unsent digest notifications in one e-mail; returns how many."""
    notifications = list(
        Notification.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("user")
        .filter(user_id=user_id, delivery=Delivery.DIGEST, sent_at__isnull=True)
        .order_by("created_at", "pk")
    )
    if not notifications:
        return 0
    user = notifications[0].user
    with translation.override("nl"):
        context = {
            "notifications": notifications,
            "user": user,
            "count": len(notifications),
            "preferences_url": _preferences_url(),
        }
        subject = render_to_string("notifications/email/digest_subject.txt", context)
        body = render_to_string("notifications/email/digest.txt", context)
    EmailMessage(
        subject=_prefixed(_one_line(subject)), body=body.strip() + "\n", to=[user.email]
    ).send()
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(sent_at=timezone.now())
    return len(notifications)


def notification_digests_send() -> int:
    """The daily digest: one e-mail per user with unsent digest notifications (one
    transaction per user, so one failing address does not hold back the others)."""
    user_ids = (
        Notification.objects.filter(delivery=Delivery.DIGEST, sent_at__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )
    return sum(notification_digest_send(user_id=user_id) for user_id in list(user_ids))


@transaction.atomic
def notification_preference_set(*, user, delivery: str) -> NotificationPreference:
    """Save how `user` wants their e-mails (Delivery); audited."""
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"delivery": delivery}
    )
    before = preference.delivery
    if preference.delivery != delivery:
        preference.delivery = delivery
        preference.full_clean()
        preference.save(update_fields=["delivery", "updated_at"])
    audit_record(
        actor=user,
        action="notification_preference.set",
        obj=preference,
        summary=f"{before} -> {delivery}",
    )
    return preference
