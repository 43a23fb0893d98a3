"""Four eyes, the whole chain through the portal (issue 14): an account is appointed, signs in
with its password and second factor, and approves; the preparer never approves, and the
operator's back office never approves nor creates the account that approves.

Already covered elsewhere, not repeated here: the payout run's chain (a coordinator alias the
back office invited, directly or two invitations away, cannot approve its run:
tests/accounts/test_alias_chain.py) and the vote (the proposer cannot open it:
tests/governance/test_governance_rules.py)."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from settlements.models import Settlement
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory

pytestmark = pytest.mark.django_db


def _sign_in(email: str) -> Client:
    """Password, then the code the authenticator shows now (as a person signs in)."""
    user = User.objects.get(email=email)
    user.set_password(PASSWORD)  # with the test hasher (the world's was made before it)
    user.save(update_fields=["password"])
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    if 30 - time.time() % 30 < 1:
        time.sleep(1.1)
    code = format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    return client


@pytest.mark.parametrize(
    ("approver", "status", "approved"),
    [
        ("treasurer appointed by the board", 302, True),
        ("treasurer invited by the back office", 403, False),
        ("the back office that submitted it", 404, False),
    ],
)
def test_settlement_approval_chain(world, approver, status, approved):
    settlement = Settlement.objects.get(pk=world.a.settlement.pk)
    assert settlement.status == Settlement.Status.SUBMITTED
    assert settlement.submitted_by == world.users["back_office"]
    if approver == "the back office that submitted it":
        email = world.users["back_office"].email
    else:
        inviter = "board" if "board" in approver else "back_office"
        email = f"penningmeester.{inviter}@example.nl"
        UserFactory(email=email, role=Role.TREASURER, mfa=True, invited_by=world.users[inviter])
    client = _sign_in(email)
    response = client.post(f"/afrekeningen/{settlement.pk}/goedkeuren/", {"approve-confirm": "on"})
    assert response.status_code == status
    settlement.refresh_from_db()
    assert (settlement.status == Settlement.Status.APPROVED) is approved
    assert (settlement.decided_by is not None) is approved


@pytest.mark.parametrize("role", [Role.TREASURER, Role.COORDINATOR, Role.NVSI_BOARD])
def test_the_back_office_never_creates_the_account_that_approves(world, role):
    client = _sign_in(world.users["back_office"].email)
    before = User.objects.count()
    response = client.post(
        "/admin/accounts/user/invite/",
        {
            "email": "nieuw.account@example.nl",
            "first_name": "Nieuw",
            "last_name": "Account",
            "role": role.value,
            "municipalities": [world.a.municipality.pk],
        },
    )
    assert response.status_code == 200  # the form again, the role refused
    assert list(response.context["form"].errors) == ["role"]
    assert User.objects.count() == before
    assert not User.objects.filter(email="nieuw.account@example.nl").exists()
