"""Demo data for governance: three proposals on the general framework, and a member's request.

- decided: the minimum client rate of 1 January 2026 (14.71, the statutory minimum hourly
  wage), voted on in November 2025 and adopted as NVSI-2025-001; its decision is linked to
  the general version of 1 January 2026 that the migrations load (members.reference_data).
  Recorded as history, straight into the tables: the portal did not exist then.
- open for voting: the minimum client rate from the next 1 January or 1 July, some votes
  cast; through the services, as the board and representatives would.
- awaiting the vote: the operator fee from 30% to 28%, with the operator's advice (against),
  shown with the conflict-of-interest notice.

It uses the board members and representatives of demo.accounts (two NVSI board users; the
representatives linked through Municipality.representatives) and the demo back office.
Idempotent: a proposal found by its title is left as it is.
"""

import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from demo.accounts import DEMO_BACK_OFFICE_EMAIL
from governance.models import (
    Advice,
    Ballot,
    Choice,
    Decision,
    Elector,
    MemberRequest,
    Notification,
    Proposal,
)
from governance.services import (
    advice_save,
    ballot_cast,
    elector_municipalities,
    member_request_submit,
    proposal_create,
    proposal_request_advice,
    proposal_vote_open,
)
from members.models import Framework, Municipality
from members.services import next_half_year_start

DECIDED_TITLE = "Minimumtarief per 1 januari 2026"
OPEN_TITLE = "Minimumtarief volgend halfjaar"
ADVISED_TITLE = "Vergoeding uitvoerder naar 28%"
REQUEST_SUBJECT = "Premie per gewerkt uur naar € 2,25"


class DemoUsersMissing(RuntimeError):
    """The governance demo needs the board members and representatives of demo.accounts."""


def _board_users() -> list[User]:
    board = list(User.objects.filter(groups__name=Role.NVSI_BOARD.value).order_by("email"))
    if len(board) < 2:
        raise DemoUsersMissing(
            "demo.governance needs two NVSI board users (role group 'nvsi_board', e.g. "
            "bestuur@demo.nvsi.nl and secretaris@demo.nvsi.nl) from demo.accounts.seed_users: "
            f"found {len(board)}. Seed the accounts first."
        )
    return board


def _representatives() -> dict[int, User]:
    """One representative per municipality that has one: {municipality id: user}."""
    reps = {}
    representatives = User.objects.filter(is_active=True, groups__name=Role.REPRESENTATIVE.value)
    for municipality in Municipality.objects.prefetch_related(
        Prefetch("representatives", queryset=representatives.order_by("email"))
    ).order_by("name"):
        users = list(municipality.representatives.all())
        if users:
            reps[municipality.pk] = users[0]
    if not reps:
        raise DemoUsersMissing(
            "demo.governance needs representatives (Municipality.representatives, e.g. "
            "wethouder.groningen@demo.nvsi.nl) from demo.accounts.seed_users: found none."
        )
    return reps


def _silence(proposal: Proposal) -> None:
    """Demo history: the notifications count as sent, so seeding mails no one."""
    Notification.objects.filter(proposal=proposal, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


def _seed_decided(*, proposer, opener, back_office, reps) -> Proposal | None:
    if Proposal.objects.filter(title=DECIDED_TITLE).exists():
        return None
    version = Framework.objects.filter(
        scope=Framework.Scope.GENERAL, valid_from=datetime.date(2026, 1, 1)
    ).first()
    if version is None or hasattr(version, "decision"):
        return None
    opened, ends, decided = (
        datetime.date(2025, 11, 3),
        datetime.date(2025, 11, 24),
        datetime.date(2025, 11, 25),
    )
    proposal = Proposal.objects.create(
        title=DECIDED_TITLE,
        reasoning=(
            "Het wettelijk minimumuurloon stijgt per 1 januari 2026 naar € 14,71. Het "
            "minimumtarief voor opdrachtgevers volgt het minimumuurloon."
        ),
        effective_date=version.valid_from,
        client_hourly_rate_min=version.client_hourly_rate_min,
        status=Proposal.Status.ADOPTED,
        proposer=proposer,
        vote_opened_by=opener,
        vote_opened_on=opened,
        vote_ends_on=ends,
    )
    Advice.objects.create(
        proposal=proposal,
        position=Advice.Position.FOR,
        text="Uitvoerbaar per 1 januari 2026; opdrachtgevers zijn in oktober geïnformeerd.",
        author=back_office,
    )
    electors = list(elector_municipalities(on=opened))
    Elector.objects.bulk_create([Elector(proposal=proposal, municipality=m) for m in electors])
    counts = {Choice.FOR: 0, Choice.AGAINST: 0, Choice.ABSTAIN: 0}
    for index, municipality in enumerate(m for m in electors if m.pk in reps):
        if index % 5 == 4:
            continue  # one in five did not vote
        choice = Choice.ABSTAIN if index % 7 == 3 else Choice.FOR
        Ballot.objects.create(
            proposal=proposal,
            municipality=municipality,
            choice=choice,
            cast_by=reps[municipality.pk],
        )
        counts[choice] += 1
    cast = sum(counts.values())
    decision = Decision.objects.create(
        proposal=proposal,
        reference="NVSI-2025-001",
        decided_on=decided,
        outcome=Decision.Outcome.ADOPTED,
        closed_by=opener,
        electors=len(electors),
        votes_for=counts[Choice.FOR],
        votes_against=counts[Choice.AGAINST],
        votes_abstain=counts[Choice.ABSTAIN],
        not_voted=len(electors) - cast,
        quorum_met=True,
        rule="Quorum: de helft van de leden stemt. Meerderheid: meer dan de helft voor.",
        framework=version,
    )
    for kind in Notification.Kind.values:
        Notification.objects.create(
            proposal=proposal, kind=kind, sent_at=timezone.now(), recipients=cast
        )
    return decision.proposal


def _open_vote_dates(today: datetime.date):
    """Opened five days ago, last day in nine days, effective the next 1 January or 1 July
    after that."""
    opened = today - datetime.timedelta(days=5)
    ends = today + datetime.timedelta(days=9)
    return opened, ends, next_half_year_start(ends + datetime.timedelta(days=2))


def _seed_open(*, today, proposer, opener, back_office, reps) -> Proposal | None:
    if Proposal.objects.filter(title=OPEN_TITLE).exists():
        return None
    opened, ends, effective = _open_vote_dates(today)
    proposal = proposal_create(
        proposal=Proposal(
            title=OPEN_TITLE,
            reasoning=(
                "Het minimumtarief volgt het wettelijk minimumuurloon, dat per "
                f"{effective:%d-%m-%Y} naar verwachting stijgt naar € 15,02."
            ),
            effective_date=effective,
            client_hourly_rate_min=Decimal("15.02"),
        ),
        actor=proposer,
        today=opened - datetime.timedelta(days=7),
    )
    proposal_request_advice(proposal=proposal, actor=proposer)
    advice_save(
        proposal=proposal,
        actor=back_office,
        position=Advice.Position.FOR,
        text="Uitvoerbaar; de tarieven in lopende opdrachten worden per die datum aangepast.",
    )
    proposal = proposal_vote_open(proposal=proposal, actor=opener, ends_on=ends, today=opened)
    voters = [e.municipality for e in proposal.electors.select_related("municipality")]
    for index, municipality in enumerate(m for m in voters if m.pk in reps):
        if index >= 3:
            break
        ballot_cast(
            proposal=proposal,
            municipality=municipality,
            actor=reps[municipality.pk],
            choice=Choice.AGAINST if index == 2 else Choice.FOR,
            today=opened + datetime.timedelta(days=index + 1),
        )
    _silence(proposal)
    return proposal


def _seed_advised(*, today, proposer, back_office) -> Proposal | None:
    if Proposal.objects.filter(title=ADVISED_TITLE).exists():
        return None
    # The half-year after the one the open vote is about.
    effective = next_half_year_start(_open_vote_dates(today)[2] + datetime.timedelta(days=1))
    proposal = proposal_create(
        proposal=Proposal(
            title=ADVISED_TITLE,
            reasoning=(
                "Het volume groeit: de leden stellen voor de vergoeding van de uitvoerder te "
                "verlagen van 30% naar 28% van de bruto-omzet."
            ),
            effective_date=effective,
            operator_fee_percentage=Decimal("28.00"),
        ),
        actor=proposer,
        today=today - datetime.timedelta(days=3),
    )
    proposal_request_advice(proposal=proposal, actor=proposer)
    advice_save(
        proposal=proposal,
        actor=back_office,
        position=Advice.Position.AGAINST,
        text=(
            "Met 28% zijn de kosten van de backoffice en de accountmanagers niet gedekt; "
            "wij adviseren de vergoeding op 30% te houden."
        ),
    )
    return proposal


def seed_governance(*, today: datetime.date) -> dict[str, int]:
    """The three demo proposals and a pending member request; returns what it created."""
    board = _board_users()
    proposer, opener = board[0], board[1]
    reps = _representatives()
    back_office = User.objects.get(email=DEMO_BACK_OFFICE_EMAIL)
    created = [
        _seed_decided(proposer=proposer, opener=opener, back_office=back_office, reps=reps),
        _seed_open(
            today=today, proposer=proposer, opener=opener, back_office=back_office, reps=reps
        ),
        _seed_advised(today=today, proposer=opener, back_office=back_office),
    ]
    requests = 0
    if not MemberRequest.objects.filter(subject=REQUEST_SUBJECT).exists():
        municipality = Municipality.objects.get(pk=next(iter(reps)))
        member_request_submit(
            municipality=municipality,
            actor=reps[municipality.pk],
            subject=REQUEST_SUBJECT,
            motivation="Een hogere premie maakt de stap naar werk aantrekkelijker.",
        )
        requests = 1
    return {
        "proposals": sum(p is not None for p in created),
        "member requests": requests,
    }
