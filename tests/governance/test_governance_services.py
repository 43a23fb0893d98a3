"""The proposal's way through its services: draft, advice, vote, decision; who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEvent
from governance.models import Ballot, Decision, Elector, MemberRequest, Notification, Proposal
from governance.services import (
    advice_save,
    ballot_cast,
    member_request_decline,
    member_request_submit,
    proposal_close,
    proposal_create,
    proposal_request_advice,
    proposal_vote_open,
    proposal_vote_reminders,
    proposal_votes_close_due,
    proposal_withdraw,
)
from members.models import Framework
from members.selectors import framework_in_force
from tests.factories import PremiumCapFactory

from .conftest import AFTER_VOTE, NEW_YEAR, TODAY, VOTE_ENDS

pytestmark = pytest.mark.django_db


# --- Drafting -------------------------------------------------------------------------------


def test_only_the_board_drafts(make_proposal, operator, representatives):
    with pytest.raises(PermissionDenied):
        make_proposal(proposer=operator)
    with pytest.raises(PermissionDenied):
        make_proposal(proposer=representatives["GM0014"])
    assert not Proposal.objects.exists()


def test_a_proposal_takes_effect_after_today(make_proposal):
    with pytest.raises(ValidationError) as error:
        make_proposal(effective_date=TODAY)
    assert "effective_date" in error.value.message_dict


def test_a_fee_change_takes_effect_on_a_half_year_start(make_proposal):
    with pytest.raises(ValidationError) as error:
        make_proposal(
            effective_date=datetime.date(2027, 2, 1), operator_fee_percentage=Decimal("28.00")
        )
    assert "01-07-2027" in error.value.message_dict["effective_date"][0]  # the next start
    assert (
        make_proposal(
            effective_date=datetime.date(2027, 7, 1), operator_fee_percentage=Decimal("28.00")
        ).status
        == Proposal.Status.DRAFT
    )


def test_a_proposal_changes_something(general, board):
    with pytest.raises(ValidationError):
        proposal_create(
            proposal=Proposal(title="Niets", reasoning="-", effective_date=NEW_YEAR),
            actor=board,
            today=TODAY,
        )


def test_a_member_request_is_taken_up_or_declined_with_reasons(
    make_proposal, board, members, representatives, coordinator
):
    request = member_request_submit(
        municipality=members["GM0014"],
        actor=representatives["GM0014"],
        subject="Hoger minimumtarief",
        motivation="Het minimumloon stijgt.",
    )
    with pytest.raises(PermissionDenied):  # Groningen's coordinator cannot ask for Assen
        member_request_submit(
            municipality=members["GM0106"], actor=coordinator, subject="x", motivation="y"
        )
    proposal = proposal_create(
        proposal=Proposal(
            title="Minimumtarief",
            reasoning="Op verzoek van Groningen.",
            effective_date=NEW_YEAR,
            client_hourly_rate_min=Decimal("15.00"),
        ),
        actor=board,
        member_request=request,
        today=TODAY,
    )
    request.refresh_from_db()
    assert (request.status, request.proposal) == (MemberRequest.Status.TAKEN_UP, proposal)

    second = member_request_submit(
        municipality=members["GM0106"],
        actor=representatives["GM0106"],
        subject="Lagere btw",
        motivation="Graag.",
    )
    with pytest.raises(ValidationError):
        member_request_decline(request=second, actor=board, reason="  ")
    member_request_decline(request=second, actor=board, reason="Btw is wettelijk bepaald.")
    second.refresh_from_db()
    assert second.status == MemberRequest.Status.DECLINED


# --- Advice and opening ----------------------------------------------------------------------


def test_only_the_back_office_advises_and_only_when_asked(make_proposal, board, operator):
    proposal = make_proposal()
    with pytest.raises(ValidationError):  # still a draft
        advice_save(proposal=proposal, actor=operator, position="for", text="Prima.")
    proposal_request_advice(proposal=proposal, actor=board)
    with pytest.raises(PermissionDenied):
        advice_save(proposal=proposal, actor=board, position="for", text="Prima.")
    advice = advice_save(proposal=proposal, actor=operator, position="conditional", text="Mits.")
    assert advice.get_position_display()
    assert AuditEvent.objects.filter(action="advice.create").count() == 1


def test_four_eyes_the_proposer_does_not_open_the_vote(advised, board, other_board, members):
    proposal = advised()
    with pytest.raises(PermissionDenied):
        proposal_vote_open(proposal=proposal, actor=board, ends_on=VOTE_ENDS, today=TODAY)
    proposal = proposal_vote_open(
        proposal=proposal, actor=other_board, ends_on=VOTE_ENDS, today=TODAY
    )
    assert proposal.status == Proposal.Status.VOTING


def test_the_vote_opens_only_after_the_advice(make_proposal, board, other_board):
    proposal = make_proposal()
    proposal_request_advice(proposal=proposal, actor=board)
    with pytest.raises(ValidationError):
        proposal_vote_open(proposal=proposal, actor=other_board, ends_on=VOTE_ENDS, today=TODAY)


def test_the_vote_ends_in_time_for_the_effective_date(advised, other_board):
    proposal = advised()
    with pytest.raises(ValidationError):
        proposal_vote_open(
            proposal=proposal,
            actor=other_board,
            ends_on=datetime.date(2026, 12, 31),
            today=TODAY,
        )


def test_electors_are_the_active_members_on_the_opening_day(voting, members):
    proposal = voting()
    codes = set(
        Elector.objects.filter(proposal=proposal).values_list("municipality__cbs_code", flat=True)
    )
    assert codes == {"GM0014", "GM0106", "GM0114", "GM1952"}


# --- Votes ----------------------------------------------------------------------------------


def test_one_vote_per_municipality_changeable_until_the_close(
    voting, vote, members, representatives
):
    proposal = voting()
    second = representatives["GM0014"].__class__.objects.create_user(
        "tweede.groningen@example.nl", "x", first_name="Tweede"
    )
    from django.contrib.auth.models import Group

    second.groups.add(Group.objects.get(name="representative"))
    members["GM0014"].representatives.add(second)

    vote(proposal, "GM0014", "for")
    ballot_cast(
        proposal=proposal,
        municipality=members["GM0014"],
        actor=second,
        choice="against",
        today=VOTE_ENDS,
    )
    ballot = Ballot.objects.get(proposal=proposal, municipality=members["GM0014"])
    assert (ballot.choice, ballot.cast_by) == ("against", second)
    assert Ballot.objects.filter(proposal=proposal).count() == 1
    assert AuditEvent.objects.filter(action="ballot.change").count() == 1

    with pytest.raises(ValidationError):  # after the last day
        vote(proposal, "GM0014", "for", today=AFTER_VOTE)
    proposal_close(proposal=proposal, actor=None, today=AFTER_VOTE)
    with pytest.raises(ValidationError):  # closed
        vote(proposal, "GM0014", "for", today=VOTE_ENDS)
    assert Ballot.objects.get(proposal=proposal, municipality=members["GM0014"]).choice == "against"


def test_a_representative_votes_only_for_their_own_municipality(
    voting, members, representatives, board
):
    proposal = voting()
    for actor in (representatives["GM0106"], board):
        with pytest.raises(PermissionDenied):
            ballot_cast(
                proposal=proposal,
                municipality=members["GM0014"],
                actor=actor,
                choice="for",
                today=TODAY,
            )
    assert not Ballot.objects.exists()


def test_a_non_member_does_not_vote(voting, vote):
    proposal = voting()
    for code in ("GM0074", "GM1730"):  # membership ended; prospective
        with pytest.raises(ValidationError):
            vote(proposal, code, "for")
    assert not Ballot.objects.exists()


# --- The close -------------------------------------------------------------------------------


def test_the_board_closes_only_after_the_last_day(voting, board):
    proposal = voting()
    with pytest.raises(ValidationError):
        proposal_close(proposal=proposal, actor=board, today=VOTE_ENDS)
    assert proposal_close(proposal=proposal, actor=board, today=AFTER_VOTE).outcome


def test_adopted_becomes_the_framework_version_from_its_date(voting, vote, board, general):
    PremiumCapFactory()
    proposal = voting(client_hourly_rate_min=Decimal("15.02"))
    vote(proposal, "GM0014", "for")
    vote(proposal, "GM0106", "for")
    vote(proposal, "GM0114", "against")
    decision = proposal_close(proposal=proposal, actor=board, today=AFTER_VOTE)

    assert decision.outcome == Decision.Outcome.ADOPTED
    assert decision.reference == "NVSI-2026-001"
    assert (decision.votes_for, decision.votes_against, decision.votes_abstain) == (2, 1, 0)
    assert (decision.not_voted, decision.electors, decision.quorum_met) == (1, 4, True)
    version = decision.framework
    assert (version.valid_from, version.client_hourly_rate_min) == (NEW_YEAR, Decimal("15.02"))
    assert (version.decision_reference, version.decision_date) == ("NVSI-2026-001", AFTER_VOTE)
    assert version.premium_per_hour == general.premium_per_hour  # the rest carried over
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ADOPTED

    day_before = framework_in_force(municipality=None, on=NEW_YEAR - datetime.timedelta(days=1))
    on_the_day = framework_in_force(municipality=None, on=NEW_YEAR)
    assert day_before.client_hourly_rate_min == Decimal("14.71")
    assert on_the_day.client_hourly_rate_min == Decimal("15.02")
    assert AuditEvent.objects.filter(action="proposal.close").count() == 1
    assert AuditEvent.objects.filter(action="framework.create").count() == 1


def test_rejected_changes_nothing(voting, vote, board):
    proposal = voting()
    vote(proposal, "GM0014", "for")
    vote(proposal, "GM0106", "against")  # a tie
    versions = list(Framework.objects.values_list("pk", flat=True))
    decision = proposal_close(proposal=proposal, actor=board, today=AFTER_VOTE)
    assert decision.outcome == Decision.Outcome.REJECTED and decision.framework is None
    assert list(Framework.objects.values_list("pk", flat=True)) == versions


def test_quorum_not_met_rejects(voting, vote, board):
    proposal = voting()
    vote(proposal, "GM0014", "for")  # 1 of 4
    decision = proposal_close(proposal=proposal, actor=board, today=AFTER_VOTE)
    assert (decision.quorum_met, decision.outcome) == (False, Decision.Outcome.REJECTED)


def test_a_fee_change_needs_two_thirds(voting, vote, board):
    proposal = voting(
        effective_date=datetime.date(2027, 7, 1), operator_fee_percentage=Decimal("28.00")
    )
    vote(proposal, "GM0014", "for")
    vote(proposal, "GM0106", "for")
    vote(proposal, "GM0114", "against")  # 2/3 of the votes: met
    assert proposal_close(proposal=proposal, actor=board, today=AFTER_VOTE).outcome == "adopted"

    second = voting(
        effective_date=datetime.date(2028, 1, 1), operator_fee_percentage=Decimal("27.00")
    )
    vote(second, "GM0014", "for")
    vote(second, "GM0106", "for")
    vote(second, "GM0114", "against")
    vote(second, "GM1952", "against")  # 2 of 4 < 2/3
    decision = proposal_close(proposal=second, actor=board, today=AFTER_VOTE)
    assert decision.outcome == "rejected"
    assert decision.reference == "NVSI-2026-002"


def test_closing_twice_is_one_decision(voting, vote, board):
    proposal = voting()
    vote(proposal, "GM0014", "for")
    vote(proposal, "GM0106", "for")
    first = proposal_close(proposal=proposal, actor=board, today=AFTER_VOTE)
    again = proposal_close(proposal=proposal, actor=None, today=AFTER_VOTE)
    assert first.pk == again.pk
    assert proposal_votes_close_due(today=AFTER_VOTE) == []
    assert Decision.objects.count() == 1
    assert Framework.objects.filter(scope="general").count() == 2


def test_the_beat_closes_a_vote_after_its_last_day(voting, vote):
    proposal = voting()
    vote(proposal, "GM0014", "for")
    vote(proposal, "GM0106", "for")
    assert proposal_votes_close_due(today=VOTE_ENDS) == []
    [decision] = proposal_votes_close_due(today=AFTER_VOTE)
    assert decision.proposal == proposal and decision.closed_by is None


def test_a_withdrawn_proposal_cannot_be_voted_on(voting, vote, board):
    proposal = voting()
    proposal_withdraw(proposal=proposal, actor=board)
    with pytest.raises(ValidationError):
        vote(proposal, "GM0014", "for")


# --- Notifications ---------------------------------------------------------------------------


def test_representatives_are_told_once_when_the_vote_opens_closes_soon_and_is_decided(
    voting, vote, representatives, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = voting()
    opened = {m.to[0] for m in mail.outbox}
    # The four members' representatives; not Heerenveen's or Tynaarlo's.
    assert opened == {representatives[c].email for c in ("GM0014", "GM0106", "GM0114", "GM1952")}
    assert "Minimumtarief" in mail.outbox[0].subject
    assert "/besluiten/voorstellen/" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert proposal_vote_reminders(today=VOTE_ENDS - datetime.timedelta(days=3)) == []
        proposal_vote_reminders(today=VOTE_ENDS - datetime.timedelta(days=2))
        proposal_vote_reminders(today=VOTE_ENDS - datetime.timedelta(days=1))
        proposal_vote_reminders(today=VOTE_ENDS)
    assert len(mail.outbox) == 4  # one reminder each, once

    mail.outbox.clear()
    vote(proposal, "GM0014", "for")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_votes_close_due(today=AFTER_VOTE)
        proposal_votes_close_due(today=AFTER_VOTE)
    assert len(mail.outbox) == 4
    assert "NVSI-2026-001" in mail.outbox[0].body
    assert Notification.objects.filter(proposal=proposal).count() == 3
    assert all(n.sent_at for n in Notification.objects.all())


def test_a_notification_is_mailed_once_when_its_task_runs_twice(voting, representatives):
    from governance.services import notification_send

    proposal = voting()
    notification = Notification.objects.get(proposal=proposal, kind="vote_opened")
    mail.outbox.clear()
    Notification.objects.filter(pk=notification.pk).update(sent_at=None)
    assert notification_send(notification_id=notification.pk) is True
    assert notification_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 4
