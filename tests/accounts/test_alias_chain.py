"""The auditor's chain of issue 12, step by step: a back-office user invites a second address of
their own as coordinator, signs in as it and approves the payout run the back office prepared.
Each step is refused: the invitation (admin page and service), and even an alias created by a
superuser's mistake with the back office as its inviter cannot approve."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_invite
from placements.services import time_entries_approve
from premiums.models import PayoutRun
from premiums.services import payout_run_approve, payout_run_prepare
from tests.factories import PASSWORD, UserFactory
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    PlacementsMunicipalityFactory,
    TimeEntryFactory,
    general_framework,
)

pytestmark = pytest.mark.django_db

ALIAS = "bram.prive@example.nl"
INVITE = "/admin/accounts/user/invite/"


@pytest.fixture
def town(db):
    return PlacementsMunicipalityFactory(name="Midden-Groningen", cbs_code="GM1952")


@pytest.fixture
def prepared_run(town, back_office_with_mfa):
    """The back office's run for 30 June 2026: one candidate, three approved days."""
    general_framework()
    from members.models import PremiumCap

    PremiumCap.objects.get_or_create(
        valid_from=datetime.date(2025, 7, 1), defaults={"amount": "3326"}
    )
    candidate = CandidateFactory(municipality=town, birth_date=datetime.date(1980, 5, 17))
    assignment = AssignmentFactory(
        candidate=candidate,
        active=True,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    entries = [
        TimeEntryFactory(assignment=assignment, work_date=datetime.date(2026, 3, day))
        for day in (2, 3, 4)
    ]
    time_entries_approve(entries=entries, actor=back_office_with_mfa)
    return payout_run_prepare(
        municipality=town, payout_date=datetime.date(2026, 6, 30), actor=back_office_with_mfa
    )


def test_step_1_the_admin_invite_page_does_not_offer_coordinator_to_the_back_office(
    town, back_office_client, mailoutbox
):
    page = back_office_client.get(INVITE)
    assert [value for value, _label in page.context["form"].fields["role"].choices] == [
        Role.BACK_OFFICE.value
    ]
    response = back_office_client.post(
        INVITE,
        {
            "email": ALIAS,
            "first_name": "Bram",
            "last_name": "Privé",
            "role": Role.COORDINATOR.value,
            "municipalities": [town.pk],
        },
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(email=ALIAS).exists()
    assert mailoutbox == []


def test_step_1_the_service_refuses_it_whatever_the_form_says(town, back_office, mailoutbox):
    for role in (Role.COORDINATOR, Role.REPRESENTATIVE):
        with pytest.raises(ValidationError) as error:
            user_invite(
                email=ALIAS,
                first_name="Bram",
                last_name="Privé",
                role=role,
                municipalities=[town],
                actor=back_office,
            )
        assert error.value.message_dict.keys() == {"role"}
    assert not User.objects.filter(email=ALIAS).exists()
    assert mailoutbox == []


def _sign_in(email: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_step_3_an_alias_invited_by_the_back_office_cannot_approve_its_run(
    town, prepared_run, back_office_with_mfa
):
    """A superuser's mistake: the alias exists, invited by the back-office user. It signs in
    (coordinators need no second factor) and tries to approve: refused, with the reason."""
    alias = UserFactory(
        email=ALIAS, role=Role.COORDINATOR, municipalities=[town], invited_by=back_office_with_mfa
    )
    client = _sign_in(alias.email)
    with translation.override("en"):
        response = client.post(
            f"/premies/betaalmomenten/{prepared_run.pk}/goedkeuren/",
            {"confirm": "on"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 403
    prepared_run.refresh_from_db()
    assert prepared_run.status == PayoutRun.Status.PREPARED
    assert prepared_run.approved_by is None

    with translation.override("en"), pytest.raises(PermissionDenied) as error:
        payout_run_approve(run=prepared_run, actor=alias)
    assert re.search("invited by", str(error.value))


def test_an_alias_two_invitations_away_is_refused_too(town, prepared_run, back_office_with_mfa):
    """The back office's colleague invites a helper who invites the alias: the chain is
    followed up to the back office."""
    colleague = UserFactory(role=Role.BACK_OFFICE, is_staff=True, invited_by=back_office_with_mfa)
    helper = UserFactory(role=Role.COORDINATOR, municipalities=[town], invited_by=colleague)
    alias = UserFactory(role=Role.COORDINATOR, municipalities=[town], invited_by=helper)
    for approver in (helper, alias):
        with pytest.raises(PermissionDenied):
            payout_run_approve(run=prepared_run, actor=approver)
    prepared_run.refresh_from_db()
    assert prepared_run.status == PayoutRun.Status.PREPARED


def test_a_coordinator_appointed_by_the_nvsi_board_approves(
    town, prepared_run, board_member_with_mfa
):
    coordinator = UserFactory(
        role=Role.COORDINATOR, municipalities=[town], invited_by=board_member_with_mfa
    )
    run = payout_run_approve(run=prepared_run, actor=coordinator)
    assert (run.status, run.approved_by) == (PayoutRun.Status.APPROVED, coordinator)


def test_the_board_reappoints_a_coordinator_the_back_office_once_invited(
    town, prepared_run, back_office_with_mfa, board_member_with_mfa
):
    """Accounts the back office invited before this rule approve again once NVSI appoints
    them; the audit trail keeps who invited them first."""
    from accounts.services import user_role_grant
    from core.models import AuditEvent

    coordinator = UserFactory(
        role=Role.COORDINATOR, municipalities=[town], invited_by=back_office_with_mfa
    )
    with pytest.raises(PermissionDenied):
        payout_run_approve(run=prepared_run, actor=coordinator)

    user_role_grant(
        user=coordinator, role=Role.COORDINATOR, municipalities=[town], actor=board_member_with_mfa
    )
    coordinator.refresh_from_db()
    event = AuditEvent.objects.get(action="user.role_grant", object_id=str(coordinator.pk))
    assert event.changes["invited_by"] == [back_office_with_mfa.email, board_member_with_mfa.email]
    run = payout_run_approve(run=prepared_run, actor=coordinator)
    assert run.approved_by == coordinator
