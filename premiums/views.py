"""The premium pages of the portal: a year per candidate, the payout runs (approval by a
coordinator of the municipality), the premium letters and the export of a municipality's year.

Scope comes from the selectors only (`premiums.selectors`, `members.selectors`,
`placements.selectors`): out of scope is 404. The treasurer and the back office read every
municipality; only a coordinator of the run's municipality approves, through
`payout_run_approve`, which holds the rules (four eyes, the SEPA file). Every figure is a
database aggregate over the ledger. Every page works without JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_back_office, is_coordinator, is_treasurer
from core.decorators import role_required
from core.exports import Column, export_response
from core.lists import list_response, page_of
from core.names import surname_sort
from placements.models import Candidate
from placements.search import candidate_search
from premiums.forms import (
    PayoutRunApproveForm,
    PayoutRunFilterForm,
    PremiumExportForm,
    PremiumFilterForm,
)
from premiums.models import PAYOUTS_PER_YEAR_MAX, PayoutExclusion, PayoutRun
from premiums.pdf import (
    payout_letter_filename,
    payout_letter_pdf_bytes,
    payout_run_letters_filename,
    payout_run_letters_pdf_bytes,
)
from premiums.selectors import (
    annual_cap_for_year,
    candidate_premium_year,
    payout_letter_line_get_for_user,
    payout_run_get_for_user,
    payout_run_letters_get_for_user,
    payout_run_list_awaiting_first,
    premium_candidate_list_for_user,
    premium_figures_by_candidate,
    premium_year_rows_for_municipality,
    premium_year_totals,
    user_coordinates,
)
from premiums.services import payout_run_approve

PAGE_SIZE = 50
LINES_PAGE_SIZE = 100

readers_required = role_required(is_coordinator, is_treasurer, is_back_office)


# --- The year per candidate -----------------------------------------------------------------


@readers_required
def premium_overview(request):
    """/premies/?year=2026: per candidate with approved hours in the year: hours, accrued,
    above the cap, paid, unpaid and what remains under the cap."""
    today = timezone.localdate()
    form = PremiumFilterForm(request.GET, user=request.user)
    export_form = PremiumExportForm(user=request.user, auto_id="export_%s")
    if form.is_valid():
        year = form.cleaned_data["year"]
        candidates = premium_candidate_list_for_user(user=request.user, year=year)
        if form.cleaned_data["municipality"]:
            candidates = candidates.filter(municipality=form.cleaned_data["municipality"])
            export_form.initial["municipality"] = form.cleaned_data["municipality"].cbs_code
        if form.cleaned_data["q"]:
            candidates = candidate_search(request, candidates, form.cleaned_data["q"])
    else:
        year = today.year
        candidates = Candidate.objects.none()
    export_form.initial["year"] = str(year)
    candidates = candidates.order_by(surname_sort("last_name"), Lower("first_name"), "pk")

    def page_context(page) -> dict:
        figures = premium_figures_by_candidate(
            user=request.user, year=year, candidate_ids=[c.pk for c in page.object_list]
        )
        # The annual cap is national (members.selectors.framework_in_force: the premium cap
        # in force, no local rule): one read for every row, whatever the municipalities.
        cap = annual_cap_for_year(municipality=None, year=year, today=today)
        rows = [
            candidate_premium_year(
                candidate=candidate,
                year=year,
                figures=figures.get(candidate.pk),
                cap=cap,
                today=today,
            )
            for candidate in page.object_list  # one page; the sums come from the database
        ]
        return {
            "export_form": export_form,
            "year": year,
            "is_current_year": year == today.year,
            "cap": cap,
            "rows": rows,
            "totals": premium_year_totals(user=request.user, year=year, candidates=candidates),
            "show_municipality": form.fields["municipality"].queryset[:2].count() > 1,
        }

    return list_response(
        request,
        template="premiums/overview.html",
        objects=candidates,
        page_size=PAGE_SIZE,
        form=form,
        filters=("municipality", "q"),
        extra_context=page_context,
    )


# --- Export -----------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    Column("Klantnummer", lambda r: r["candidate__client_number"], 14),
    Column("Voornaam", lambda r: r["candidate__first_name"], 18),
    Column("Achternaam", lambda r: r["candidate__last_name"], 22),
    Column("Gemeente", lambda r: r["municipality_name"], 20),
    Column("CBS-code", lambda r: r["cbs_code"], 10),
    Column("Jaar", lambda r: r["year"], 8),
    Column("Uren", lambda r: r["hours_total"], 10),
    Column("Premie opgebouwd", lambda r: r["accrued"], 14),
    Column("Boven het jaarmaximum", lambda r: r["capped"], 14),
    Column("Uitbetaald", lambda r: r["paid"], 14),
    Column("Nog niet uitbetaald", lambda r: r["unpaid"], 14),
]


@readers_required
def premium_export(request):
    """/premies/export/?municipality=GM0014&year=2026&format=xlsx: premium per candidate of
    one municipality in one year, for the municipality's benefit administration. A
    municipality outside the user's scope is 404 (the treasurer and back office see all)."""
    form = PremiumExportForm(request.GET, user=request.user)
    if not form.is_valid():
        raise Http404
    municipality = form.cleaned_data["municipality"]
    year = form.cleaned_data["year"]

    def rows():
        for row in premium_year_rows_for_municipality(
            user=request.user, municipality=municipality, year=year
        ).iterator(chunk_size=2000):
            row.update(municipality_name=municipality.name, cbs_code=municipality.cbs_code)
            row["year"] = year
            yield row

    return export_response(
        export_format=form.cleaned_data["format"],
        filename=f"premies-{municipality.cbs_code}-{year}",
        title=f"Premies {municipality.name} {year}"[:31],
        columns=EXPORT_COLUMNS,
        objects=rows(),
    )


# --- Payout runs ------------------------------------------------------------------------------


@readers_required
def payout_run_list(request):
    """/premies/betaalmomenten/: the user's municipalities' runs, awaiting approval first."""
    form = PayoutRunFilterForm(request.GET, user=request.user)
    runs = payout_run_list_awaiting_first(user=request.user).select_related("prepared_by")
    if form.is_valid():
        if form.cleaned_data["status"]:
            runs = runs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["municipality"]:
            runs = runs.filter(municipality=form.cleaned_data["municipality"])
    else:
        runs = runs.none()
    return list_response(
        request,
        template="premiums/run_list.html",
        objects=runs,
        page_size=PAGE_SIZE,
        form=form,
        extra_context=lambda page: {
            "awaiting_count": payout_run_list_awaiting_first(user=request.user)
            .filter(status=PayoutRun.Status.PREPARED)
            .count()
        },
    )


def _run_page(request, run: PayoutRun, *, approve_form=None, status: int = 200):
    user = request.user
    coordinates = user_coordinates(user=user, municipality=run.municipality)
    is_preparer = user.pk == run.prepared_by_id
    lines = run.lines.select_related("candidate").order_by(Lower("candidate_name"), "pk")
    exclusions = list(run.exclusions.order_by(Lower("candidate_name"), "pk"))
    context = {
        "run": run,
        "page": page_of(request, lines, LINES_PAGE_SIZE),
        "exclusions": exclusions,
        "iban_missing": [
            e
            for e in exclusions
            if e.reason in (PayoutExclusion.Reason.NO_IBAN, PayoutExclusion.Reason.INVALID_IBAN)
        ],
        "is_back_office": is_back_office(user),
        "is_prepared": run.status == PayoutRun.Status.PREPARED,
        "coordinates": coordinates,
        "is_preparer": is_preparer,
        "may_approve": (
            coordinates
            and not is_preparer
            and run.status == PayoutRun.Status.PREPARED
            and run.line_count > 0
        ),
        "letters": run.status != PayoutRun.Status.PREPARED
        and (coordinates or is_back_office(user)),
        "approve_form": approve_form or PayoutRunApproveForm(),
        "max_payouts": PAYOUTS_PER_YEAR_MAX,
    }
    return render(request, "premiums/run_detail.html", context, status=status)


@readers_required
def payout_run_detail(request, pk: int):
    run = payout_run_get_for_user(user=request.user, pk=pk)
    return _run_page(request, run)


@role_required(is_coordinator)
@require_POST
def payout_run_approve_view(request, pk: int):
    """Approve a run (the SEPA file is made by the service). Refusals come back on the page."""
    run = payout_run_get_for_user(user=request.user, pk=pk)
    if run.status != PayoutRun.Status.PREPARED:
        messages.info(request, _("This payout run has already been approved."))
        return redirect("premiums:run_detail", pk=run.pk)
    form = PayoutRunApproveForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            payout_run_approve(run=run, actor=request.user)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            status = 403
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _(
                    "The payout run has been approved. The SEPA file for the bank has been "
                    "made; the back office sends it to NVSI's bank."
                ),
            )
            return redirect("premiums:run_detail", pk=run.pk)
    try:
        run.refresh_from_db()
    except PayoutRun.DoesNotExist:  # cancelled by the back office meanwhile
        for message in form.non_field_errors() or [_("This payout run no longer exists.")]:
            messages.error(request, message)
        return redirect("premiums:run_list")
    return _run_page(request, run, approve_form=form, status=status)


# --- Letters ----------------------------------------------------------------------------------


@role_required(is_coordinator, is_back_office)
def payout_letter(request, pk: int):
    """The premium letter of one payout line (PDF), rendered from the line's fixed data."""
    line = payout_letter_line_get_for_user(user=request.user, pk=pk)
    response = HttpResponse(payout_letter_pdf_bytes(line), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{payout_letter_filename(line)}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(is_coordinator, is_back_office)
def payout_run_letters(request, pk: int):
    """Every premium letter of an approved run in one PDF, a letter per page, to print and
    post at once."""
    run = payout_run_letters_get_for_user(user=request.user, pk=pk)
    response = HttpResponse(payout_run_letters_pdf_bytes(run), content_type="application/pdf")
    filename = payout_run_letters_filename(run)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
