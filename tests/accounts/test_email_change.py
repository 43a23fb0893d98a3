"""Changing an e-mail address: only the account holder asks, only the new address confirms
(a signed link that expires), the audit trail keeps the old and the new value, and allauth's
own address page cannot bypass it."""

import re
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.test import Client

from accounts.services import email_change_request
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW = "carla.nieuw@groningen.example.nl"


def _link_in(message) -> str:
    return urlparse(re.search(r"https?://\S+", message.body).group(0)).path


@pytest.fixture
def requested(coordinator, coordinator_client, mailoutbox, django_capture_on_commit_callbacks):
    """The coordinator asked for NEW on the portal page; the link went to NEW only."""
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/accounts/email/", {"email": NEW})
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [[NEW]]
    return _link_in(mailoutbox[0])


def test_asking_changes_nothing_until_the_new_address_confirms(coordinator, requested):
    coordinator.refresh_from_db()
    assert coordinator.email == "coordinator@groningen.example.nl"
    assert AuditEvent.objects.filter(
        action="user.email_change_request", object_id=str(coordinator.pk)
    ).exists()
    assert not AuditEvent.objects.filter(action="user.email_change").exists()


def test_the_link_from_the_new_address_changes_it_audited(
    coordinator, coordinator_client, requested, mailoutbox, django_capture_on_commit_callbacks
):
    # Opening the link (a mail scanner may) only shows the button.
    assert coordinator_client.get(requested).status_code == 200
    coordinator.refresh_from_db()
    assert coordinator.email != NEW

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(requested)
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.email == NEW
    event = AuditEvent.objects.get(action="user.email_change", object_id=str(coordinator.pk))
    assert event.actor == coordinator
    assert event.changes == {"email": ["coordinator@groningen.example.nl", NEW]}
    # The old address is told.
    assert mailoutbox[-1].to == ["coordinator@groningen.example.nl"]


def test_a_used_link_is_refused(coordinator, coordinator_client, requested):
    coordinator_client.post(requested)
    again = coordinator_client.post(requested)
    assert again.status_code == 400
    assert AuditEvent.objects.filter(action="user.email_change").count() == 1


def test_an_expired_link_is_refused(coordinator, coordinator_client, requested, monkeypatch):
    monkeypatch.setattr("accounts.services.EMAIL_CHANGE_MAX_AGE", -1)
    response = coordinator_client.post(requested)
    assert response.status_code == 400
    coordinator.refresh_from_db()
    assert coordinator.email == "coordinator@groningen.example.nl"


def test_a_forged_link_is_refused(coordinator, coordinator_client, requested):
    token = requested.rstrip("/").rsplit("/", 1)[1]
    payload, signature = token.split(":", 1)
    forged = requested.replace(token, payload[:-2] + "xx:" + signature)
    response = coordinator_client.post(forged)
    assert response.status_code == 400
    coordinator.refresh_from_db()
    assert coordinator.email == "coordinator@groningen.example.nl"


def test_someone_else_signed_in_cannot_use_the_link(coordinator, requested, other_coordinator):
    client = Client()
    client.force_login(other_coordinator)
    response = client.post(requested)
    assert response.status_code == 400
    coordinator.refresh_from_db()
    other_coordinator.refresh_from_db()
    assert NEW not in (coordinator.email, other_coordinator.email)


def test_an_address_in_use_is_refused(coordinator_client, other_coordinator, mailoutbox):
    response = coordinator_client.post("/accounts/email/", {"email": other_coordinator.email})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert mailoutbox == []


def test_nobody_asks_for_someone_else(coordinator, back_office_with_mfa, mailoutbox):
    with pytest.raises(PermissionDenied):
        email_change_request(user=coordinator, new_email=NEW, actor=back_office_with_mfa)
    assert mailoutbox == []


def test_allauths_address_page_is_ours(coordinator, coordinator_client, mailoutbox):
    """allauth's /accounts/email/ would add and make primary an address without
    confirmation (verification is off: invitations prove addresses)."""
    page = coordinator_client.get("/accounts/email/")
    assert "accounts/email_change.html" in [t.name for t in page.templates]
    coordinator_client.post("/accounts/email/", {"action_add": "", "email": NEW})
    coordinator_client.post("/accounts/email/", {"action_primary": "", "email": NEW})
    coordinator.refresh_from_db()
    assert coordinator.email == "coordinator@groningen.example.nl"
    assert not EmailAddress.objects.filter(email=NEW).exists()
