from csp.middleware import CSPMiddleware
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation


class DutchByDefaultLocaleMiddleware(LocaleMiddleware):
    """Dutch unless the user chose another language with the switch (the language cookie).

    The browser's Accept-Language is ignored: the portal's users work in Dutch, whatever
    language their browser happens to be set to.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PermissionsPolicyMiddleware:
    """`Permissions-Policy`: the portal uses no camera, microphone, location, payment, USB or
    other powerful browser feature, so every page switches them off for itself and for any
    frame (settings.PERMISSIONS_POLICY)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", None)
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = ", ".join(
                f"{feature}=({' '.join(allow)})" for feature, allow in policy.items()
            )
        return response


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY), with one
    exception for the Django admin: its own templates and Select2 write `style` attributes and
    a `<style>` element, so admin pages allow inline styles (never inline scripts). A nonce in
    style-src would make browsers ignore 'unsafe-inline', so the admin's style-src has none."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(_admin_prefix()):
            parts.update = {**(parts.update or {}), "style-src": ["'unsafe-inline'"]}
        return parts


def _admin_prefix() -> str:
    return reverse("admin:index")
