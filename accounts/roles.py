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


# app label -> permission codenames ("*" = every permission of that app's models).
ROLE_PERMISSIONS: dict[str, dict[str, list[str] | str]] = {
    Role.COORDINATOR: {},
    Role.BACK_OFFICE: {
        "members": "*",
        "placements": "*",
        "billing": "*",
        "premiums": "*",
        "settlements": "*",
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
        "core": ["view_auditevent"],
    },
    Role.NVSI_BOARD: {},
    Role.REPRESENTATIVE: {},
}

ROLES_REQUIRING_MFA = frozenset({Role.BACK_OFFICE, Role.TREASURER, Role.NVSI_BOARD})


def roles_sync(sender=None, **kwargs) -> None:
    """Create the role groups and give each exactly the permissions listed above."""
    for role, per_app in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = Permission.objects.none()
        for app_label, codenames in per_app.items():
            perms = Permission.objects.filter(content_type__app_label=app_label)
            if codenames != "*":
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
