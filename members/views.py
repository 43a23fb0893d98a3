from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_back_office, is_treasurer
from core.decorators import role_required
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
            "expiring": [
                {"contract": c, "days": c.days_until_end(today)}
                for c in contract_list_expiring(today=today)
            ],
            "active_count": sum(
                1 for r in rows if r["membership"] and r["membership"].is_active_on(today)
            ),
        },
    )
