"""Inviting people: the only way an account comes into being (there is no public sign-up)."""

from collections.abc import Iterable

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from core.services import audit_record


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
    """Create an account without a password and send its invitation once the data is saved."""
    municipalities = list(municipalities)
    if role == Role.COORDINATOR and not municipalities:
        raise ValidationError(
            {"municipalities": _("A coordinator needs at least one municipality.")}
        )
    if role != Role.COORDINATOR and municipalities:
        raise ValidationError(
            {"municipalities": _("Only coordinators are linked to municipalities.")}
        )
    if role in (Role.BACK_OFFICE, Role.TREASURER) and not (actor and actor.is_superuser):
        # Four eyes: the operator's staff must not create the treasurer who approves their work.
        raise ValidationError(
            {"role": _("Only an NVSI administrator invites back-office staff and treasurers.")}
        )
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})

    user = User.objects.create_user(
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.BACK_OFFICE,
        invited_by=actor,
    )
    user.groups.add(Group.objects.get(name=role.value))
    for municipality in municipalities:
        municipality.coordinators.add(user)
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
def user_invitation_resend(*, user: User, actor: User | None) -> None:
    if user.has_usable_password():
        raise ValidationError(_("%(email)s has already set a password.") % {"email": user.email})
    audit_record(actor=actor, action="user.invitation_resend", obj=user)
    transaction.on_commit(lambda: user_invitation_send(user=user))
