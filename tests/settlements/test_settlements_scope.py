"""Who may see which settlement page: one matrix over every settlement URL.

- anonymous: sent to sign in, everywhere;
- a coordinator of another municipality: 404 for the settlement, its drill-downs and its
  statement (a URL never confirms that a settlement exists);
- the coordinator of the settlement's municipality: reads it, never approves or rejects it;
- the treasurer: sees every settlement and the contribution overview, decides;
- the back office: sees every settlement and the contribution overview, never decides;
- a user without a role: 404.
"""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from settlements.models import Settlement, SettlementStatement
from settlements.selectors import (
    contribution_settlements,
    members_without_settlement,
    settlement_credit_lines,
    settlement_get_for_user,
    settlement_invoice_lines,
    settlement_list_for_user,
    settlement_run_list_for_user,
)
from tests.factories import UserFactory

from .conftest import H1_2026

pytestmark = pytest.mark.django_db

READ_URLS = ("detail", "invoice_lines", "credit_lines", "statement")
DECIDE_URLS = {"approve": {"approve-confirm": "on"}, "reject": {"reject-reason": "Onjuist"}}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stored(approved):
    """The approved settlement of town (GM0014) with its statement stored."""
    SettlementStatement.objects.create(
        settlement=approved,
        pdf=ContentFile(b"%PDF-1.7", name="statement.pdf"),
        fingerprint=approved.fingerprint,
    )
    return approved


def _urls(settlement) -> dict[str, str]:
    return {
        name: reverse(f"settlements:{name}", kwargs={"pk": settlement.pk}) for name in READ_URLS
    }


# --- Anonymous and no role ------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_everywhere(stored):
    client = Client()
    urls = [
        *_urls(stored).values(),
        reverse("settlements:list"),
        reverse("settlements:contribution"),
        reverse("settlements:dashboard"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    for name, data in DECIDE_URLS.items():
        response = client.post(reverse(f"settlements:{name}", kwargs={"pk": stored.pk}), data)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_gets_404(stored):
    client = _client(UserFactory())
    for url in [
        *_urls(stored).values(),
        reverse("settlements:list"),
        reverse("settlements:contribution"),
        reverse("settlements:dashboard"),
    ]:
        assert client.get(url).status_code == 404, url


# --- Coordinators -----------------------------------------------------------------------------


def test_a_coordinator_of_another_municipality_gets_404(other_coordinator, stored):
    client = _client(other_coordinator)
    for name, url in _urls(stored).items():
        assert client.get(url).status_code == 404, name
        assert client.get(url, {"format": "csv"}).status_code == 404, name
    for name, data in DECIDE_URLS.items():
        url = reverse(f"settlements:{name}", kwargs={"pk": stored.pk})
        assert client.post(url, data).status_code == 404
    listing = client.get(reverse("settlements:list"))
    assert listing.status_code == 200
    assert listing.context["page"].paginator.count == 0
    assert b"Groningen" not in listing.content
    # Nor through the list's export, or the dashboard's municipality filter.
    csv = b"".join(client.get(reverse("settlements:list"), {"format": "csv"}).streaming_content)
    assert b"GM0014" not in csv
    dashboard = client.get(reverse("settlements:dashboard"), {"municipality": "GM0014"})
    assert dashboard.status_code == 200
    assert dashboard.context["form"].errors["municipality"]
    assert [m.cbs_code for m in dashboard.context["municipalities"]] == ["GM0106"]


def test_the_coordinator_of_the_municipality_reads_but_never_decides(coordinator, stored):
    client = _client(coordinator)
    for name, url in _urls(stored).items():
        assert client.get(url).status_code == 200, name
    assert client.get(reverse("settlements:list")).context["page"].paginator.count == 1
    assert client.get(reverse("settlements:dashboard")).status_code == 200


def test_a_coordinator_cannot_approve_or_reject(coordinator, submitted):
    client = _client(coordinator)
    for name, data in DECIDE_URLS.items():
        response = client.post(reverse(f"settlements:{name}", kwargs={"pk": submitted.pk}), data)
        assert response.status_code in (403, 404)
    submitted.refresh_from_db()
    assert submitted.status == Settlement.Status.SUBMITTED
    page = client.get(reverse("settlements:detail", kwargs={"pk": submitted.pk}))
    assert b"goedkeuren/" not in page.content


def test_the_contribution_overview_is_not_for_coordinators(coordinator, submitted):
    assert _client(coordinator).get(reverse("settlements:contribution")).status_code == 404
    assert b'href="/contributie/"' not in _client(coordinator).get("/afrekeningen/").content


# --- Treasurer and back office -------------------------------------------------------------


def test_the_treasurer_sees_every_settlement(treasurer_user, stored, other_town, issue_invoice):
    from settlements.services import settlement_compute

    issue_invoice(municipality=other_town)
    other, _ = settlement_compute(municipality=other_town, period=H1_2026, actor=None)
    client = _client(treasurer_user)
    for settlement in (stored, other):
        for name, url in _urls(settlement).items():
            expected = 404 if name == "statement" and settlement == other else 200
            assert client.get(url).status_code == expected, (settlement, name)
    assert client.get(reverse("settlements:list")).context["page"].paginator.count == 2
    assert client.get(reverse("settlements:contribution")).status_code == 200


def test_the_back_office_reads_everything_but_never_decides(back_office_user, submitted):
    client = _client(back_office_user)
    for name, url in _urls(submitted).items():
        expected = 404 if name == "statement" else 200
        assert client.get(url).status_code == expected, name
    assert client.get(reverse("settlements:contribution")).status_code == 200
    for name, data in DECIDE_URLS.items():
        response = client.post(reverse(f"settlements:{name}", kwargs={"pk": submitted.pk}), data)
        assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Settlement.Status.SUBMITTED


def test_decisions_are_posts_only(treasurer_user, submitted):
    client = _client(treasurer_user)
    for name in DECIDE_URLS:
        url = reverse(f"settlements:{name}", kwargs={"pk": submitted.pk})
        assert client.get(url).status_code == 405


def test_an_unknown_settlement_is_404(treasurer_user):
    client = _client(treasurer_user)
    for name in READ_URLS:
        assert client.get(reverse(f"settlements:{name}", kwargs={"pk": 999999})).status_code == 404


# --- The selectors themselves ---------------------------------------------------------------


def test_the_selectors_scope(
    coordinator, other_coordinator, treasurer_user, back_office_user, stored
):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    nobody = UserFactory()
    for user in (treasurer_user, back_office_user, coordinator):
        assert list(settlement_list_for_user(user=user)) == [stored]
        assert settlement_get_for_user(user=user, pk=stored.pk) == stored
    for user in (other_coordinator, nobody, AnonymousUser()):
        assert not settlement_list_for_user(user=user).exists()
        with pytest.raises(Http404):
            settlement_get_for_user(user=user, pk=stored.pk)
    for user in (coordinator, other_coordinator, nobody, AnonymousUser()):
        assert not contribution_settlements(user=user, periods=[H1_2026]).exists()
        assert members_without_settlement(user=user, periods=[H1_2026]) == []
        assert not settlement_run_list_for_user(user=user).exists()
    assert list(contribution_settlements(user=treasurer_user, periods=[H1_2026])) == [stored]


def test_the_drill_down_takes_only_the_documents_of_its_settlement(
    town, other_town, issue_invoice, credit_invoice
):
    """Same filters as settlements.figures: issued, dated in the half-year, this municipality."""
    import datetime

    from settlements.services import settlement_compute

    in_h1 = issue_invoice(municipality=town, hours=("8.00",), rate="20.00")
    issue_invoice(municipality=other_town)  # another municipality
    issue_invoice(municipality=town, month=datetime.date(2026, 6, 1))  # dated 2 July: H2
    credit_invoice(in_h1, credit_date=datetime.date(2026, 7, 3))  # H2
    settlement, _ = settlement_compute(municipality=town, period=H1_2026, actor=None)
    lines = settlement_invoice_lines(settlement)
    assert [line.invoice_id for line in lines] == [in_h1.pk]
    assert not settlement_credit_lines(settlement).exists()
    assert settlement.invoice_line_count == lines.count()
    assert settlement.credit_line_count == 0
    assert sum(line.amount for line in lines) == settlement.gross
