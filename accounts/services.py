"""Inviting people: the only way an account comes into being (there is no public sign-up)."""

from collections.abc import Iterable

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import PROTECTED_ROLES, Role, grantable_roles, roles_conflict, user_roles
from core.services import audit_record

# Roles linked to municipalities: the municipality's `coordinators` or `representatives`.
MUNICIPALITY_ROLES = {
    Role.COORDINATOR: "coordinators",
    Role.REPRESENTATIVE: "representatives",
}


def user_invitation_link(*, user: User) -> str:
    """A one-time link to set a first password (allauth's password-reset-from-key view)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


def user_invitation_send(*, user: User) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "link": user_invitation_link(user=user)}
        send_mail(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("Invitation to the NVSI portal"),
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )


def _grant_check(*, role: Role, municipalities: list, actor: User | None) -> None:
    """Refuse a role the actor may not grant, or a municipality link that does not fit it.
    `actor=None` is the system (management commands, migrations)."""
    if actor is not None and role not in grantable_roles(actor):
        message = _(
            "You may not appoint someone in the role %(role)s: only the NVSI board appoints "
            "coordinators, representatives, treasurers and board members; the back office "
            "invites back-office colleagues only."
        ) % {"role": role.label}
        raise ValidationError({"role": ValidationError(message, code="not_grantable")})
    if role in MUNICIPALITY_ROLES and not municipalities:
        raise ValidationError(
            {
                "municipalities": _("The role %(role)s needs at least one municipality.")
                % {"role": role.label}
            }
        )
    if role not in MUNICIPALITY_ROLES and municipalities:
        raise ValidationError(
            {
                "municipalities": _(
                    "Only coordinators and representatives are linked to municipalities."
                )
            }
        )


def _conflict_check(*, roles) -> None:
    pair = roles_conflict(roles)
    if pair:
        other = Role(next(iter(pair - {Role.BACK_OFFICE.value})))
        message = _(
            "A back-office account cannot also hold the role %(role)s: the operator's staff "
            "never approve their own work or cast a municipality's vote."
        ) % {"role": other.label}
        raise ValidationError({"role": ValidationError(message, code="incompatible_roles")})


def _link_municipalities(*, user: User, role: Role, municipalities: list) -> None:
    relation = MUNICIPALITY_ROLES.get(role)
    for municipality in municipalities:
        getattr(municipality, relation).add(user)


@transaction.atomic
def user_invite(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: Role,
    municipalities: Iterable = (),
    actor: User | None,
) -> User:
    """Create an account without a password and send its invitation once the data is saved.

    Who may invite whom is accounts.roles.GRANTABLE_ROLES: the back office its own
    colleagues, the NVSI board coordinators, representatives, treasurers and board members,
    superusers anyone."""
    role = Role(role)
    municipalities = list(municipalities)
    _grant_check(role=role, municipalities=municipalities, actor=actor)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})

    user = User.objects.create_user(
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=role in (Role.BACK_OFFICE, Role.NVSI_BOARD),
        invited_by=actor,
    )
    user.groups.add(Group.objects.get(name=role.value))
    _link_municipalities(user=user, role=role, municipalities=municipalities)
    audit_record(
        actor=actor,
        action="user.invite",
        obj=user,
        summary=_("Invited as %(role)s") % {"role": role.label},
        after={
            "email": user.email,
            "role": role.value,
            "municipalities": ", ".join(m.cbs_code for m in municipalities),
        },
    )
    transaction.on_commit(lambda: user_invitation_send(user=user))
    return user


@transaction.atomic
def user_role_grant(
    *, user: User, role: Role, municipalities: Iterable = (), actor: User | None
) -> User:
    """Give an existing account another role (e.g. flag a coordinator as its municipality's
    representative), or link it to more municipalities in a role it has; audited.

    An account the back office once invited (before the board appointed) and that NVSI now
    appoints in an approving or deciding role counts from then on as appointed by NVSI: its
    inviter becomes the appointing board member (the audit trail keeps the old one), so
    approver_independence_check accepts it."""
    role = Role(role)
    municipalities = list(municipalities)
    user = User.objects.select_for_update().get(pk=user.pk)
    _grant_check(role=role, municipalities=municipalities, actor=actor)
    before = user_roles(user)
    _conflict_check(roles=before | {role})
    if actor is not None and not actor.is_superuser and user.is_superuser:
        raise ValidationError(_("Only a superuser changes a superuser's roles."))
    user.groups.add(Group.objects.get(name=role.value))
    _link_municipalities(user=user, role=role, municipalities=municipalities)
    if role in (Role.BACK_OFFICE, Role.NVSI_BOARD) and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user._role_cache = None
    inviter_before = user.invited_by
    if (
        actor is not None
        and role in PROTECTED_ROLES
        and any(Role.BACK_OFFICE in user_roles(i) for i in user_inviters(user=user))
    ):
        user.invited_by = actor
        user.save(update_fields=["invited_by"])
    audit_record(
        actor=actor,
        action="user.role_grant",
        obj=user,
        summary=_("Appointed as %(role)s") % {"role": role.label},
        before={
            "roles": ", ".join(sorted(before)),
            "invited_by": inviter_before.email if inviter_before else "",
        },
        after={
            "roles": ", ".join(sorted(before | {role.value})),
            "municipalities": ", ".join(m.cbs_code for m in municipalities),
            "invited_by": user.invited_by.email if user.invited_by else "",
        },
    )
    return user


def user_may_be_changed_by(*, user: User, actor: User) -> bool:
    """The back office changes no account of the people who approve its work, supervise or
    decide (nor superusers); only superusers change superusers."""
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    roles = user_roles(actor)
    if Role.NVSI_BOARD in roles:
        return Role.BACK_OFFICE not in user_roles(user) or user == actor
    if Role.BACK_OFFICE in roles:
        return not (user_roles(user) & PROTECTED_ROLES)
    return False


@transaction.atomic
def user_invitation_resend(*, user: User, actor: User | None) -> None:
    if user.has_usable_password():
        raise ValidationError(_("%(email)s has already set a password.") % {"email": user.email})
    audit_record(actor=actor, action="user.invitation_resend", obj=user)
    transaction.on_commit(lambda: user_invitation_send(user=user))


def user_inviters(*, user: User, limit: int = 50) -> list[User]:
    """Who invited `user`, who invited that person, and so on up the chain (cycle-safe)."""
    chain: list[User] = []
    seen = {user.pk}
    current = user
    while current.invited_by_id and current.invited_by_id not in seen and len(chain) < limit:
        current = User.objects.get(pk=current.invited_by_id)
        seen.add(current.pk)
        chain.append(current)
    return chain


def approver_independence_check(*, approver: User, preparer: User | None) -> None:
    """Four eyes, in depth: refuse an approver whose account was invited (directly or up the
    chain) by the person who prepared the work, or by anyone of the operator's back office —
    an alias of the preparer would otherwise approve their own work."""
    for inviter in user_inviters(user=approver):
        if preparer is not None and inviter.pk == preparer.pk:
            raise PermissionDenied(
                _(
                    "Your account was invited by %(name)s, who prepared this: someone "
                    "independent must approve it."
                )
                % {"name": inviter}
            )
        if Role.BACK_OFFICE in user_roles(inviter):
            raise PermissionDenied(
                _(
                    "Your account was invited by the operator's back office (%(name)s): it "
                    "cannot approve the operator's work. Ask NVSI to appoint you."
                )
                % {"name": inviter}
            )


# --- E-mail address changes ---------------------------------------------------------------------

EMAIL_CHANGE_SALT = "accounts.email_change"
EMAIL_CHANGE_MAX_AGE = 2 * 24 * 3600  # seconds a confirmation link stays valid


def email_change_link(*, user: User, new_email: str) -> str:
    """A signed link naming the account, its current and its new address; it expires, and it
    stops working once the address has changed (the current address no longer matches)."""
    token = signing.dumps(
        {"user": user.pk, "old": user.email, "new": new_email}, salt=EMAIL_CHANGE_SALT
    )
    return settings.SITE_URL.rstrip("/") + reverse("email_change_confirm", args=[token])


def _email_change_send(*, user: User, new_email: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "new_email": new_email,
            "link": email_change_link(user=user, new_email=new_email),
        }
        send_mail(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("Confirm your new e-mail address"),
            message=render_to_string("accounts/email/email_change.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[new_email],
        )


def _email_taken(email: str, *, user: User) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()


@transaction.atomic
def email_change_request(*, user: User, new_email: str, actor: User) -> None:
    """The account holder asks to change their own address; nothing changes until the new
    address confirms (email_change_confirm). Nobody requests it for someone else."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Only the account holder changes their e-mail address."))
    new_email = User.objects.normalize_email(new_email).lower()
    if new_email == user.email:
        raise ValidationError({"email": _("This is already your e-mail address.")})
    if _email_taken(new_email, user=user):
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})
    audit_record(
        actor=actor,
        action="user.email_change_request",
        obj=user,
        summary=_("Confirmation sent to %(email)s") % {"email": new_email},
    )
    transaction.on_commit(lambda: _email_change_send(user=user, new_email=new_email))


@transaction.atomic
def email_change_confirm(*, token: str, actor: User) -> User:
    """The link from the new address, opened by the account holder: the address changes,
    audited with the old and the new value, and the old address is told."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ValidationError(
            _("This link has expired. Ask for a new one."), code="expired"
        ) from error
    except signing.BadSignature as error:
        raise ValidationError(_("This link is not valid."), code="invalid") from error
    if actor.pk != data.get("user"):
        raise PermissionDenied(_("This link is for another account."))
    user = User.objects.select_for_update().get(pk=data["user"])
    if user.email != data["old"]:
        raise ValidationError(_("This link has already been used."), code="used")
    if _email_taken(data["new"], user=user):
        raise ValidationError(_("An account with this e-mail address already exists."))
    old_email = user.email
    user.email = data["new"]
    user.save(update_fields=["email"])
    # allauth's own address book must not keep the old address as a way to sign in or reset.
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action="user.email_change",
        obj=user,
        before={"email": old_email},
        after={"email": user.email},
    )
    transaction.on_commit(lambda: _email_changed_notice(user=user, old_email=old_email))
    return user


def _email_changed_notice(*, user: User, old_email: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("Your e-mail address was changed"),
            message=render_to_string(
                "accounts/email/email_changed.txt", {"user": user, "old_email": old_email}
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[old_email],
        )
