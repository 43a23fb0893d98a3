"""The back office's list of accounts and an account's page (issue 14): the roles column
joined the lazily translated role labels and answered 500 for everyone who opened it."""

import pytest
from django.contrib import admin
from django.utils import translation

from accounts.models import User
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(coordinator, treasurer, board_member, representative, back_office_with_mfa):
    """One account of each role, and one with two roles (coordinator and representative)."""
    both = UserFactory(email="beide@groningen.example.nl", role=Role.REPRESENTATIVE)
    both.groups.add(*coordinator.groups.all())
    return {"coordinator": coordinator, "both": both, "back office": back_office_with_mfa}


@pytest.mark.parametrize(
    "client_fixture", ["back_office_client", "board_client", "superuser_client"]
)
def test_the_accounts_list_shows_each_accounts_roles_in_dutch(request, client_fixture, accounts):
    client = request.getfixturevalue(client_fixture)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<td class="field-roles">Coördinator, Vertegenwoordiger</td>' in page
    assert '<td class="field-roles">Backoffice</td>' in page
    assert '<td class="field-roles">Penningmeester</td>' in page


def test_the_roles_column_follows_the_language(accounts):
    roles = admin.site.get_model_admin(User).roles
    with translation.override("en"):
        assert roles(accounts["both"]) == "Coordinator, Representative"
    with translation.override("nl"):
        assert roles(accounts["both"]) == "Coördinator, Vertegenwoordiger"


@pytest.mark.parametrize("who", ["coordinator", "both", "back office"])
def test_the_back_office_opens_each_accounts_page(back_office_client, accounts, who):
    user = accounts[who]
    response = back_office_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    assert user.email in response.content.decode()
