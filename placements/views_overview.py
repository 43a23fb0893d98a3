"""The large-or-long overview ("signalering") for NVSI's treasurer and the back office.

A flagged assignment is the instrument's alarm on work of great size or length; this page
lists every one of them, NVSI-wide, with the thresholds it crosses and its extra sign-off.
"""

from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_back_office, is_treasurer
from core.decorators import role_required
from core.lists import list_response
from members.forms import MunicipalityFilterField
from members.selectors import municipality_list_for_user
from placements.models import Assignment
from placements.selectors import assignment_list_flagged, assignment_thresholds

PAGE_SIZE = 50
# A request without its extra sign-off (a decided assignment always has one, or was rejected).
AWAITING = Q(status=Assignment.Status.REQUESTED, sign_off_at__isnull=True)


class FlaggedFilterForm(forms.Form):
    municipality = MunicipalityFilterField(empty_label=_("All municipalities"))
    status = forms.ChoiceField(label=_("Status"), required=False)
    sign_off = forms.ChoiceField(
        label=_("Sign-off"),
        required=False,
        choices=[
            ("", _("Signed off or not")),
            ("awaiting", _("Awaiting sign-off")),
            ("given", _("Signed off")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipality_list_for_user(user=user).order_by(
            "name"
        )
        self.fields["status"].choices = [("", _("Every status")), *Assignment.Status.choices]


@role_required(is_treasurer, is_back_office)
def flagged_overview(request):
    """Every large-or-long assignment: awaiting sign-off first, then the newest."""
    form = FlaggedFilterForm(request.GET or None, user=request.user)
    assignments = assignment_list_flagged(user=request.user).select_related(
        "sign_off_by", "decided_by"
    )
    all_count = assignments.count()
    if form.is_valid():
        if form.cleaned_data["municipality"]:
            assignments = assignments.filter(
                candidate__municipality=form.cleaned_data["municipality"]
            )
        if form.cleaned_data["status"]:
            assignments = assignments.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["sign_off"] == "awaiting":
            assignments = assignments.filter(AWAITING)
        elif form.cleaned_data["sign_off"] == "given":
            assignments = assignments.filter(sign_off_at__isnull=False)
    awaiting_order = Case(
        When(AWAITING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list_response(
        request,
        template="placements/flagged.html",
        objects=assignments.order_by(
            awaiting_order, "-start_date", "candidate__municipality__name", "pk"
        ),
        page_size=PAGE_SIZE,
        form=form,
        extra_context=lambda page: {
            "all_count": all_count,
            "awaiting_count": assignment_list_flagged(user=request.user).filter(AWAITING).count(),
            "thresholds": _with_thresholds(page),
        },
    )


def _with_thresholds(page) -> bool:
    """Give each assignment of the page its crossed thresholds with figures and limits."""
    terms_cache: dict = {}
    for assignment in page.object_list:
        assignment.thresholds = assignment_thresholds(
            assignment=assignment, terms_cache=terms_cache
        )
    return True
