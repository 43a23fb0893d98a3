"""How notifications reach a user: immediately, in the daily digest or not at all (except
the treasurer's four-eyes requests); each is sent once however often the event or the task
comes; the preferences page."""

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Delivery, Notification, NotificationPreference
from notifications.services import (
    notification_digests_send,
    notification_send,
    notifications_create,
)
from notifications.tasks import notification_digests_send_task, notifications_create_task
from placements.services import assignment_request
from settlements.services import settlement_submit
from tests.placements.factories import ClientFactory


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.SITE_URL = "https://portaal.example.nl"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _prefer(user, delivery):
    NotificationPreference.objects.update_or_create(user=user, defaults={"delivery": delivery})


def _request(values, actor, **changes):
    return assignment_request(actor=actor, **{**values, **changes})


def test_a_digest_user_gets_nothing_at_once_and_one_mail_a_day_with_everything(
    coordinator, request_values, back_office_user, events
):
    _prefer(coordinator, Delivery.DIGEST)
    with events():
        first = _request(request_values, back_office_user)
        second = _request(
            request_values, back_office_user, client=ClientFactory(name="Groenteboer")
        )
    assert mail.outbox == []
    assert Notification.objects.filter(user=coordinator, sent_at__isnull=True).count() == 2

    notification_digests_send_task.delay()

    (digest,) = mail.outbox
    assert digest.to == [coordinator.email]
    assert digest.subject == "[NVSI-portaal] Uw overzicht: 2 meldingen"
    assert f"/opdrachten/{first.pk}/" in digest.body
    assert f"/opdrachten/{second.pk}/" in digest.body
    assert "https://portaal.example.nl/meldingen/" in digest.body
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    # The next day: nothing new, no mail.
    assert notification_digests_send() == 0
    assert len(mail.outbox) == 1


def test_the_digest_is_one_mail_per_user(
    coordinator, town, request_values, back_office_user, events
):
    from accounts.roles import Role
    from tests.factories import UserFactory

    colleague = UserFactory(role=Role.COORDINATOR, municipalities=[town])
    _prefer(coordinator, Delivery.DIGEST)
    _prefer(colleague, Delivery.DIGEST)
    with events():
        _request(request_values, back_office_user)
        _request(request_values, back_office_user)

    assert notification_digests_send() == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, colleague.email])


def test_off_means_no_mail(coordinator, request_values, back_office_user, events):
    _prefer(coordinator, Delivery.OFF)
    with events():
        _request(request_values, back_office_user)
    notification_digests_send()

    assert mail.outbox == []
    assert not Notification.objects.filter(user=coordinator).exists()


def test_the_treasurer_cannot_switch_off_four_eyes_requests(
    draft, back_office_user, treasurer_user, other_treasurer_user, events
):
    _prefer(treasurer_user, Delivery.OFF)
    _prefer(other_treasurer_user, Delivery.DIGEST)
    with events():
        settlement_submit(settlement=draft, actor=back_office_user)

    # Off becomes immediately; the digest stays a digest.
    assert [m.to for m in mail.outbox] == [[treasurer_user.email]]
    notification_digests_send()
    assert [m.to for m in mail.outbox][1:] == [[other_treasurer_user.email]]


def test_an_event_announced_twice_and_a_task_run_twice_send_once(
    coordinator, request_values, back_office_user, events
):
    with events():
        assignment = _request(request_values, back_office_user)
    assert len(mail.outbox) == 1
    (notification,) = Notification.objects.filter(user=coordinator)

    # The signal again (a redelivered task): nothing new is written or sent.
    with events():
        notifications_create_task.delay(
            Notification.Kind.ASSIGNMENT_REQUESTED, assignment.pk, back_office_user.pk
        )
    assert (
        notifications_create(
            kind=Notification.Kind.ASSIGNMENT_REQUESTED,
            object_id=assignment.pk,
            actor_id=back_office_user.pk,
        )
        == []
    )
    # The send task again: already sent.
    assert notification_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=coordinator).count() == 1


def test_a_failing_mail_is_not_marked_sent_and_goes_out_next_time(
    coordinator, request_values, back_office_user, events, monkeypatch
):
    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with events():
        _request(request_values, back_office_user)
    (notification,) = Notification.objects.filter(user=coordinator)
    assert notification.sent_at is None

    monkeypatch.undo()
    assert notification_send(notification_id=notification.pk) is True
    assert len(mail.outbox) == 1


def test_an_event_that_no_longer_stands_sends_nothing(
    coordinator, request_values, back_office_user, events
):
    from placements.services import assignment_reject

    assignment = _request(request_values, back_office_user)
    assignment_reject(assignment=assignment, actor=coordinator, reason="Geen verdringingstoets.")
    with events():
        notifications_create_task.delay(
            Notification.Kind.ASSIGNMENT_REQUESTED, assignment.pk, back_office_user.pk
        )
    assert mail.outbox == []


# --- The preferences page ----------------------------------------------------------------------


def test_every_signed_in_user_sets_their_preference_in_dutch_without_javascript(
    coordinator, coordinator_client
):
    url = reverse("notifications:preferences")
    assert url == "/meldingen/"
    page = coordinator_client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Hoe wilt u meldingen ontvangen?" in text
    assert "Opdracht aangevraagd" in text  # what a coordinator is told about
    assert 'value="immediate" ' in text and "checked" in text

    response = coordinator_client.post(url, {"delivery": "digest"})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=coordinator).delivery == Delivery.DIGEST
    assert (
        "Uw instellingen voor meldingen zijn opgeslagen."
        in coordinator_client.get(url).content.decode()
    )


def test_the_treasurer_is_told_four_eyes_requests_always_come(treasurer_client):
    text = treasurer_client.get("/meldingen/").content.decode()
    assert "krijgt u altijd" in text


def test_an_unknown_choice_is_refused(coordinator, coordinator_client):
    response = coordinator_client.post("/meldingen/", {"delivery": "hourly"})
    assert response.status_code == 200
    assert not NotificationPreference.objects.filter(user=coordinator).exists()


def test_the_page_needs_a_sign_in(anonymous_client):
    response = anonymous_client.get("/meldingen/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_user_menu_links_to_the_page(coordinator_client):
    text = coordinator_client.get("/meldingen/").content.decode()
    assert 'href="/meldingen/" aria-current="page"' in text


def test_the_smtp_smoke_check_sends_over_real_smtp_and_leaves_nothing_behind(db):
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User

    out = StringIO()
    call_command("notifications_smtp_smoke", stdout=out)
    assert "received '[NVSI-portaal] Controle van de e-mailbezorging'" in out.getvalue()
    assert not User.objects.filter(email="smtp-smoke@example.invalid").exists()
    assert not Notification.objects.exists()


def test_nothing_is_recorded_or_sent_for_events_inside_notifications_muted(
    coordinator, request_values, back_office_user, events
):
    """The demo seed loads months of history inside `notifications_muted`."""
    from notifications.receivers import notifications_muted

    with notifications_muted(), events():
        _request(request_values, back_office_user)
    assert mail.outbox == []
    assert not Notification.objects.exists()

    with events():  # and outside it, as usual
        _request(request_values, back_office_user)
    assert len(mail.outbox) == 1
