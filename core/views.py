from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

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
