"""Signing in: closed sign-up, e-mail and password, enforced MFA, invitations, role groups."""

import re
import time
from urllib.parse import urlparse

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import User
from accounts.roles import Role, roles_sync
from accounts.services import user_invite
from core.models import AuditEvent
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ACTIVATE_TOTP = "/accounts/2fa/totp/activate/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"
REAUTHENTICATE = "/accounts/reauthenticate/"


def _current_totp(secret: str = TOTP_SECRET) -> str:
    """The code an authenticator app shows now; waits out the last second of a period."""
    period = 30
    if period - time.time() % period < 1:
        time.sleep(1.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def _signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def _log_in(email: str, password: str = PASSWORD) -> Client:
    """Sign in through the form, as a person does (allauth records the authentication)."""
    client = Client()
    response = client.post(LOGIN, {"login": email, "password": password})
    assert response.status_code == 302, response.content
    return client


# --- Closed sign-up ---------------------------------------------------------------------------


def test_sign_up_is_closed():
    client = Client()
    response = client.get("/accounts/signup/")
    assert "account/signup_closed.html" in [t.name for t in response.templates]

    response = client.post(
        "/accounts/signup/",
        {"email": "intruder@example.nl", "password1": "A-long-enough-passw0rd"},
    )
    assert not User.objects.exists()
    assert _signed_in_as(client) is None


# --- Sign-in ----------------------------------------------------------------------------------


def test_sign_in_with_email_and_password(coordinator):
    client = Client()
    response = client.post(LOGIN, {"login": coordinator.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_as(client) == coordinator


def test_sign_in_email_is_case_insensitive(coordinator):
    client = Client()
    client.post(LOGIN, {"login": coordinator.email.upper(), "password": PASSWORD})
    assert _signed_in_as(client) == coordinator


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("coordinator@groningen.example.nl", "wrong-password-123"),
        ("nobody@example.nl", PASSWORD),
    ],
)
def test_sign_in_refused(coordinator, login, password):
    client = Client()
    response = client.post(LOGIN, {"login": login, "password": password})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _signed_in_as(client) is None


def test_invited_user_without_password_cannot_sign_in():
    invitee = UserFactory(email="new@example.nl", password=None, role=Role.COORDINATOR)
    assert not invitee.has_usable_password()
    client = Client()
    client.post(LOGIN, {"login": invitee.email, "password": ""})
    assert _signed_in_as(client) is None


def test_sign_in_with_totp_asks_for_the_code(treasurer_with_mfa):
    client = Client()
    response = client.post(LOGIN, {"login": treasurer_with_mfa.email, "password": PASSWORD})
    assert response["Location"] == MFA_AUTHENTICATE
    assert _signed_in_as(client) is None  # not until the second factor

    response = client.post(MFA_AUTHENTICATE, {"code": "000000"})
    assert _signed_in_as(client) is None
    response = client.post(MFA_AUTHENTICATE, {"code": _current_totp()})
    assert response.status_code == 302
    assert _signed_in_as(client) == treasurer_with_mfa


# --- MFA enforcement --------------------------------------------------------------------------


@pytest.mark.parametrize("role_fixture", ["treasurer", "back_office"])
@pytest.mark.parametrize("path", ["/leden/", "/admin/", "/", "/admin/members/framework/"])
def test_money_roles_without_totp_are_sent_to_enrolment(request, role_fixture, path):
    user = request.getfixturevalue(role_fixture)
    client = _log_in(user.email)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE_TOTP


@pytest.mark.parametrize("role_fixture", ["treasurer", "back_office"])
def test_money_roles_without_totp_may_enrol_and_sign_out(request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    client = _log_in(user.email)
    # Just signed in: the enrolment page opens without asking for the password again.
    response = client.get(ACTIVATE_TOTP)
    assert response.status_code == 200
    assert "mfa.totp.secret" in client.session

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert _signed_in_as(client) is None


def test_enrolment_long_after_sign_in_asks_for_the_password_again(treasurer, settings):
    client = _log_in(treasurer.email)
    session = client.session
    records = session["account_authentication_methods"]
    records[-1]["at"] -= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1
    session["account_authentication_methods"] = records
    session.save()
    response = client.get(ACTIVATE_TOTP)
    assert urlparse(response["Location"]).path == REAUTHENTICATE
    # The reauthentication page is reachable before enrolment, and leads back to it.
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == ACTIVATE_TOTP
    assert client.get(ACTIVATE_TOTP).status_code == 200


def test_enrolling_totp_opens_the_portal(treasurer):
    client = _log_in(treasurer.email)
    client.get(ACTIVATE_TOTP)
    secret = client.session["mfa.totp.secret"]
    assert client.get("/leden/")["Location"] == ACTIVATE_TOTP

    response = client.post(ACTIVATE_TOTP, {"code": _current_totp(secret)})
    assert response.status_code == 302
    assert client.get("/leden/").status_code == 200


@pytest.mark.parametrize(
    ("client_fixture", "path"),
    [("treasurer_client", "/leden/"), ("back_office_client", "/admin/")],
)
def test_money_roles_with_totp_reach_their_pages(request, client_fixture, path):
    client = request.getfixturevalue(client_fixture)
    assert client.get(path).status_code == 200


def test_superuser_without_totp_is_sent_to_enrolment():
    UserFactory(email="root@example.nl", is_staff=True, is_superuser=True)
    client = _log_in("root@example.nl")
    assert client.get("/admin/")["Location"] == ACTIVATE_TOTP


def test_coordinator_is_not_forced_to_enrol(coordinator, municipality):
    client = _log_in(coordinator.email)
    assert client.get(f"/gemeenten/{municipality.cbs_code}/").status_code == 200


# --- The admin signs in through allauth -------------------------------------------------------


def test_admin_login_redirects_to_allauth_login():
    response = Client().get("/admin/login/?next=/admin/members/framework/")
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == LOGIN
    assert location.query == "next=/admin/members/framework/"


def test_admin_login_ignores_foreign_next():
    response = Client().get("/admin/login/?next=https://evil.example/")
    assert urlparse(response["Location"]).query == "next=/admin/"


def test_admin_index_anonymous_ends_at_allauth_login():
    response = Client().get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)


def test_admin_login_sends_signed_in_non_staff_home(coordinator_client):
    response = coordinator_client.get("/admin/login/")
    assert response["Location"] == "/"


def test_admin_password_change_is_allauths(back_office_client):
    response = back_office_client.get("/admin/password_change/")
    assert response["Location"] == "/accounts/password/change/"
    assert back_office_client.get(response["Location"]).status_code == 200


def test_admin_not_for_coordinators(coordinator_client):
    response = coordinator_client.get("/admin/")
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == "/admin/login/"


# --- Invitations ------------------------------------------------------------------------------


def _invite(**overrides):
    values = {
        "email": "new.coordinator@groningen.example.nl",
        "first_name": "Nieuwe",
        "last_name": "Coördinator",
        "role": Role.COORDINATOR,
        "municipalities": [],
        "actor": None,
    }
    values.update(overrides)
    return user_invite(**values)


def _link_in(message) -> str:
    match = re.search(r"https?://\S+", message.body)
    assert match, message.body
    return match.group(0)


def test_invitation_creates_coordinator_and_mails_once_on_commit(
    municipality, other_municipality, board_member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = _invite(municipalities=[municipality], actor=board_member)
    assert mailoutbox == []  # nothing is sent before the data is committed
    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert message.subject.startswith("[NVSI-portaal] ")
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [Role.COORDINATOR.value]
    assert list(user.coordinated_municipalities.all()) == [municipality]
    assert not user.is_staff
    assert user.invited_by == board_member
    event = AuditEvent.objects.get(action="user.invite")
    assert event.actor == board_member
    assert event.object_id == str(user.pk)


def test_invitation_link_lets_the_invitee_set_a_password(
    municipality, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = _invite(municipalities=[municipality])
    link = urlparse(_link_in(mailoutbox[0]))

    client = Client()
    response = client.get(link.path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link.path
    assert response.context["form"] is not None
    new_password = "Een-nieuw-wachtwoord-2026"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302

    user.refresh_from_db()
    assert user.has_usable_password()
    assert _log_in(user.email, new_password)

    # The link is single-use.
    response = Client().get(link.path, follow=True)
    assert response.context.get("token_fail")


@pytest.mark.parametrize(("role", "is_staff"), [(Role.BACK_OFFICE, True), (Role.TREASURER, False)])
def test_invitation_of_money_roles_by_an_administrator(
    role, is_staff, mailoutbox, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        user = _invite(email="someone@nvsi.example.nl", role=role, actor=admin)
    assert user.is_staff is is_staff
    assert list(user.groups.values_list("name", flat=True)) == [role.value]
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "role", [Role.TREASURER, Role.COORDINATOR, Role.REPRESENTATIVE, Role.NVSI_BOARD]
)
def test_back_office_cannot_invite_approvers_or_nvsi_roles(
    role, back_office, municipality, mailoutbox
):
    """Four eyes: operator staff must not create the people who approve their work."""
    municipalities = [municipality] if role in (Role.COORDINATOR, Role.REPRESENTATIVE) else []
    with pytest.raises(ValidationError) as error:
        _invite(
            email="someone@nvsi.example.nl",
            role=role,
            municipalities=municipalities,
            actor=back_office,
        )
    assert "role" in error.value.message_dict
    assert not User.objects.filter(email="someone@nvsi.example.nl").exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": Role.COORDINATOR, "municipalities": []}, "municipalities"),
        ({"role": Role.TREASURER, "municipalities": ["municipality"]}, "municipalities"),
        ({"email": "COORDINATOR@groningen.example.nl"}, "email"),  # exists, other case
    ],
)
def test_invitation_refused(
    overrides,
    field,
    coordinator,
    municipality,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    overrides = dict(overrides)
    if overrides.get("municipalities") == ["municipality"]:
        overrides["municipalities"] = [municipality]
    overrides.setdefault("municipalities", [municipality])
    users_before = User.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as error,
    ):
        _invite(**overrides)
    assert list(error.value.message_dict) == [field]
    assert User.objects.count() == users_before
    assert mailoutbox == []


def test_admin_invite_view(
    municipality, board_client, mailoutbox, django_capture_on_commit_callbacks
):
    assert board_client.get("/admin/accounts/user/invite/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            "/admin/accounts/user/invite/",
            {
                "email": "Invitee@Example.nl",
                "first_name": "In",
                "last_name": "Vitee",
                "role": Role.COORDINATOR.value,
                "municipalities": [municipality.pk],
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "/admin/accounts/user/"
    user = User.objects.get(email="invitee@example.nl")
    assert list(user.coordinated_municipalities.all()) == [municipality]
    assert len(mailoutbox) == 1


def test_admin_invite_view_shows_service_errors_on_the_form(board_client, mailoutbox):
    response = board_client.post(
        "/admin/accounts/user/invite/",
        {
            "email": "invitee@example.nl",
            "first_name": "In",
            "last_name": "Vitee",
            "role": Role.COORDINATOR.value,
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["municipalities"]
    assert not User.objects.filter(email="invitee@example.nl").exists()
    assert mailoutbox == []


@pytest.mark.parametrize("client_fixture", ["treasurer_client", "coordinator_client"])
def test_admin_invite_view_not_for_other_roles(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.post(
        "/admin/accounts/user/invite/",
        {"email": "x@example.nl", "first_name": "X", "last_name": "Y", "role": "treasurer"},
    )
    assert response.status_code in (302, 403)
    assert not User.objects.filter(email="x@example.nl").exists()


# --- Role groups ------------------------------------------------------------------------------


def _permissions(role: Role) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=role.value).permissions.select_related("content_type")
    }


def test_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def _app_permissions(*apps: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__app_label__in=apps).select_related(
            "content_type"
        )
    }


def test_back_office_administers_placements_and_billing_but_only_reads_members():
    granted = _permissions(Role.BACK_OFFICE)
    assert _app_permissions("placements", "billing", "premiums", "settlements") <= granted
    members = {p for p in granted if p.startswith("members.")}
    assert {
        "members.view_framework",
        "members.view_premiumcap",
        "members.view_contract",
        "members.view_membership",
        "members.view_municipality",
        "members.view_instrument",
    } <= members
    assert all(p.split(".")[1].startswith("view_") for p in members)
    assert "core.view_auditevent" in granted
    assert "core.change_auditevent" not in granted
    assert "accounts.delete_user" not in granted


def test_nvsi_board_manages_members_and_appointments():
    granted = _permissions(Role.NVSI_BOARD)
    assert {
        "members.add_framework",
        "members.change_premiumcap",
        "members.change_contract",
        "members.change_membership",
        "members.change_municipality",
        "members.change_instrumentrequest",
        "accounts.add_user",
        "accounts.change_user",
        "core.view_auditevent",
    } <= granted
    assert {p for p in granted if p.split(".")[1].startswith("delete_")} == {
        "members.delete_framework",  # a version not yet in force (FrameworkAdmin)
        "members.delete_premiumcap",  # idem
        "members.delete_instrumentdocument",
    }
    assert _permissions(Role.REPRESENTATIVE) == set()


def test_treasurer_reads_and_coordinator_has_no_admin_permissions():
    treasurer = _permissions(Role.TREASURER)
    assert "members.view_framework" in treasurer
    assert all(p.split(".")[1].startswith("view_") for p in treasurer)
    assert _permissions(Role.COORDINATOR) == set()


def test_roles_sync_is_idempotent_and_restores_the_shipped_permissions():
    before = {role: _permissions(role) for role in Role}
    group = Group.objects.get(name=Role.TREASURER.value)
    group.permissions.add(Permission.objects.get(codename="delete_framework"))
    Group.objects.filter(name=Role.COORDINATOR.value).delete()

    roles_sync()
    roles_sync()

    assert {role: _permissions(role) for role in Role} == before
    assert Group.objects.filter(name__in=Role.values).count() == len(Role)
