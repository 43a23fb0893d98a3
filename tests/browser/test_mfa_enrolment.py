"""A treasurer without a second factor must enrol before reaching anything else."""

import pytest
from allauth.mfa.models import Authenticator

from accounts.roles import Role

from .flows import (
    confirm_password_if_asked,
    path_of,
    screenshot,
    sign_in,
    submit_code,
    totp_code,
    totp_secret_on_page,
)

pytestmark = pytest.mark.browser

ACTIVATE = "/accounts/2fa/totp/activate/"


def test_treasurer_enrols_in_totp_then_reaches_the_members(page, make_user, municipalities):
    treasurer = make_user("treasurer@example.nl", role=Role.TREASURER)

    sign_in(page, "treasurer@example.nl")
    confirm_password_if_asked(page)
    assert path_of(page) == ACTIVATE
    page.goto("/leden/")
    assert path_of(page) == ACTIVATE, "the treasurer reached a page before enrolling"
    screenshot(page, "treasurer-mfa-enrolment")

    secret = totp_secret_on_page(page)
    submit_code(page, totp_code(secret))

    assert path_of(page) != ACTIVATE
    assert Authenticator.objects.filter(user=treasurer, type=Authenticator.Type.TOTP).exists()
    page.goto("/leden/")
    assert path_of(page) == "/leden/"


def test_a_wrong_enrolment_code_enrols_nothing(page, make_user):
    treasurer = make_user("treasurer@example.nl", role=Role.TREASURER)
    sign_in(page, "treasurer@example.nl")
    confirm_password_if_asked(page)
    secret = totp_secret_on_page(page)

    submit_code(page, f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}")

    assert path_of(page) == ACTIVATE
    assert not Authenticator.objects.filter(user=treasurer).exists()
