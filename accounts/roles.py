"""The roles, as Django groups with their permissions, and the questions asked of them.

The groups and their permissions are shipped as data: `roles_sync` runs after every migrate
and makes the groups match ROLE_PERMISSIONS exactly (idempotent).
"""

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    BACK_OFFICE = "back_office", _("Back office")
    TREASURER = "treasurer", _("Treasurer")
    # NVSI's secretariat and board: members, contracts, appointments and the decision process.
    NVSI_BOARD = "nvsi_board", _("NVSI board")
    # Casts a member municipality's vote on the general framework (members.Municipality).
    REPRESENTATIVE = "representative", _("Representative")


# app label -> permission codenames: "*" = every permission of that app's models, "view" =
# every view permission of that app's models, else a list of codenames.
ROLE_PERMISSIONS: dict[str, dict[str, list[str] | str]] = {
    Role.COORDINATOR: {},
    # The operator administers and advises: it reads the members data (frameworks, caps,
    # memberships, contracts, municipalities, the catalogue) but no longer changes it, and it
    # invites only its own back-office colleagues (accounts.services.user_invite).
    Role.BACK_OFFICE: {
        "members": "view",
        "placements": "*",
        "billing": "*",
        "premiums": "*",
        "settlements": "*",
        "governance": "view",  # the record; advice is written in the portal (/besluiten/)
        "core": ["view_auditevent"],
        "accounts": ["view_user", "add_user", "change_user"],
    },
    Role.TREASURER: {
        "members": [
            "view_labourmarketregion",
            "view_municipality",
            "view_membership",
            "view_contract",
            "view_framework",
            "view_premiumcap",
        ],
        "settlements": [
            "view_settlement",
            "view_settlementline",
            "view_settlementrun",
            "view_settlementrunitem",
            "view_settlementstatement",
            "view_settlementpayment",
            "view_settlementtransferfile",
        ],
        "governance": "view",
        "core": ["view_auditevent"],
    },
    # NVSI's secretariat and board: members, contracts, the catalogue and appointments.
    Role.NVSI_BOARD: {
        "members": [
            "view_labourmarketregion",
            "add_municipality",
            "change_municipality",
            "view_municipality",
            "add_membership",
            "change_membership",
            "view_membership",
            "add_contract",
            "change_contract",
            "view_contract",
            "add_framework",
            "change_framework",
            "delete_framework",  # the admin allows it for a version not yet in force only
            "view_framework",
            "add_premiumcap",
            "change_premiumcap",
            "delete_premiumcap",  # idem
            "view_premiumcap",
            "add_instrument",
            "change_instrument",
            "view_instrument",
            "add_instrumentdocument",
            "change_instrumentdocument",
            "delete_instrumentdocument",
            "view_instrumentdocument",
            "change_instrumentrequest",
            "view_instrumentrequest",
        ],
        # Every step of a decision is a portal service (/besluiten/); the admin only reads it.
        "governance": "view",
        "core": ["view_auditevent"],
        "accounts": ["view_user", "add_user", "change_user"],
    },
    Role.REPRESENTATIVE: {},
}

# Who may grant which role (invite or appoint); superusers grant every role. The operator's
# back office invites its own colleagues only: never the people who approve its work or
# decide on the framework.
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    Role.BACK_OFFICE: frozenset({Role.BACK_OFFICE}),
    Role.NVSI_BOARD: frozenset(
        {Role.COORDINATOR, Role.REPRESENTATIVE, Role.TREASURER, Role.NVSI_BOARD}
    ),
}

# A back-office account holds no other role: the operator never approves its own work nor
# casts a municipality's vote.
INCOMPATIBLE_ROLES: frozenset[frozenset[str]] = frozenset(
    frozenset({Role.BACK_OFFICE, other})
    for other in (Role.COORDINATOR, Role.REPRESENTATIVE, Role.TREASURER, Role.NVSI_BOARD)
)

# Roles whose accounts the back office may not change (e-mail, groups, municipalities,
# activation): they approve the operator's work, supervise or decide.
PROTECTED_ROLES = frozenset(
    {Role.COORDINATOR, Role.REPRESENTATIVE, Role.TREASURER, Role.NVSI_BOARD}
)

ROLES_REQUIRING_MFA = frozenset({Role.BACK_OFFICE, Role.TREASURER, Role.NVSI_BOARD})


def roles_sync(sender=None, **kwargs) -> None:
    """Create the role groups and give each exactly the permissions listed above."""
    for role, per_app in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = Permission.objects.none()
        for app_label, codenames in per_app.items():
            perms = Permission.objects.filter(content_type__app_label=app_label)
            if codenames == "view":
                perms = perms.filter(codename__startswith="view_")
            elif codenames != "*":
                perms = perms.filter(codename__in=codenames)
            wanted = wanted | perms
        group.permissions.set(wanted)


def user_roles(user) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & frozenset(Role.values)
        user._role_cache = cached
    return cached


def is_coordinator(user) -> bool:
    return Role.COORDINATOR in user_roles(user)


def is_treasurer(user) -> bool:
    return Role.TREASURER in user_roles(user)


def is_nvsi_board(user) -> bool:
    return Role.NVSI_BOARD in user_roles(user)


def is_representative(user) -> bool:
    return Role.REPRESENTATIVE in user_roles(user)


def is_back_office(user) -> bool:
    return (
        user.is_authenticated
        and user.is_staff
        and (user.is_superuser or Role.BACK_OFFICE in user_roles(user))
    )


def requires_mfa(user) -> bool:
    """Back office, treasurer, NVSI board and superusers handle money or appoint the people
    who do: they must use a second factor."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or bool(user_roles(user) & ROLES_REQUIRING_MFA)


def has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def grantable_roles(user) -> list[Role]:
    """The roles `user` may give someone (invite or appoint), in Role order."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Role)
    allowed = set()
    for role in user_roles(user):
        allowed |= GRANTABLE_ROLES.get(role, frozenset())
    return [role for role in Role if role in allowed]


def roles_conflict(roles) -> frozenset[str] | None:
    """The first incompatible pair within `roles`, or None."""
    roles = frozenset(roles)
    for pair in INCOMPATIBLE_ROLES:
        if pair <= roles:
            return pair
    return None
