import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """No public sign-up: accounts are invited from the back office."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """No second password prompt for the first MFA enrolment right after signing in.

        Money roles are sent to enrolment straight after their sign-in; asking for the
        password they typed seconds ago adds nothing. Changing an existing second factor
        still needs a fresh reauthentication.
        """
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = context.request
        if not required or app != "allauth.mfa" or request is None:
            return required
        from accounts.roles import has_mfa

        user = request.user
        if not user.is_authenticated or has_mfa(user):
            return required
        records = get_authentication_records(request, user)
        signed_in_at = records[-1]["at"] if records else 0
        return time.time() - signed_in_at >= account_settings.REAUTHENTICATION_TIMEOUT
