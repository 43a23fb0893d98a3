"""Where each role starts (home) and the uploaded files only the back office may open."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.static import serve

from accounts.forms import EmailChangeForm
from accounts.roles import (
    is_back_office,
    is_coordinator,
    is_nvsi_board,
    is_representative,
    is_treasurer,
)
from accounts.services import email_change_confirm, email_change_request


@login_required
def home(request):
    """Send each role to where its work starts: the back office to the admin, whose index
    lists its to-do items first; every other role to its to-do page (settings.START_PAGE, a
    URL name of the todo app, a higher layer named here and never imported)."""
    user = request.user
    if is_back_office(user):
        return redirect("admin:index")
    if is_treasurer(user) or is_nvsi_board(user) or is_coordinator(user) or is_representative(user):
        return redirect(settings.START_PAGE)
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "core/no_role.html")


@login_required
def media_for_back_office(request, path: str):
    """Uploaded files (signed contracts, catalogue documents) for the admin's links of the back
    office and the NVSI board, who manages the contracts; 404 for others.

    Coordinators download their own documents through scoped views (members.views).
    """
    if not (
        is_back_office(request.user) or (is_nvsi_board(request.user) and request.user.is_staff)
    ):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)


@login_required
@require_http_methods(["GET", "POST"])
def email_change(request):
    """Ask to change your own e-mail address: a confirmation link goes to the new address.
    Replaces allauth's address management (/accounts/email/), which would change it at once."""
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email_change_request(
                user=request.user, new_email=form.cleaned_data["email"], actor=request.user
            )
        except ValidationError as error:
            for message in error.message_dict.get("email", error.messages):
                form.add_error("email", message)
        else:
            messages.success(
                request,
                _(
                    "We sent a confirmation link to %(email)s. Your address changes once you open it."
                )
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("email_change")
    return render(request, "accounts/email_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def email_change_confirm_view(request, token: str):
    """The link from the new address: a page with a button (a mail scanner opening the link
    changes nothing); the button changes the address."""
    error = None
    if request.method == "POST":
        try:
            user = email_change_confirm(token=token, actor=request.user)
        except (ValidationError, PermissionDenied) as refusal:
            error = " ".join(getattr(refusal, "messages", None) or [str(refusal)])
        else:
            messages.success(
                request, _("Your e-mail address is now %(email)s.") % {"email": user.email}
            )
            return redirect("email_change")
    status = 400 if error else 200
    return render(request, "accounts/email_change_confirm.html", {"error": error}, status=status)
