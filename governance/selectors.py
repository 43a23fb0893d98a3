"""Reads for governance, scoped to the user. Every member user reads the decision register
(coordinators, representatives, the NVSI board, the treasurer, the operator's back office);
drafts are the board's until advice is requested; a representative votes only for the
municipalities they represent (anything else: 404)."""

import dataclasses
import datetime

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.roles import (
    is_back_office,
    is_coordinator,
    is_nvsi_board,
    is_representative,
    is_treasurer,
)
from governance.models import (
    PROPOSAL_FIELDS,
    Ballot,
    Elector,
    MemberRequest,
    Proposal,
)
from members.models import Framework, Municipality
from members.selectors import (
    execution_contract_in_force,
    general_framework_in_force,
    municipality_list_acting_for,
)


def is_board(user) -> bool:
    return user.is_authenticated and (is_nvsi_board(user) or user.is_superuser)


def can_read_register(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser
        or is_nvsi_board(user)
        or is_treasurer(user)
        or is_back_office(user)
        or is_coordinator(user)
        or is_representative(user)
    )


REGISTER_CHECKS = (can_read_register,)


def proposal_list_for_user(*, user) -> QuerySet[Proposal]:
    qs = (
        Proposal.objects.select_related("proposer", "advice", "decision", "decision__framework")
        .prefetch_related("member_requests__municipality")
        .order_by("-created_at", "-pk")
    )
    if not can_read_register(user):
        return qs.none()
    if is_board(user):
        return qs
    return qs.exclude(status=Proposal.Status.DRAFT)


def proposal_get_for_user(*, user, pk: int) -> Proposal:
    return get_object_or_404(
        proposal_list_for_user(user=user).prefetch_related(
            Prefetch("electors", queryset=Elector.objects.select_related("municipality")),
            Prefetch("ballots", queryset=Ballot.objects.select_related("municipality", "cast_by")),
        ),
        pk=pk,
    )


def votable_municipalities(*, user, proposal: Proposal) -> QuerySet[Municipality]:
    """The electors of the proposal the user represents."""
    if not (user.is_authenticated and is_representative(user)):
        return Municipality.objects.none()
    return Municipality.objects.filter(
        pk__in=user.represented_municipalities.values("pk"),
    ).filter(pk__in=proposal.electors.values("municipality_id"))


def votable_municipality_get(*, user, proposal: Proposal, cbs_code: str) -> Municipality:
    return get_object_or_404(
        votable_municipalities(user=user, proposal=proposal), cbs_code=cbs_code
    )


@dataclasses.dataclass(frozen=True)
class ElectorVote:
    municipality: Municipality
    ballot: Ballot | None


def elector_votes(*, proposal: Proposal) -> list[ElectorVote]:
    """Every elector with its vote (None: not voted), by municipality name."""
    ballots = {b.municipality_id: b for b in proposal.ballots.all()}
    return [
        ElectorVote(municipality=e.municipality, ballot=ballots.get(e.municipality_id))
        for e in sorted(proposal.electors.all(), key=lambda e: e.municipality.name)
    ]


@dataclasses.dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: object
    after: object


def _label(field: str) -> str:
    return str(Framework._meta.get_field(field).verbose_name)


def proposal_changes(*, proposal: Proposal) -> list[Change]:
    """Each value the proposal changes, with the value in force the day before it would
    take effect."""
    before = general_framework_in_force(on=proposal.effective_date - datetime.timedelta(days=1))
    return [
        Change(
            field=field,
            label=_label(field),
            before=getattr(before, field) if before else None,
            after=value,
        )
        for field, value in proposal.changes().items()
    ]


def general_framework_history() -> list[tuple[Framework, list[Change]]]:
    """Every general version, newest first, with what it changed from the one before (its
    decision, where one made it, is `version.decision`)."""
    versions = list(
        Framework.objects.filter(scope=Framework.Scope.GENERAL)
        .select_related("decision", "decision__proposal")
        .order_by("valid_from")
    )
    history = []
    previous = None
    for version in versions:
        changes = [
            Change(
                field=field,
                label=_label(field),
                before=getattr(previous, field),
                after=getattr(version, field),
            )
            for field in PROPOSAL_FIELDS
            if previous is not None and getattr(previous, field) != getattr(version, field)
        ]
        history.append((version, changes))
        previous = version
    return list(reversed(history))


def upcoming_changes(*, today: datetime.date) -> list[tuple[Framework, list[Change]]]:
    """The general versions that start after today, soonest first, with what they change."""
    return [
        (version, changes)
        for version, changes in reversed(general_framework_history())
        if version.valid_from > today
    ]


def member_request_list_for_user(*, user) -> QuerySet[MemberRequest]:
    qs = MemberRequest.objects.select_related(
        "municipality", "requested_by", "proposal", "handled_by"
    )
    if is_board(user):
        return qs
    return qs.filter(municipality__in=municipality_list_acting_for(user=user))


def member_request_get_for_user(*, user, pk: int) -> MemberRequest:
    return get_object_or_404(member_request_list_for_user(user=user), pk=pk)


def fee_overridden_by_contract(*, proposal: Proposal):
    """The execution contract whose own fee would still apply on the proposal's effective
    date (members.selectors.framework_in_force prefers the contract's fee), or None."""
    if proposal.operator_fee_percentage is None:
        return None
    contract = execution_contract_in_force(on=proposal.effective_date)
    if contract is None or contract.operator_fee_percentage == proposal.operator_fee_percentage:
        return None
    return contract
