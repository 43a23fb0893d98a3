"""Writes for governance: each runs in one transaction, locks the proposal it changes, checks
who acts, validates, writes its audit record and queues mail on commit.

Four eyes: the board member who opens the vote is not the one who proposed; the board never
votes for a municipality (only its representatives do); the operator advises but never
proposes, votes or closes.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.roles import is_back_office, is_nvsi_board, is_representative
from core.services import audit_record
from governance.models import (
    PROPOSAL_FIELDS,
    Advice,
    Ballot,
    Choice,
    Decision,
    Elector,
    MemberRequest,
    Notification,
    Proposal,
)
from governance.rules import Tally, VoteRule, outcome
from members.models import Framework, Membership, Municipality
from members.selectors import general_framework_in_force, user_acts_for
from members.services import framework_errors, framework_save

GENERAL_FIELDS = (*PROPOSAL_FIELDS,)


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def is_board(user) -> bool:
    return user is not None and (is_nvsi_board(user) or user.is_superuser)


def _refuse_unless_board(actor) -> None:
    if not is_board(actor):
        raise PermissionDenied(_("Only the NVSI board does this."))


def _lock(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _refuse_unless_status(proposal: Proposal, *statuses: str) -> None:
    if proposal.status not in statuses:
        raise ValidationError(
            _("This proposal is %(status)s: that is not possible now.")
            % {"status": proposal.get_status_display().lower()}
        )


def _snapshot(proposal: Proposal) -> dict:
    return {field: str(value) for field, value in proposal.changes().items()}


# --- Member requests ----------------------------------------------------------------------


@transaction.atomic
def member_request_submit(
    *, municipality: Municipality, actor, subject: str, motivation: str
) -> MemberRequest:
    """A coordinator or representative asks, for their municipality, for a change."""
    if not user_acts_for(user=actor, municipality=municipality):
        raise PermissionDenied(
            _("Only a coordinator or representative of %(name)s asks on its behalf.")
            % {"name": municipality.name}
        )
    errors = {}
    if not (subject or "").strip():
        errors["subject"] = _("Say what the request is about.")
    if not (motivation or "").strip():
        errors["motivation"] = _("Say what should change and why.")
    if errors:
        raise ValidationError(errors)
    request = MemberRequest(
        municipality=municipality,
        requested_by=actor,
        subject=subject.strip(),
        motivation=motivation.strip(),
    )
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        action="governance_request.submit",
        obj=request,
        after={"subject": request.subject, "motivation": request.motivation},
    )
    return request


@transaction.atomic
def member_request_decline(*, request: MemberRequest, actor, reason: str) -> MemberRequest:
    """The board declines a pending request, with its reasons."""
    _refuse_unless_board(actor)
    request = MemberRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != MemberRequest.Status.PENDING:
        raise ValidationError(_("This request has already been handled."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reasons for declining the request.")})
    request.status = MemberRequest.Status.DECLINED
    request.handled_by = actor
    request.handled_at = timezone.now()
    request.decline_reason = reason
    request.full_clean()
    request.save(update_fields=["status", "handled_by", "handled_at", "decline_reason"])
    audit_record(
        actor=actor,
        action="governance_request.decline",
        obj=request,
        before={"status": MemberRequest.Status.PENDING},
        after={"status": request.status, "decline_reason": reason},
    )
    return request


# --- Proposals ------------------------------------------------------------------------------


def proposal_framework(*, proposal: Proposal) -> Framework:
    """The general version the proposal would make (unsaved): the version in force on its
    effective date with the proposed values."""
    general = general_framework_in_force(on=proposal.effective_date)
    if general is None:
        raise ValidationError(
            {
                "effective_date": _("No general framework is in force on %(date)s.")
                % {"date": _date(proposal.effective_date)}
            }
        )
    values = {field: getattr(general, field) for field in GENERAL_FIELDS}
    values.update(proposal.changes())
    return Framework(
        scope=Framework.Scope.GENERAL,
        municipality=None,
        valid_from=proposal.effective_date,
        **values,
    )


def proposal_errors(*, proposal: Proposal, today: datetime.date) -> dict[str, str]:
    """What a proposal must meet: it changes something, takes effect after today, and the
    version it would make passes every rule of the general framework (members.services:
    percentages from 1 January or 1 July only, one version per date, valid values)."""
    if not proposal.changes():
        return {"__all__": _("A proposal changes at least one value.")}
    if proposal.effective_date is None:
        return {"effective_date": _("Give the date the change takes effect.")}
    if proposal.effective_date <= today:
        return {"effective_date": _("A change takes effect after today.")}
    try:
        framework = proposal_framework(proposal=proposal)
    except ValidationError as error:
        return {field: " ".join(messages) for field, messages in error.message_dict.items()}
    errors = dict(framework_errors(framework=framework, today=today))
    if Framework.objects.filter(
        scope=Framework.Scope.GENERAL, valid_from=proposal.effective_date
    ).exists():
        errors["effective_date"] = _(
            "A general version already starts on %(date)s: choose another date."
        ) % {"date": _date(proposal.effective_date)}
    try:
        framework.full_clean(exclude=["decision_reference"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field if field != "valid_from" else "effective_date", messages[0])
    if "valid_from" in errors:
        errors["effective_date"] = errors.pop("valid_from")
    return errors


@transaction.atomic
def proposal_create(
    *,
    proposal: Proposal,
    actor,
    member_request: MemberRequest | None = None,
    today: datetime.date | None = None,
) -> Proposal:
    """The board drafts a proposal, possibly taking up a member's request."""
    _refuse_unless_board(actor)
    today = today or timezone.localdate()
    if proposal.pk is not None:
        raise ValidationError(_("A proposal is drafted once; withdraw it and draft a new one."))
    errors = proposal_errors(proposal=proposal, today=today)
    if errors:
        raise ValidationError(errors)
    proposal.proposer = actor
    proposal.status = Proposal.Status.DRAFT
    proposal.full_clean()
    proposal.save()
    audit_record(
        actor=actor,
        action="proposal.create",
        obj=proposal,
        after={
            **_snapshot(proposal),
            "effective_date": str(proposal.effective_date),
            "status": proposal.status,
        },
    )
    if member_request is not None:
        request = MemberRequest.objects.select_for_update().get(pk=member_request.pk)
        if request.status != MemberRequest.Status.PENDING:
            raise ValidationError(_("This request has already been handled."))
        request.status = MemberRequest.Status.TAKEN_UP
        request.proposal = proposal
        request.handled_by = actor
        request.handled_at = timezone.now()
        request.save(update_fields=["status", "proposal", "handled_by", "handled_at"])
        audit_record(
            actor=actor,
            action="governance_request.take_up",
            obj=request,
            after={"status": request.status, "proposal": str(proposal)},
        )
    return proposal


@transaction.atomic
def proposal_request_advice(*, proposal: Proposal, actor) -> Proposal:
    """The board sends a draft to the operator for advice."""
    _refuse_unless_board(actor)
    proposal = _lock(proposal)
    _refuse_unless_status(proposal, Proposal.Status.DRAFT)
    proposal.status = Proposal.Status.ADVICE_REQUESTED
    proposal.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="proposal.request_advice",
        obj=proposal,
        before={"status": Proposal.Status.DRAFT},
        after={"status": proposal.status},
    )
    return proposal


@transaction.atomic
def advice_save(*, proposal: Proposal, actor, position: str, text: str) -> Advice:
    """The operator's back office writes (or rewrites) its advice until the vote opens."""
    if not is_back_office(actor):
        raise PermissionDenied(_("Only the operator's back office advises on a proposal."))
    proposal = _lock(proposal)
    _refuse_unless_status(proposal, Proposal.Status.ADVICE_REQUESTED)
    if not (text or "").strip():
        raise ValidationError({"text": _("Explain the advice.")})
    advice = Advice.objects.filter(proposal=proposal).first()
    before = {"position": advice.position, "text": advice.text} if advice else {}
    if advice is None:
        advice = Advice(proposal=proposal)
    advice.position = position
    advice.text = text.strip()
    advice.author = actor
    advice.full_clean()
    advice.save()
    audit_record(
        actor=actor,
        action="advice.update" if before else "advice.create",
        obj=advice,
        before=before,
        after={"position": advice.position, "text": advice.text},
    )
    return advice


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor, reason: str = "") -> Proposal:
    """The board withdraws a proposal that is not decided; ballots cast stay on record."""
    _refuse_unless_board(actor)
    proposal = _lock(proposal)
    _refuse_unless_status(
        proposal,
        Proposal.Status.DRAFT,
        Proposal.Status.ADVICE_REQUESTED,
        Proposal.Status.VOTING,
    )
    before = {"status": proposal.status}
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="proposal.withdraw",
        obj=proposal,
        summary=(reason or "").strip(),
        before=before,
        after={"status": proposal.status},
    )
    return proposal


def elector_municipalities(*, on: datetime.date):
    """Municipalities with an active membership on the date: the electors of a vote opened
    that day. A membership that has ended since was active within its dates; a prospective
    one is not yet."""
    active = Membership.objects.filter(
        status__in=[Membership.Status.ACTIVE, Membership.Status.ENDED], start_date__lte=on
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
    return Municipality.objects.filter(pk__in=active.values("municipality_id")).order_by("name")


@transaction.atomic
def proposal_vote_open(
    *, proposal: Proposal, actor, ends_on: datetime.date, today: datetime.date | None = None
) -> Proposal:
    """A board member other than the proposer opens the vote, after the operator's advice,
    until `ends_on` (inclusive). The electors are fixed now: every municipality with an
    active membership today. The change must still take effect at least two days after the
    vote's last day (the close runs the day after it and makes a version from a later date)."""
    _refuse_unless_board(actor)
    today = today or timezone.localdate()
    proposal = _lock(proposal)
    _refuse_unless_status(proposal, Proposal.Status.ADVICE_REQUESTED)
    if proposal.proposer_id == actor.pk:
        raise PermissionDenied(
            _("Four eyes: another board member than the proposer opens the vote.")
        )
    if not Advice.objects.filter(proposal=proposal).exists():
        raise ValidationError(_("The operator's advice is needed before the vote opens."))
    if ends_on is None or ends_on < today:
        raise ValidationError({"ends_on": _("The vote ends today or later.")})
    if proposal.effective_date <= ends_on + datetime.timedelta(days=1):
        raise ValidationError(
            {
                "ends_on": _("The change takes effect on %(date)s: the vote must end by %(last)s.")
                % {
                    "date": _date(proposal.effective_date),
                    "last": _date(proposal.effective_date - datetime.timedelta(days=2)),
                }
            }
        )
    errors = proposal_errors(proposal=proposal, today=today)
    if errors:
        raise ValidationError(errors)
    electors = list(elector_municipalities(on=today))
    if not electors:
        raise ValidationError(_("No municipality has an active membership today."))
    Elector.objects.bulk_create(
        [Elector(proposal=proposal, municipality=municipality) for municipality in electors]
    )
    proposal.status = Proposal.Status.VOTING
    proposal.vote_opened_by = actor
    proposal.vote_opened_on = today
    proposal.vote_ends_on = ends_on
    proposal.full_clean()
    proposal.save(update_fields=["status", "vote_opened_by", "vote_opened_on", "vote_ends_on"])
    audit_record(
        actor=actor,
        action="proposal.open_vote",
        obj=proposal,
        summary=", ".join(m.name for m in electors),
        before={"status": Proposal.Status.ADVICE_REQUESTED},
        after={
            "status": proposal.status,
            "vote_opened_on": str(today),
            "vote_ends_on": str(ends_on),
            "electors": len(electors),
        },
    )
    notification_create(proposal=proposal, kind=Notification.Kind.VOTE_OPENED)
    return proposal


# --- Votes ----------------------------------------------------------------------------------


def user_represents(*, user, municipality: Municipality) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and is_representative(user)
        and user.represented_municipalities.filter(pk=municipality.pk).exists()
    )


@transaction.atomic
def ballot_cast(
    *,
    proposal: Proposal,
    municipality: Municipality,
    actor,
    choice: str,
    today: datetime.date | None = None,
) -> Ballot:
    """A representative casts (or changes) the municipality's one vote while the vote is open.

    The proposal row is locked first, so votes of two representatives of one municipality
    and the close are serialised: the last vote before the close counts, the close sees
    every vote, and the unique constraint (proposal, municipality) is the last defence."""
    today = today or timezone.localdate()
    if not user_represents(user=actor, municipality=municipality):
        raise PermissionDenied(
            _("Only a representative of %(name)s votes for it.") % {"name": municipality.name}
        )
    proposal = _lock(proposal)
    if proposal.status != Proposal.Status.VOTING or today > proposal.vote_ends_on:
        raise ValidationError(_("The vote on this proposal is closed."))
    if not Elector.objects.filter(proposal=proposal, municipality=municipality).exists():
        raise ValidationError(
            _("%(name)s had no active membership when the vote opened and does not vote.")
            % {"name": municipality.name}
        )
    if choice not in Choice.values:
        raise ValidationError({"choice": _("Choose for, against or abstain.")})
    ballot = Ballot.objects.filter(proposal=proposal, municipality=municipality).first()
    before = {"choice": ballot.choice, "cast_by": str(ballot.cast_by)} if ballot else {}
    if ballot is None:
        ballot = Ballot(proposal=proposal, municipality=municipality)
    ballot.choice = choice
    ballot.cast_by = actor
    ballot.save()
    audit_record(
        actor=actor,
        action="ballot.change" if before else "ballot.cast",
        obj=ballot,
        before=before,
        after={"choice": choice, "cast_by": str(actor)},
    )
    return ballot


# --- The close --------------------------------------------------------------------------------


def tally_for(*, proposal: Proposal) -> Tally:
    counts = Ballot.objects.filter(proposal=proposal).aggregate(
        votes_for=Count("pk", filter=Q(choice=Choice.FOR)),
        votes_against=Count("pk", filter=Q(choice=Choice.AGAINST)),
        votes_abstain=Count("pk", filter=Q(choice=Choice.ABSTAIN)),
    )
    return Tally(electors=proposal.electors.count(), **counts)


def _next_reference(*, year: int) -> str:
    """NVSI-<year>-<nnn>, without gaps within a year; serialised by an advisory lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('governance.decision_reference'))")
    prefix = f"NVSI-{year}-"
    count = Decision.objects.filter(reference__startswith=prefix).count()
    return f"{prefix}{count + 1:03d}"


@transaction.atomic
def proposal_close(*, proposal: Proposal, actor=None, today: datetime.date | None = None):
    """Close the vote after its last day (the board, or the system with `actor=None`) and
    record the decision; an adopted proposal becomes the general framework version from its
    effective date (framework_save), linked to the decision. Closing a decided proposal again
    returns its decision: run twice or at once, there is one decision."""
    today = today or timezone.localdate()
    if actor is not None:
        _refuse_unless_board(actor)
    proposal = _lock(proposal)
    if proposal.is_decided:
        return proposal.decision
    _refuse_unless_status(proposal, Proposal.Status.VOTING)
    if today <= proposal.vote_ends_on:
        raise ValidationError(
            _("The vote runs until %(date)s and closes after that day.")
            % {"date": _date(proposal.vote_ends_on)}
        )
    rule = VoteRule.for_proposal(proposal)
    tally = tally_for(proposal=proposal)
    result = outcome(tally=tally, rule=rule)
    decision = Decision(
        proposal=proposal,
        reference=_next_reference(year=today.year),
        decided_on=today,
        outcome=Decision.Outcome.ADOPTED if result.adopted else Decision.Outcome.REJECTED,
        closed_by=actor,
        electors=tally.electors,
        votes_for=tally.votes_for,
        votes_against=tally.votes_against,
        votes_abstain=tally.votes_abstain,
        not_voted=tally.not_voted,
        quorum_met=result.quorum_met,
        rule=rule.describe()[:300],
    )
    if result.adopted:
        framework = proposal_framework(proposal=proposal)
        framework.decision_reference = decision.reference
        framework.decision_date = today
        decision.framework = framework_save(framework=framework, actor=actor, today=today)
    decision.full_clean()
    decision.save()
    before = {"status": proposal.status}
    proposal.status = Proposal.Status.ADOPTED if result.adopted else Proposal.Status.REJECTED
    proposal.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="proposal.close",
        obj=proposal,
        summary=(
            f"{decision.reference}: {decision.outcome}; for {tally.votes_for}, "
            f"against {tally.votes_against}, abstain {tally.votes_abstain}, "
            f"not voted {tally.not_voted} of {tally.electors}"
        ),
        before=before,
        after={"status": proposal.status, "decision": decision.reference},
    )
    notification_create(proposal=proposal, kind=Notification.Kind.DECIDED)
    return decision


def proposal_votes_close_due(*, today: datetime.date | None = None) -> list[Decision]:
    """Beat: close every vote whose last day has passed, each in its own transaction."""
    today = today or timezone.localdate()
    decisions = []
    for proposal in Proposal.objects.filter(
        status=Proposal.Status.VOTING, vote_ends_on__lt=today
    ).order_by("vote_ends_on", "pk"):
        decisions.append(proposal_close(proposal=proposal, actor=None, today=today))
    return decisions


# --- Notifications ------------------------------------------------------------------------


def notification_create(*, proposal: Proposal, kind: str) -> Notification | None:
    """Record a notification once per proposal and kind (a unique constraint) and queue its
    mail on commit; None if it was recorded before."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(proposal=proposal, kind=kind)
    except IntegrityError:
        return None
    notification_id = notification.pk
    transaction.on_commit(lambda: _queue_notification(notification_id))
    return notification


def _queue_notification(notification_id: int) -> None:
    from governance.tasks import notification_send_task

    notification_send_task.delay(notification_id)


def proposal_vote_reminders(*, today: datetime.date | None = None) -> list[Notification]:
    """Beat: the reminder for every open vote whose last day is GOVERNANCE_REMINDER_DAYS
    away or nearer, once per proposal."""
    today = today or timezone.localdate()
    due = Proposal.objects.filter(
        status=Proposal.Status.VOTING,
        vote_ends_on__gte=today,
        vote_ends_on__lte=today + datetime.timedelta(days=settings.GOVERNANCE_REMINDER_DAYS),
    ).exclude(notifications__kind=Notification.Kind.VOTE_CLOSING)
    created = []
    for proposal in due:
        with transaction.atomic():
            notification = notification_create(
                proposal=proposal, kind=Notification.Kind.VOTE_CLOSING
            )
        if notification is not None:
            created.append(notification)
    return created


def notification_recipients(*, proposal: Proposal) -> list[str]:
    """The e-mail addresses of the active representatives of the proposal's electors."""
    from accounts.models import User

    return list(
        User.objects.filter(
            is_active=True,
            groups__name="representative",
            represented_municipalities__in=proposal.electors.values("municipality_id"),
        )
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


@transaction.atomic
def notification_send(*, notification_id: int) -> bool:
    """Mail one notification to every representative, unless it was sent; True if sent now."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("proposal")
        .get(pk=notification_id)
    )
    if notification.sent_at is not None:
        return False
    proposal = notification.proposal
    recipients = notification_recipients(proposal=proposal)
    with translation.override("nl"):
        subjects = {
            Notification.Kind.VOTE_OPENED: _("Vote opened: %(title)s"),
            Notification.Kind.VOTE_CLOSING: _("The vote closes soon: %(title)s"),
            Notification.Kind.DECIDED: _("Decided: %(title)s"),
        }
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subjects[notification.kind] % {
            "title": proposal.title
        }
        body = render_to_string(
            f"governance/email/{notification.kind}.txt",
            {
                "proposal": proposal,
                "decision": getattr(proposal, "decision", None) if proposal.is_decided else None,
                "url": settings.SITE_URL.rstrip("/")
                + reverse("governance:proposal_detail", args=[proposal.pk]),
            },
        )
    for email in recipients:
        EmailMessage(subject=subject, body=body, to=[email]).send()
    notification.sent_at = timezone.now()
    notification.recipients = len(recipients)
    notification.save(update_fields=["sent_at", "recipients"])
    return True
