from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.roles import is_back_office, is_treasurer
from core.decorators import role_required
from members.models import Framework
from members.selectors import (
    LOCAL_FIELDS,
    FrameworkNotInForce,
    contract_list_expiring,
    contract_list_for_municipality,
    framework_in_force,
    membership_current,
    municipality_get_for_user,
    municipality_list_for_user,
)

FRAMEWORK_ROWS = [
    "client_hourly_rate_min",
    "premium_per_hour",
    "payout_moments",
    "annual_premium_cap",
    "operator_fee_percentage",
    "contribution_percentage",
    "contribution_operator_percentage",
    "contribution_municipality_percentage",
    "vat_percentage",
    "long_after_weeks",
    "large_hours_per_week",
    "large_concurrent_candidates",
]


@login_required
def my_municipalities(request):
    """'Mijn gemeente': straight to the page when the user has one municipality."""
    municipalities = list(municipality_list_for_user(user=request.user))
    if len(municipalities) == 1:
        return redirect("members:municipality_detail", cbs_code=municipalities[0].cbs_code)
    return render(request, "members/my_municipalities.html", {"municipalities": municipalities})


def _framework_rows(terms):
    """(label, general value, local value or None, value in force, kind) for the comparison table."""
    rows = []
    for field in FRAMEWORK_ROWS:
        model_field = next((f for f in Framework._meta.fields if f.name == field), None)
        if field == "annual_premium_cap":
            general_value = terms.annual_premium_cap
        elif field == "contribution_municipality_percentage":
            general_value = terms.general.contribution_municipality_percentage
        else:
            general_value = getattr(terms.general, field)
        local_value = getattr(terms.local, field, None) if field in LOCAL_FIELDS else None
        rows.append(
            {
                "field": field,
                "label": model_field.verbose_name if model_field else None,
                "general": general_value,
                "local": local_value,
                "in_force": getattr(terms, field),
                "source": terms.source_of(field),
            }
        )
    return rows


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
            {"contract": c, "expires_soon": c.expires_soon(today), "days": c.days_until_end(today)}
            for c in contracts
        ],
        "terms": terms,
        "framework_rows": _framework_rows(terms) if terms else [],
        "framework_error": framework_error,
    }
    return render(request, "members/municipality_detail.html", context)


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


@role_required(is_treasurer, is_back_office)
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
            "expiring": contract_list_expiring(today=today),
            "active_count": sum(
                1 for r in rows if r["membership"] and r["membership"].is_active_on(today)
            ),
        },
    )
