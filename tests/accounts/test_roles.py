"""Who may do what (issue 12): the operator's back office administers and reads the members
data but changes none of it and appoints nobody who approves its work; the NVSI board manages
members, contracts and appointments; a back-office account holds no other role; the operator
fee changes only through a decision (superusers may correct it)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, grantable_roles
from accounts.services import user_invite, user_role_grant
from core.models import AuditEvent
from members.models import Contract, Framework, Membership, Municipality, PremiumCap
from tests.factories import (
    ContractFactory,
    FrameworkFactory,
    MembershipFactory,
    PremiumCapFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FUTURE = timezone.localdate() + datetime.timedelta(days=60)


@pytest.fixture
def members_data(municipality):
    today = timezone.localdate()
    return {
        "framework": FrameworkFactory(valid_from=today - datetime.timedelta(days=30)),
        "future framework": FrameworkFactory(valid_from=FUTURE),
        "future local framework": FrameworkFactory(
            local=True, municipality=municipality, valid_from=FUTURE
        ),
        "premium cap": PremiumCapFactory(valid_from=FUTURE),
        "membership": MembershipFactory(
            municipality=municipality, start_date=today - datetime.timedelta(days=400)
        ),
        "contract": ContractFactory(municipality=municipality),
        "municipality": municipality,
    }


def _admin_url(obj_or_model, action="change") -> str:
    meta = obj_or_model._meta
    base = f"/admin/{meta.app_label}/{meta.model_name}/"
    if action == "add":
        return base + "add/"
    return f"{base}{obj_or_model.pk}/{action}/"


# --- The members data: the back office reads, the board manages --------------------------------

ADD_PAGES = [Framework, PremiumCap, Membership, Contract, Municipality]


@pytest.mark.parametrize("model", ADD_PAGES, ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [
        ("back_office_client", 403),
        ("treasurer_client", 302),  # not staff: sent to sign in to the admin
        ("board_client", 200),
        ("superuser_client", 200),
    ],
)
def test_who_may_add_members_data(request, members_data, model, client_fixture, status):
    client = request.getfixturevalue(client_fixture)
    assert client.get(_admin_url(model, "add")).status_code == status


CHANGE_PAGES = ["future framework", "premium cap", "membership", "contract", "municipality"]


@pytest.mark.parametrize("name", CHANGE_PAGES)
def test_the_back_office_sees_members_data_read_only_and_its_post_is_refused(
    back_office_client, members_data, name
):
    obj = members_data[name]
    page = back_office_client.get(_admin_url(obj))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    before = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    response = back_office_client.post(_admin_url(obj), {"settlement_iban": "NL91ABNA0417164300"})
    assert response.status_code == 403
    obj.refresh_from_db()
    assert {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} == before


@pytest.mark.parametrize(
    "name", ["future local framework", "premium cap", "membership", "contract", "municipality"]
)
def test_the_board_may_change_members_data(board_client, members_data, name):
    """A future general version is a decision of the members: not the board's to change
    (tests/members/test_frameworks.py)."""
    page = board_client.get(_admin_url(members_data[name]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is True


def _post_data(page) -> dict:
    """What the admin change form would send back unchanged (with its inlines)."""
    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[form.add_prefix(name)] = value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def test_the_board_changes_a_settlement_account_audited(board_client, members_data, municipality):
    page = board_client.get(_admin_url(municipality))
    data = {**_post_data(page), "settlement_iban": "NL91ABNA0417164300"}
    response = board_client.post(_admin_url(municipality), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    municipality.refresh_from_db()
    assert municipality.settlement_iban == "NL91ABNA0417164300"
    assert AuditEvent.objects.filter(
        action__startswith="municipality.", object_id=str(municipality.pk)
    ).exists()


def test_coordinators_and_representatives_are_not_set_on_the_municipality_page(
    board_client, members_data, municipality
):
    """Appointments go through the user admin's services, which check who may grant what."""
    form = board_client.get(_admin_url(municipality)).context["adminform"].form
    assert "coordinators" not in form.fields
    assert "representatives" not in form.fields


# --- The operator fee ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_fixture", "editable"), [("board_client", False), ("superuser_client", True)]
)
@pytest.mark.parametrize("name", ["future framework", "contract"])
def test_the_operator_fee_is_read_only_but_for_superusers(
    request, members_data, client_fixture, editable, name
):
    client = request.getfixturevalue(client_fixture)
    form = client.get(_admin_url(members_data[name])).context["adminform"].form
    assert ("operator_fee_percentage" in form.fields) is editable


def test_the_board_adds_no_general_version_itself(board_client, members_data):
    """Not even with the fee in force: a general version is made by a decision of the members
    (governance), and the board's own POST is refused with the reason on the scope."""
    starts = FUTURE + datetime.timedelta(days=30)
    response = board_client.post(
        _admin_url(Framework, "add"),
        {
            "scope": "general",
            "valid_from": f"{starts:%d-%m-%Y}",
            "decision_reference": "ALV-besluit",
            "client_hourly_rate_min": "15.00",
            "premium_per_hour": "2.00",
            "payout_moments": "06-30,12-31",
            "contribution_percentage": "2.00",
            "contribution_operator_percentage": "1.00",
            "vat_percentage": "21.00",
            "long_after_weeks": "26",
            "large_hours_per_week": "32.00",
            "large_concurrent_candidates": "10",
        },
    )
    assert response.status_code == 200
    assert "scope" in response.context["adminform"].form.errors
    assert not Framework.objects.filter(valid_from=starts).exists()


# --- Appointments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "roles"),
    [
        ("back_office", [Role.BACK_OFFICE]),
        ("board_member", [Role.COORDINATOR, Role.TREASURER, Role.NVSI_BOARD, Role.REPRESENTATIVE]),
        ("treasurer", []),
        ("coordinator", []),
        ("representative", []),
    ],
)
def test_who_may_grant_which_role(request, fixture, roles):
    user = request.getfixturevalue(fixture)
    assert set(grantable_roles(user)) == set(roles)


def test_the_board_invite_form_offers_only_what_the_board_grants(board_client):
    choices = board_client.get("/admin/accounts/user/invite/").context["form"].fields["role"]
    assert {value for value, _label in choices.choices} == {
        Role.COORDINATOR,
        Role.REPRESENTATIVE,
        Role.TREASURER,
        Role.NVSI_BOARD,
    }


def test_the_back_office_invites_a_colleague(
    back_office, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        colleague = user_invite(
            email="collega@operator.example.nl",
            first_name="Col",
            last_name="Lega",
            role=Role.BACK_OFFICE,
            actor=back_office,
        )
    assert colleague.is_staff
    assert colleague.invited_by == back_office
    assert len(mailoutbox) == 1


def test_the_board_invites_a_representative_through_the_admin(
    board_client, board_member_with_mfa, municipality, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            "/admin/accounts/user/invite/",
            {
                "email": "wethouder@groningen.example.nl",
                "first_name": "Wim",
                "last_name": "Wethouder",
                "role": Role.REPRESENTATIVE.value,
                "municipalities": [municipality.pk],
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="wethouder@groningen.example.nl")
    assert list(user.represented_municipalities.all()) == [municipality]
    assert list(user.coordinated_municipalities.all()) == []
    assert user.invited_by == board_member_with_mfa
    event = AuditEvent.objects.get(action="user.invite", object_id=str(user.pk))
    assert event.actor == board_member_with_mfa


def test_the_board_flags_a_coordinator_as_representative(
    board_client, board_member_with_mfa, coordinator, municipality
):
    response = board_client.post(
        f"/admin/accounts/user/{coordinator.pk}/appoint/",
        {"role": Role.REPRESENTATIVE.value, "municipalities": [municipality.pk]},
    )
    assert response.status_code == 302
    assert set(coordinator.groups.values_list("name", flat=True)) == {
        Role.COORDINATOR,
        Role.REPRESENTATIVE,
    }
    assert list(coordinator.represented_municipalities.all()) == [municipality]
    event = AuditEvent.objects.get(action="user.role_grant", object_id=str(coordinator.pk))
    assert event.actor == board_member_with_mfa
    assert event.changes["roles"] == ["coordinator", "coordinator, representative"]


def test_the_back_office_appoints_nobody_through_the_appoint_page(
    back_office_client, coordinator, municipality
):
    response = back_office_client.post(
        f"/admin/accounts/user/{coordinator.pk}/appoint/",
        {"role": Role.REPRESENTATIVE.value, "municipalities": [municipality.pk]},
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not coordinator.represented_municipalities.exists()
    assert not AuditEvent.objects.filter(action="user.role_grant").exists()


# --- Role incompatibilities -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.REPRESENTATIVE, Role.TREASURER, Role.NVSI_BOARD]
)
def test_a_back_office_account_holds_no_other_role(
    back_office, superuser_with_mfa, municipality, role
):
    municipalities = [municipality] if role in (Role.COORDINATOR, Role.REPRESENTATIVE) else []
    with pytest.raises(ValidationError) as error:
        user_role_grant(
            user=back_office, role=role, municipalities=municipalities, actor=superuser_with_mfa
        )
    assert error.value.error_dict["role"][0].code == "incompatible_roles"
    assert list(back_office.groups.values_list("name", flat=True)) == [Role.BACK_OFFICE]


def test_nor_does_a_coordinator_become_back_office(coordinator, superuser_with_mfa):
    with pytest.raises(ValidationError):
        user_role_grant(user=coordinator, role=Role.BACK_OFFICE, actor=superuser_with_mfa)
    assert not coordinator.is_staff


def test_groups_set_by_a_superuser_in_the_admin_are_checked_and_audited(
    superuser_client, coordinator
):
    from django.contrib.auth.models import Group

    url = f"/admin/accounts/user/{coordinator.pk}/change/"
    data = _post_data(superuser_client.get(url))
    back_office = Group.objects.get(name=Role.BACK_OFFICE).pk
    refused = superuser_client.post(url, {**data, "groups": [*data["groups"], back_office]})
    assert refused.status_code == 200
    assert "groups" in refused.context["adminform"].form.errors

    treasurer = Group.objects.get(name=Role.TREASURER).pk
    response = superuser_client.post(url, {**data, "groups": [*data["groups"], treasurer]})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.roles_change", object_id=str(coordinator.pk))
    assert event.changes["roles"] == ["coordinator", "coordinator, treasurer"]


# --- The back office does not change the accounts of those who approve or decide -----------------


@pytest.mark.parametrize(
    "fixture", ["coordinator", "treasurer", "board_member", "representative", "superuser_with_mfa"]
)
def test_the_back_office_cannot_change_approvers_or_nvsi_accounts(
    request, back_office_client, fixture
):
    user = request.getfixturevalue(fixture)
    url = f"/admin/accounts/user/{user.pk}/change/"
    page = back_office_client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    response = back_office_client.post(
        url, {"first_name": "Anders", "is_active": "", "email": "alias@example.nl"}
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert (user.first_name, user.is_active) != ("Anders", False)
    assert user.email != "alias@example.nl"


def test_the_back_office_changes_a_colleague_but_never_an_e_mail_address(back_office_client):
    colleague = UserFactory(
        email="collega@operator.example.nl", role=Role.BACK_OFFICE, is_staff=True
    )
    url = f"/admin/accounts/user/{colleague.pk}/change/"
    data = _post_data(back_office_client.get(url))
    assert "email" not in data
    response = back_office_client.post(
        url, {**data, "first_name": "Nieuw", "email": "alias@example.nl"}
    )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert (colleague.first_name, colleague.email) == ("Nieuw", "collega@operator.example.nl")


@pytest.mark.parametrize("client_fixture", ["board_client", "superuser_client"])
def test_nobody_changes_an_e_mail_address_in_the_admin(request, client_fixture, coordinator):
    client = request.getfixturevalue(client_fixture)
    form = client.get(f"/admin/accounts/user/{coordinator.pk}/change/").context["adminform"].form
    assert "email" not in form.fields


def test_resending_an_invitation_skips_accounts_the_back_office_may_not_change(
    back_office_client, mailoutbox, django_capture_on_commit_callbacks
):
    invitee = UserFactory(email="nieuw@groningen.example.nl", role=Role.COORDINATOR, password=None)
    with django_capture_on_commit_callbacks(execute=True):
        back_office_client.post(
            "/admin/accounts/user/",
            {"action": "resend_invitation", "_selected_action": [invitee.pk]},
        )
    assert mailoutbox == []


# --- Where each role starts ----------------------------------------------------------------------


def test_the_board_starts_at_its_to_do_page(board_client):
    assert board_client.get("/")["Location"] == "/te-doen/"


def test_a_representative_starts_at_their_to_do_page(representative_client):
    assert representative_client.get("/")["Location"] == "/te-doen/"
