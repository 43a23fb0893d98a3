from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.roles import is_treasurer
from notifications.forms import NotificationPreferenceForm
from notifications.models import Notification
from notifications.selectors import (
    notification_kinds_for_user,
    notification_list_for_user,
    notification_preference_for_user,
)
from notifications.services import notification_preference_set


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """Every signed-in user chooses how notifications reach them; a plain form."""
    current = notification_preference_for_user(user=request.user)
    form = NotificationPreferenceForm(request.POST or None, initial={"delivery": current})
    if request.method == "POST" and form.is_valid():
        notification_preference_set(user=request.user, delivery=form.cleaned_data["delivery"])
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    kinds = notification_kinds_for_user(user=request.user)
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "kinds": [Notification.Kind(kind).label for kind in kinds],
            "four_eyes": is_treasurer(request.user),
            "notifications": notification_list_for_user(user=request.user),
        },
    )
