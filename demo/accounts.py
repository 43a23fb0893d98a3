"""Demo users, one per role (and a second coordinator to show scoping), NVSI's board and one
representative (wethouder) per demo municipality."""

import base64
import functools
import hashlib

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils.text import slugify

from accounts.models import User
from accounts.roles import ROLES_REQUIRING_MFA, Role, roles_sync

DEMO_PASSWORD = "Flextensie-demo-2026"  # noqa: S105 - printed on purpose: demo accounts only

DEMO_BACK_OFFICE_EMAIL = "backoffice@demo.nvsi.nl"
DEMO_USERS = [
    # email, first name, last name, role, municipalities (CBS codes)
    ("coordinator@demo.nvsi.nl", "Carla", "de Coördinator", Role.COORDINATOR, ["GM0014", "GM1952"]),
    ("coordinator.drenthe@demo.nvsi.nl", "Dirk", "Drenth", Role.COORDINATOR, ["GM0106", "GM0114"]),
    (DEMO_BACK_OFFICE_EMAIL, "Bram", "Backoffice", Role.BACK_OFFICE, []),
    ("treasurer@demo.nvsi.nl", "Petra", "Penningmeester", Role.TREASURER, []),
    ("bestuur@demo.nvsi.nl", "Bea", "Bestuurder", Role.NVSI_BOARD, []),
    ("secretaris@demo.nvsi.nl", "Sander", "Secretaris", Role.NVSI_BOARD, []),
]
STAFF_ROLES = (Role.BACK_OFFICE, Role.NVSI_BOARD)  # they use the admin


@functools.cache
def _demo_password_hash(hashers: tuple[str, ...]) -> str:
    """The demo password hashed once per hasher setting (a hash takes a quarter of a second
    by design, 21 of them five seconds of the seed); each account is still checked by the
    normal password hasher."""
    return make_password(DEMO_PASSWORD)


def demo_user_create(*, email: str, **fields) -> User:
    user = User.objects.create_user(email=email, password=None, **fields)
    user.password = _demo_password_hash(tuple(settings.PASSWORD_HASHERS))
    user.save(update_fields=["password"])
    return user


def representative_email(municipality) -> str:
    return f"wethouder.{slugify(municipality.name)}@demo.nvsi.nl"


def demo_totp_secret(email: str) -> str:
    """A fixed TOTP secret per demo account, so `manage.py demo_totp` can show the code."""
    digest = hashlib.sha256(f"nvsi-demo-totp:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def seed_users(*, municipalities: dict) -> list[tuple[str, str]]:
    roles_sync()
    created = []
    for email, first, last, role, codes in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = demo_user_create(email=email)
        user.first_name, user.last_name = first, last
        user.is_staff = role in STAFF_ROLES
        user.save(update_fields=["first_name", "last_name", "is_staff"])
        user.groups.set([Group.objects.get(name=role.value)])
        for code in codes:
            municipalities[code].coordinators.add(user)
        if role in ROLES_REQUIRING_MFA:
            _demo_totp(user)
        created.append((role.label, email))
    created += _seed_representatives(municipalities=municipalities)
    return created


def _demo_totp(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, demo_totp_secret(user.email))
        RecoveryCodes.activate(user)


def _seed_representatives(*, municipalities: dict) -> list[tuple[str, str]]:
    """One representative (the alderman, wethouder) per demo municipality; no MFA, as the
    coordinators."""
    group = Group.objects.get(name=Role.REPRESENTATIVE.value)
    created = []
    for code, municipality in sorted(municipalities.items()):
        email = representative_email(municipality)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = demo_user_create(
                email=email,
                first_name="Wethouder",
                last_name=municipality.name,
            )
        user.groups.set([group])
        municipality.representatives.add(user)
        created.append((f"{Role.REPRESENTATIVE.label}", f"{email} ({code})"))
    return created
