from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.roles import (
    is_back_office,
    is_coordinator,
    is_nvsi_board,
    is_representative,
    is_treasurer,
)
from core.decorators import role_required
from members.forms import LocalFrameworkForm
from members.selectors import (
    LOCAL_FIELDS,
    FrameworkNotInForce,
    contract_list_ending,
    contract_list_expiring,
    contract_list_for_municipality,
    contract_renewal_status,
    framework_in_force,
    general_framework_in_force,
    local_framework_get_for_user,
    local_framework_list,
    membership_current,
    municipality_get_for_user,
    municipality_list_acting_for,
    municipality_list_for_user,
    user_acts_for,
)
from members.services import local_framework_record, local_framework_withdraw

# The rows of the "framework in force" table, in order, with their labels.
FRAMEWORK_ROWS = [
    ("client_hourly_rate_min", _("Minimum client hourly rate")),
    ("premium_per_hour", _("Premium per worked hour")),
    ("payout_moments", _("Payout moments (day-month)")),
    ("annual_premium_cap", _("Annual premium cap")),
    ("operator_fee_percentage", _("Operator fee (%)")),
    ("contribution_percentage", _("NVSI contribution (%)")),
    ("contribution_operator_percentage", _("Contribution borne by the operator (%)")),
    ("contribution_municipality_percentage", _("Contribution borne by the municipality (%)")),
    ("vat_percentage", _("VAT on client invoices (%)")),
    ("long_after_weeks", _("Long: longer than (weeks)")),
    ("large_hours_per_week", _("Large: more than (hours a week)")),
    ("large_concurrent_candidates", _("Large: concurrent candidates at one client (at least)")),
]


@login_required
def my_municipalities(request):
    """'Mijn gemeente': straight to the page when the user has one municipality."""
    municipalities = list(municipality_list_for_user(user=request.user))
    if len(municipalities) == 1:
        return redirect("members:municipality_detail", cbs_code=municipalities[0].cbs_code)
    return render(request, "members/my_municipalities.html", {"municipalities": municipalities})


def _framework_rows(terms):
    """One row per term: general value, local value (where a municipality may set it), in force."""
    general_values = {
        "annual_premium_cap": terms.annual_premium_cap,
        "contribution_municipality_percentage": terms.general.contribution_municipality_percentage,
    }
    return [
        {
            "field": field,
            "label": label,
            "general": general_values.get(field, getattr(terms.general, field, None)),
            "local_allowed": field in LOCAL_FIELDS,
            "local": getattr(terms.local, field, None) if field in LOCAL_FIELDS else None,
            "in_force": getattr(terms, field),
            "source": "statute" if field == "annual_premium_cap" else terms.source_of(field),
        }
        for field, label in FRAMEWORK_ROWS
    ]


@login_required
def municipality_detail(request, cbs_code: str):
    municipality = municipality_get_for_user(user=request.user, cbs_code=cbs_code)
    today = timezone.localdate()
    try:
        terms = framework_in_force(municipality=municipality, on=today)
    except FrameworkNotInForce as error:
        terms, framework_error = None, str(error)
    else:
        framework_error = None
    contracts = list(contract_list_for_municipality(municipality=municipality))
    context = {
        "municipality": municipality,
        "today": today,
        "membership": membership_current(municipality=municipality, on=today),
        "contracts": [
            {
                "contract": c,
                "expires_soon": c.expires_soon(today),
                "days": c.days_until_end(today),
                "renewal_status": contract_renewal_status(c),
            }
            for c in contracts
        ],
        "terms": terms,
        "framework_rows": _framework_rows(terms) if terms else [],
        "framework_error": framework_error,
        "local_versions": _local_versions(municipality=municipality, today=today),
        "acts_for": user_acts_for(user=request.user, municipality=municipality),
    }
    return render(request, "members/municipality_detail.html", context)


def _local_versions(*, municipality, today):
    """Each local version with its state: upcoming, in force (the latest started) or past."""
    rows, current_found = [], False
    for version in local_framework_list(municipality=municipality):
        if version.valid_from > today:
            state = "upcoming"
        elif not current_found:
            state, current_found = "current", True
        else:
            state = "past"
        rows.append({"version": version, "state": state})
    return rows


def _municipality_acting_for(request, cbs_code: str):
    """A municipality the user records for (coordinator or representative of it); 404 else."""
    return get_object_or_404(municipality_list_acting_for(user=request.user), cbs_code=cbs_code)


@role_required(is_coordinator, is_representative)
def local_framework_new(request, cbs_code: str):
    """The municipality records a new local version, with its college decision."""
    municipality = _municipality_acting_for(request, cbs_code)
    today = timezone.localdate()
    form = LocalFrameworkForm(request.POST or None, municipality=municipality, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            version = local_framework_record(framework=form.instance, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                gettext("The local framework from %(date)s has been recorded.")
                % {"date": version.valid_from.strftime("%d-%m-%Y")},
            )
            return redirect("members:municipality_detail", cbs_code=municipality.cbs_code)
    return render(
        request,
        "members/local_framework_form.html",
        {
            "municipality": municipality,
            "form": form,
            "general": general_framework_in_force(on=today),
            "today": today,
        },
    )


@require_POST
@role_required(is_coordinator, is_representative)
def local_framework_withdraw_view(request, cbs_code: str, pk: int):
    """Withdraw a local version that is not yet in force."""
    version = local_framework_get_for_user(user=request.user, cbs_code=cbs_code, pk=pk)
    try:
        local_framework_withdraw(framework=version, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    else:
        messages.success(
            request,
            gettext("The local framework from %(date)s has been withdrawn.")
            % {"date": version.valid_from.strftime("%d-%m-%Y")},
        )
    return redirect("members:municipality_detail", cbs_code=cbs_code)


@role_required(is_nvsi_board, is_treasurer)
def contracts_ending(request):
    """Contracts ending in the coming months (setting, or ?months=) and their renewal."""
    today = timezone.localdate()
    try:
        months = int(request.GET.get("months", ""))
    except ValueError:
        months = settings.CONTRACT_ENDING_MONTHS
    months = max(1, min(months, 60))
    return render(
        request,
        "members/contracts_ending.html",
        {
            "today": today,
            "months": months,
            "rows": contract_list_ending(today=today, months=months),
            "month_choices": sorted({3, 6, 12, 24, settings.CONTRACT_ENDING_MONTHS}),
        },
    )


@login_required
def contract_document(request, cbs_code: str, contract_id: int):
    """The signed contract, only to users who may see the municipality."""
    municipality = municipality_get_for_user(user=request.user, cbs_code=cbs_code)
    contract = get_object_or_404(
        contract_list_for_municipality(municipality=municipality), pk=contract_id
    )
    if not contract.signed_document:
        raise Http404
    return FileResponse(
        contract.signed_document.open("rb"),
        as_attachment=True,
        filename=f"{contract.reference}.pdf",
        content_type="application/pdf",
    )


@role_required(is_treasurer, is_nvsi_board, is_back_office)
def members_overview(request):
    """NVSI-wide: every member municipality, its membership and contracts about to end."""
    today = timezone.localdate()
    municipalities = municipality_list_for_user(user=request.user).prefetch_related("memberships")
    rows = [
        {"municipality": m, "membership": membership_current(municipality=m, on=today)}
        for m in municipalities
    ]
    return render(
        request,
        "members/overview.html",
        {
            "rows": rows,
            "today": today,
            "expiring": [
                {"contract": c, "days": c.days_until_end(today)}
                for c in contract_list_expiring(today=today)
            ],
            "active_count": sum(
                1 for r in rows if r["membership"] and r["membership"].is_active_on(today)
            ),
        },
    )
