from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """The back office. Its sign-in is allauth's, so rate limits and MFA apply here too."""

    site_header = _("NVSI portal - back office")
    site_title = _("NVSI back office")
    index_title = _("Back office")

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index")
        if request.user.is_authenticated:
            return redirect(next_url if request.user.is_staff else "home")
        return redirect_to_login(next_url, login_url=reverse("account_login"))

    def password_change(self, request, extra_context=None):
        """One place to change a password: allauth's, with its rules and notifications."""
        return redirect("account_change_password")
