"""Two-factor authentication before anything (issue 14): a back-office, treasurer, board or
superuser account without an enrolled authenticator reaches no page of the portal or the
admin, by GET or by POST, but the two-factor set-up (accounts.middleware.RequireMfaMiddleware);
and none of those POSTs changes anything."""

import logging

import pytest
from django.apps import apps
from django.test import Client

from accounts.roles import Role
from tests.factories import UserFactory
from tests.security.cases import url_for
from tests.security.urls import portal_patterns

pytestmark = pytest.mark.django_db

MFA_SET_UP = "/accounts/2fa/totp/activate/"
# What the middleware lets through: enrolment, sign-out, re-authentication, language.
OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/reauthenticate/", "/i18n/")

WITHOUT_SECOND_FACTOR = {
    "treasurer": {"role": Role.TREASURER},
    "back_office": {"role": Role.BACK_OFFICE, "is_staff": True},
    "board": {"role": Role.NVSI_BOARD, "is_staff": True},
    "superuser": {"is_staff": True, "is_superuser": True},
}


def database_state() -> dict:
    """Every project table's row count and the highest id in it: a POST that wrote anything
    changes one of them (audit records included)."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in ("sessions", "contenttypes"):
            continue
        rows = model._default_manager.order_by("-pk").values_list("pk", flat=True)
        state[model._meta.label] = (rows.count(), str(rows.first()))
    return state


@pytest.mark.parametrize("role", WITHOUT_SECOND_FACTOR)
def test_without_a_second_factor_every_url_leads_to_the_set_up(role, world, world_media):
    user = UserFactory(email=f"zonder.2fa.{role}@example.nl", **WITHOUT_SECOND_FACTOR[role])
    client = Client()
    client.force_login(user)
    before = database_state()
    logging.getLogger("django.request").setLevel(logging.ERROR)
    wrong, asked = [], 0
    for pattern in portal_patterns():
        url = url_for(pattern, world, "a")
        if url is None or url.startswith(OPEN_PREFIXES):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            asked += 1
            if response.status_code != 302 or response["Location"] != MFA_SET_UP:
                wrong.append(f"{method.upper()} {url}: {response.status_code}")
    logging.getLogger("django.request").setLevel(logging.NOTSET)
    assert asked > 500
    assert not wrong, "\n".join(wrong)
    assert database_state() == before


def test_the_set_up_itself_is_reachable(world):
    user = UserFactory(email="zonder.2fa@example.nl", role=Role.TREASURER)
    client = Client()
    client.force_login(user)
    # allauth asks for the password once more before showing the secret
    assert client.get(MFA_SET_UP)["Location"].startswith("/accounts/reauthenticate/")
    assert client.get("/accounts/reauthenticate/").status_code == 200
