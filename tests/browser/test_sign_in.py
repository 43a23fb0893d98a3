"""Each role signs in and lands where its work starts; money roles pass their second factor."""

import re

import pytest

from accounts.roles import Role

from .flows import path_of, screenshot, sign_in, sign_out, submit_code, totp_code

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_coordinator_lands_on_their_to_do_and_opens_their_municipality(
    page, make_user, municipalities
):
    coordinator = make_user("coordinator@example.nl", role=Role.COORDINATOR)
    municipalities["GM0014"].coordinators.add(coordinator)

    sign_in(page, "coordinator@example.nl")

    assert path_of(page) == "/te-doen/"
    page.click('.site-nav a[href="/gemeenten/"]')
    page.wait_for_load_state()
    assert path_of(page) == "/gemeenten/GM0014/"
    assert "Groningen" in page.inner_text("body")
    screenshot(page, "coordinator-municipality")


def test_coordinator_of_two_municipalities_chooses_one(page, make_user, municipalities):
    coordinator = make_user("coordinator@example.nl", role=Role.COORDINATOR)
    for municipality in municipalities.values():
        municipality.coordinators.add(coordinator)

    sign_in(page, "coordinator@example.nl")
    assert path_of(page) == "/te-doen/"
    page.click('.site-nav a[href="/gemeenten/"]')
    page.wait_for_load_state()

    assert path_of(page) == "/gemeenten/"
    page.locator('a[href="/gemeenten/GM0106/"]').first.click()
    page.wait_for_load_state()
    assert path_of(page) == "/gemeenten/GM0106/"
    assert "Assen" in page.inner_text("body")


def test_back_office_enters_a_code_and_lands_in_the_admin(page, make_user):
    make_user("backoffice@example.nl", role=Role.BACK_OFFICE, is_staff=True, totp_secret=SECRET)

    sign_in(page, "backoffice@example.nl")
    assert path_of(page).startswith("/accounts/2fa/authenticate/")
    submit_code(page, totp_code(SECRET))

    assert path_of(page) == "/admin/"
    screenshot(page, "back-office-admin")


def test_treasurer_enters_a_code_and_lands_on_the_to_do(page, make_user, municipalities):
    make_user("treasurer@example.nl", role=Role.TREASURER, totp_secret=SECRET)

    sign_in(page, "treasurer@example.nl")
    assert path_of(page).startswith("/accounts/2fa/authenticate/")
    submit_code(page, totp_code(SECRET))

    assert path_of(page) == "/te-doen/"
    page.click('.site-nav a[href="/leden/"]')
    page.wait_for_load_state()
    assert path_of(page) == "/leden/"
    body = page.inner_text("body")
    assert "Groningen" in body
    assert "Assen" in body
    screenshot(page, "treasurer-members")


def test_a_wrong_code_keeps_the_treasurer_out(page, make_user):
    make_user("treasurer@example.nl", role=Role.TREASURER, totp_secret=SECRET)

    sign_in(page, "treasurer@example.nl")
    wrong = f"{(int(totp_code(SECRET)) + 1) % 1_000_000:06d}"
    submit_code(page, wrong)

    assert path_of(page).startswith("/accounts/2fa/authenticate/")
    page.goto("/leden/")
    assert path_of(page).startswith(("/accounts/login/", "/accounts/2fa/authenticate/"))


def test_a_wrong_password_is_refused(page, make_user):
    make_user("coordinator@example.nl", role=Role.COORDINATOR)

    sign_in(page, "coordinator@example.nl", password="not-the-password")

    assert path_of(page).startswith("/accounts/login/")
    assert page.locator("input[name=password]").count() == 1


def test_sign_out_ends_the_session(page, make_user, municipalities):
    coordinator = make_user("coordinator@example.nl", role=Role.COORDINATOR)
    municipalities["GM0014"].coordinators.add(coordinator)
    sign_in(page, "coordinator@example.nl")
    assert path_of(page) == "/te-doen/"

    sign_out(page)

    assert not path_of(page).startswith("/gemeenten/")
    page.goto("/gemeenten/GM0014/")
    assert re.match(r"^/accounts/login/\?next=/gemeenten/GM0014/", path_of(page))
