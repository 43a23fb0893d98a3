"""The demo's people: NVSI's board with a second factor like the treasurer's, and one
representative (wethouder) per demo municipality, all printed in the seed's summary."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.utils.text import slugify

from accounts.roles import Role, is_nvsi_board, is_representative, requires_mfa
from demo.accounts import demo_totp_secret
from members.models import Municipality


def test_the_board_users_use_the_demo_totp(data):
    for email in ("bestuur@demo.nvsi.nl", "secretaris@demo.nvsi.nl"):
        user = get_user_model().objects.get(email=email)
        assert is_nvsi_board(user) and user.is_staff and requires_mfa(user)
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert get_adapter().decrypt(totp.data["secret"]) == demo_totp_secret(email)
        assert user.has_usable_password()  # DEMO_PASSWORD, hashed before the tests' hasher
        assert email in data.output


def test_each_demo_municipality_has_its_representative(data):
    municipalities = Municipality.objects.all()
    assert municipalities.exists()
    for municipality in municipalities:
        email = f"wethouder.{slugify(municipality.name)}@demo.nvsi.nl"
        user = municipality.representatives.get()
        assert user.email == email
        assert is_representative(user)
        assert set(user.groups.values_list("name", flat=True)) == {Role.REPRESENTATIVE}
        assert user.has_usable_password()  # DEMO_PASSWORD, hashed before the tests' hasher
        assert email in data.output
