"""Who may see NVSI's account: the treasurer, the NVSI board and superusers, each with a
second factor. Coordinators, the back office and representatives get the 404 of every page
outside their scope; anonymous visitors are sent to sign in; a treasurer or board member
without a second factor is sent to enrol one first."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory
from tests.supervision.conftest import client_for

pytestmark = pytest.mark.django_db

LISTS = [
    "supervision:index",
    "supervision:statements",
    "supervision:bank_lines",
    "supervision:payments",
    "supervision:receivables",
    "supervision:payout_runs",
    "supervision:transfer_files",
    "supervision:audit",
]


def every_url(account) -> list[str]:
    line = account["statement"].lines.get(reference="BANK-1")
    return [
        *[reverse(name) for name in LISTS],
        reverse("supervision:bank_line", args=[line.pk]),
        reverse("supervision:payout_run", args=[account["run"].pk]),
        reverse("supervision:payout_run_sepa", args=[account["run"].pk]),
        reverse("supervision:transfer_file", args=[account["transfer_file"].pk]),
        reverse("supervision:transfer_file_sepa", args=[account["transfer_file"].pk]),
    ]


@pytest.mark.parametrize("who", ["treasurer_client", "board_client", "superuser_client"])
def test_treasurer_board_and_superuser_open_every_page(request, account, who):
    http = request.getfixturevalue(who)
    for url in every_url(account):
        assert http.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "who", ["coordinator_client", "back_office_client", "representative_client"]
)
def test_other_roles_get_404(request, account, who):
    http = request.getfixturevalue(who)
    for url in every_url(account):
        assert http.get(url).status_code == 404, url


def test_anonymous_is_sent_to_sign_in(anonymous_client, account):
    for url in every_url(account):
        response = anonymous_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [Role.TREASURER, Role.NVSI_BOARD])
def test_without_a_second_factor_the_money_pages_wait(account, role):
    http = client_for(UserFactory(role=role))
    for url in every_url(account):
        response = http.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")


def test_the_menu_links_supervision_for_treasurer_and_board_only(
    treasurer_client, board_client, coordinator_client
):
    url = reverse("supervision:index")
    assert f'href="{url}"' in treasurer_client.get(reverse("home"), follow=True).content.decode()
    assert f'href="{url}"' in board_client.get(reverse("home"), follow=True).content.decode()
    assert (
        f'href="{url}"' not in coordinator_client.get(reverse("home"), follow=True).content.decode()
    )


def test_the_landing_page_counts(treasurer_client, account):
    response = treasurer_client.get(reverse("supervision:index"))
    overview = response.context["overview"]
    assert overview.statement_count == 1
    assert (overview.line_count, overview.unmatched_count) == (3, 1)
    assert overview.payment_count == 2
    assert overview.payout_run_count == 2
    assert overview.transfer_file_count == 1
    assert overview.audit_event_count > 0


def test_empty_pages_say_so(treasurer_client):
    for name, text in [
        ("supervision:statements", "Er is nog geen bankafschrift ingelezen."),
        ("supervision:bank_lines", "Er zijn nog geen bankregels."),
        ("supervision:payout_runs", "Er zijn nog geen betaalmomenten."),
    ]:
        assert text in treasurer_client.get(reverse(name)).content.decode(), name
