"""Four eyes in depth: a treasurer whose account was invited by the submitter, or by anyone of
the operator's back office, neither approves nor rejects a settlement (issue 12)."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.roles import Role
from settlements.models import Settlement
from settlements.services import settlement_approve, settlement_reject
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("inviter", ["submitter", "other back office", "via a treasurer"])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_treasurer_invited_by_the_back_office_cannot_decide(
    submitted, back_office_user, other_back_office_user, inviter, decision
):
    if inviter == "submitter":
        invited_by = back_office_user
    elif inviter == "other back office":
        invited_by = other_back_office_user
    else:
        invited_by = UserFactory(role=Role.TREASURER, invited_by=back_office_user)
    alias = UserFactory(role=Role.TREASURER, mfa=True, invited_by=invited_by)
    with pytest.raises(PermissionDenied, match="invited by"):
        if decision == "approve":
            settlement_approve(settlement=submitted, actor=alias)
        else:
            settlement_reject(settlement=submitted, actor=alias, reason="Klopt niet")
    submitted.refresh_from_db()
    assert submitted.status == Settlement.Status.SUBMITTED
    assert submitted.decided_by is None


def test_a_treasurer_appointed_by_the_board_decides(submitted):
    board = UserFactory(role=Role.NVSI_BOARD, is_staff=True)
    treasurer = UserFactory(role=Role.TREASURER, mfa=True, invited_by=board)
    approved = settlement_approve(settlement=submitted, actor=treasurer)
    assert (approved.status, approved.decided_by) == (Settlement.Status.APPROVED, treasurer)
