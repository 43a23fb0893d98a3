"""The decision register and the steps of a proposal, as plain pages (no JavaScript).

Every member user reads the register; the board drafts, asks advice, opens, closes and
withdraws; the operator's back office writes its advice; a representative votes for the
municipalities they represent. Every write is a service (governance.services)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_back_office, is_coordinator, is_representative
from core.decorators import role_required
from core.pdf import issuer, render_pdf
from governance.forms import (
    AdviceForm,
    MemberRequestForm,
    OpenVoteForm,
    ProposalForm,
    ReasonForm,
    VoteForm,
    add_service_errors,
)
from governance.models import Advice, Ballot, MemberRequest, Proposal
from governance.rules import VoteRule, outcome
from governance.selectors import (
    can_read_register,
    elector_votes,
    fee_overridden_by_contract,
    general_framework_history,
    is_board,
    member_request_get_for_user,
    member_request_list_for_user,
    proposal_changes,
    proposal_get_for_user,
    proposal_list_for_user,
    upcoming_changes,
    votable_municipalities,
    votable_municipality_get,
)
from governance.services import (
    advice_save,
    ballot_cast,
    member_request_decline,
    member_request_submit,
    proposal_close,
    proposal_create,
    proposal_request_advice,
    proposal_vote_open,
    proposal_withdraw,
    tally_for,
)
from members.selectors import municipality_list_acting_for

register_required = role_required(can_read_register)
board_required = role_required(is_board)


@register_required
def register(request):
    """Every proposal with its status and outcome, and the changes coming."""
    today = timezone.localdate()
    return render(
        request,
        "governance/register.html",
        {
            "proposals": proposal_list_for_user(user=request.user),
            "upcoming": upcoming_changes(today=today),
            "is_board": is_board(request.user),
            "can_request": municipality_list_acting_for(user=request.user).exists(),
        },
    )


@register_required
def framework_history(request):
    return render(
        request,
        "governance/framework_history.html",
        {"history": general_framework_history(), "today": timezone.localdate()},
    )


def _proposal_context(request, proposal: Proposal) -> dict:
    user = request.user
    today = timezone.localdate()
    rule = VoteRule.for_proposal(proposal)
    tally = tally_for(proposal=proposal) if proposal.vote_opened_on else None  # once opened
    advice = Advice.objects.filter(proposal=proposal).select_related("author").first()
    board = is_board(user)
    votable = []
    if proposal.is_open_for_vote and today <= proposal.vote_ends_on:
        ballots = {b.municipality_id: b for b in proposal.ballots.all()}
        votable = [
            (municipality, ballots.get(municipality.pk))
            for municipality in votable_municipalities(user=user, proposal=proposal)
        ]
    return {
        "proposal": proposal,
        "changes": proposal_changes(proposal=proposal),
        "fee_contract": fee_overridden_by_contract(proposal=proposal),
        "advice": advice,
        "rule": rule,
        "tally": tally,
        "provisional": outcome(tally=tally, rule=rule) if tally else None,
        "electors": elector_votes(proposal=proposal),
        "decision": getattr(proposal, "decision", None) if proposal.is_decided else None,
        "votable": votable,
        "is_board": board,
        "can_advise": is_back_office(user) and proposal.status == Proposal.Status.ADVICE_REQUESTED,
        "can_request_advice": board and proposal.status == Proposal.Status.DRAFT,
        "can_open": board
        and proposal.status == Proposal.Status.ADVICE_REQUESTED
        and advice is not None,
        "can_close": board and proposal.is_open_for_vote and today > proposal.vote_ends_on,
        "can_withdraw": board
        and proposal.status
        in (Proposal.Status.DRAFT, Proposal.Status.ADVICE_REQUESTED, Proposal.Status.VOTING),
        "open_form": OpenVoteForm(),
        "today": today,
    }


@register_required
def proposal_detail(request, pk: int):
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    return render(request, "governance/proposal_detail.html", _proposal_context(request, proposal))


@board_required
def proposal_new(request):
    """The board drafts a proposal; `?verzoek=<id>` takes up a member's request."""
    member_request = None
    if request_id := request.GET.get("verzoek"):
        member_request = get_object_or_404(
            MemberRequest, pk=request_id, status=MemberRequest.Status.PENDING
        )
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_create(
                proposal=form.instance, actor=request.user, member_request=member_request
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The proposal has been drafted."))
            return redirect("governance:proposal_detail", pk=proposal.pk)
    return render(
        request,
        "governance/proposal_form.html",
        {"form": form, "member_request": member_request},
    )


def _step(request, pk: int, action, done: str):
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    try:
        action(proposal)
    except (ValidationError, PermissionDenied) as error:
        for message in getattr(error, "messages", None) or [str(error)]:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("governance:proposal_detail", pk=proposal.pk)


@require_POST
@board_required
def proposal_request_advice_view(request, pk: int):
    return _step(
        request,
        pk,
        lambda p: proposal_request_advice(proposal=p, actor=request.user),
        _("The operator has been asked for its advice."),
    )


@require_POST
@board_required
def proposal_open_view(request, pk: int):
    form = OpenVoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the last day of the vote."))
        return redirect("governance:proposal_detail", pk=pk)
    return _step(
        request,
        pk,
        lambda p: proposal_vote_open(
            proposal=p, actor=request.user, ends_on=form.cleaned_data["ends_on"]
        ),
        _("The vote is open; the representatives have been notified."),
    )


@require_POST
@board_required
def proposal_close_view(request, pk: int):
    return _step(
        request,
        pk,
        lambda p: proposal_close(proposal=p, actor=request.user),
        _("The vote is closed and the decision recorded."),
    )


@require_POST
@board_required
def proposal_withdraw_view(request, pk: int):
    return _step(
        request,
        pk,
        lambda p: proposal_withdraw(proposal=p, actor=request.user),
        _("The proposal has been withdrawn."),
    )


@role_required(is_back_office)
def advice_edit(request, pk: int):
    """The operator's back office writes its advice while the board awaits it."""
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    if proposal.status != Proposal.Status.ADVICE_REQUESTED:
        raise Http404
    current = Advice.objects.filter(proposal=proposal).first()
    form = AdviceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            advice_save(
                proposal=proposal,
                actor=request.user,
                position=form.cleaned_data["position"],
                text=form.cleaned_data["text"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your advice has been recorded."))
            return redirect("governance:proposal_detail", pk=proposal.pk)
    return render(
        request,
        "governance/advice_form.html",
        {"proposal": proposal, "form": form, "changes": proposal_changes(proposal=proposal)},
    )


@role_required(is_representative)
def vote(request, pk: int, cbs_code: str):
    """A representative casts or changes the vote of a municipality they represent."""
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    municipality = votable_municipality_get(user=request.user, proposal=proposal, cbs_code=cbs_code)
    ballot = Ballot.objects.filter(proposal=proposal, municipality=municipality).first()
    form = VoteForm(request.POST or None, initial={"choice": ballot.choice if ballot else None})
    if request.method == "POST" and form.is_valid():
        try:
            ballot_cast(
                proposal=proposal,
                municipality=municipality,
                actor=request.user,
                choice=form.cleaned_data["choice"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The vote of %(name)s has been recorded.") % {"name": municipality.name},
            )
            return redirect("governance:proposal_detail", pk=proposal.pk)
    return render(
        request,
        "governance/vote_form.html",
        {
            "proposal": proposal,
            "municipality": municipality,
            "ballot": ballot,
            "form": form,
            "changes": proposal_changes(proposal=proposal),
            "advice": Advice.objects.filter(proposal=proposal).first(),
        },
    )


@register_required
def decision_pdf(request, pk: int):
    """The decision of a decided proposal as a PDF (rendered on request: it never changes)."""
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    if not proposal.is_decided:
        raise Http404
    decision = proposal.decision
    content = render_pdf(
        template_name="governance/pdf/decision.html",
        context={
            "issuer": issuer(),
            "proposal": proposal,
            "decision": decision,
            "changes": proposal_changes(proposal=proposal),
            "advice": Advice.objects.filter(proposal=proposal).first(),
            "electors": elector_votes(proposal=proposal),
        },
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="besluit-{decision.reference}.pdf"'
    return response


# --- Member requests --------------------------------------------------------------------------


@role_required(is_board, is_coordinator, is_representative)
def member_requests(request):
    """The board: every request, open first; a member: their municipalities' requests, and
    the form to send one."""
    form = None
    if municipality_list_acting_for(user=request.user).exists():
        form = MemberRequestForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                member_request_submit(
                    municipality=form.cleaned_data["municipality"],
                    actor=request.user,
                    subject=form.cleaned_data["subject"],
                    motivation=form.cleaned_data["motivation"],
                )
            except (ValidationError, PermissionDenied) as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your request has been sent to the NVSI board."))
                return redirect("governance:member_requests")
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "governance/member_requests.html",
        {"requests": member_request_list_for_user(user=request.user), "form": form},
    )


@role_required(is_board, is_coordinator, is_representative)
def member_request_detail(request, pk: int):
    member_request = member_request_get_for_user(user=request.user, pk=pk)
    form = None
    if is_board(request.user) and member_request.status == MemberRequest.Status.PENDING:
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                member_request_decline(
                    request=member_request, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, PermissionDenied) as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The request has been declined."))
                return redirect("governance:member_request_detail", pk=pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "governance/member_request_detail.html",
        {"member_request": member_request, "form": form},
    )
