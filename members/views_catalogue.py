"""NVSI's product catalogue ("productenboek"): the instruments, their documents and the
members' requests to use one. Every member user reads it; a coordinator or representative
asks for their municipality; the NVSI board decides."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from accounts.roles import is_coordinator, is_nvsi_board, is_representative
from core.decorators import role_required
from members.forms import InstrumentDecisionForm, InstrumentRequestForm
from members.selectors import municipality_list_acting_for
from members.selectors_catalogue import (
    CATALOGUE_ROLES,
    instrument_document_get_for_user,
    instrument_get_for_user,
    instrument_list_for_user,
    instrument_request_get_for_user,
    instrument_request_list_for_user,
)
from members.services_catalogue import instrument_request_decide, instrument_request_submit


def _add_errors(form, error) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, getattr(error, "messages", [str(error)]))


@role_required(*CATALOGUE_ROLES)
def catalogue(request):
    return render(
        request,
        "members/catalogue.html",
        {
            "instruments": instrument_list_for_user(user=request.user),
            "can_request": municipality_list_acting_for(user=request.user).exists(),
        },
    )


@role_required(*CATALOGUE_ROLES)
def instrument_detail(request, pk: int):
    instrument = instrument_get_for_user(user=request.user, pk=pk)
    acting_for = municipality_list_acting_for(user=request.user)
    form = None
    if acting_for.exists() and instrument.is_available:
        form = InstrumentRequestForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                instrument_request_submit(
                    instrument=instrument,
                    municipality=form.cleaned_data["municipality"],
                    actor=request.user,
                    motivation=form.cleaned_data["motivation"],
                )
            except (ValidationError, PermissionDenied) as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    gettext("Your request has been sent to the NVSI board."),
                )
                return redirect("members:instrument_requests")
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "members/instrument_detail.html",
        {
            "instrument": instrument,
            "form": form,
            "requests": instrument_request_list_for_user(user=request.user).filter(
                instrument=instrument
            ),
        },
    )


@role_required(*CATALOGUE_ROLES)
def instrument_document(request, pk: int, document_id: int):
    """A catalogue document, only to member users."""
    document = instrument_document_get_for_user(user=request.user, instrument_id=pk, pk=document_id)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.title}.pdf",
        content_type="application/pdf",
    )


@role_required(is_nvsi_board, is_coordinator, is_representative)
def instrument_requests(request):
    """The board: every request, open ones first. The others: their municipalities'."""
    requests = list(instrument_request_list_for_user(user=request.user))
    return render(
        request,
        "members/instrument_requests.html",
        {
            "open": [r for r in requests if r.status == r.Status.PENDING],
            "decided": [r for r in requests if r.status != r.Status.PENDING],
        },
    )


@role_required(is_nvsi_board, is_coordinator, is_representative)
def instrument_request_detail(request, pk: int):
    """A request and its status; the board decides an open one here."""
    instrument_request = instrument_request_get_for_user(user=request.user, pk=pk)
    form = None
    if is_nvsi_board(request.user) and instrument_request.status == "pending":
        form = InstrumentDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                instrument_request_decide(
                    request=instrument_request,
                    actor=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied) as error:
                _add_errors(form, error)
            else:
                messages.success(request, gettext("The request has been decided."))
                return redirect("members:instrument_request_detail", pk=pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "members/instrument_request_detail.html",
        {"instrument_request": instrument_request, "form": form},
    )
