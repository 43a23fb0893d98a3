from django.shortcuts import redirect
from django.urls import reverse

from accounts.roles import has_mfa, requires_mfa


class RequireMfaMiddleware:
    """Money roles reach nothing but MFA enrolment (and sign-out) until they have enrolled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and requires_mfa(user)
            and not self._allowed(request.path)
            and not has_mfa(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        allowed_prefixes = (
            reverse("mfa_index"),
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            reverse("set_language"),
            "/static/",
        )
        return path.startswith(allowed_prefixes)
