"""Where each role starts (home) and the uploaded files only the back office may open."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.static import serve

from accounts.roles import is_back_office, is_coordinator, is_treasurer


@login_required
def home(request):
    """Send each role to where its work starts."""
    user = request.user
    if is_treasurer(user):
        return redirect("members:overview")
    if is_coordinator(user):
        return redirect("members:my_municipalities")
    if is_back_office(user) or user.is_staff:
        return redirect("admin:index")
    return render(request, "core/no_role.html")


@login_required
def media_for_back_office(request, path: str):
    """Uploaded files (signed contracts) for the back office's admin links; 404 for others.

    Coordinators download their own documents through scoped views (members.views).
    """
    if not is_back_office(request.user):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)
