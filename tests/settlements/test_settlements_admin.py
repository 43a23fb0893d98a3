"""The settlements admin: the back office lists, filters, submits and recomputes through the
services and starts runs whose progress shows; the treasurer only views; nothing is edited,
added or deleted by hand."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from settlements.admin.runs import recent_half_years
from settlements.models import Settlement, SettlementRun
from settlements.services import runs, settlement_compute, settlement_submit
from settlements.services.runs import settlement_run_period
from tests.settlements.conftest import H1_2026

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:settlements_settlement_changelist"
RUNS = "admin:settlements_settlementrun_changelist"


@pytest.fixture(autouse=True)
def _english_pages(request, settings):
    """The pages are Dutch by default; these tests read the English msgids."""
    for name in ("back_office_user_client", "treasurer_staff_client"):
        if name in request.fixturenames:
            request.getfixturevalue(name).cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


@pytest.fixture
def both(town, other_town, town_documents):
    mine, _c = settlement_compute(municipality=town, period=H1_2026, actor=None)
    theirs, _c = settlement_compute(municipality=other_town, period=H1_2026, actor=None)
    return mine, theirs


def test_the_list_shows_the_figures_and_filters(
    both, back_office_user_client, django_assert_max_num_queries
):
    url = reverse(CHANGELIST)
    with django_assert_max_num_queries(20):
        page = _page(back_office_user_client, url)
    for text in ("Groningen (GM0014)", "Assen (GM0106)", "2026-H1", "398.00", "119.40", "3.98"):
        assert text in page
    assert "Submit to the treasurer" in page and "Recompute" in page
    assert "Add settlement" not in page
    mine, theirs = both
    page = _page(back_office_user_client, f"{url}?municipality__id__exact={theirs.municipality_id}")
    assert reverse("admin:settlements_settlement_change", args=[theirs.pk]) in page
    assert reverse("admin:settlements_settlement_change", args=[mine.pk]) not in page
    assert "1 settlement" in page
    page = _page(back_office_user_client, f"{url}?period=2026-H1&status__exact=draft")
    assert "2 settlements" in page
    page = _page(back_office_user_client, f"{url}?period=2025-H2")
    assert "0 settlements" in page
    page = _page(back_office_user_client, f"{url}?q=GM0014")
    assert "1 settlement" in page


def test_the_change_page_is_read_only_with_the_breakdown(both, back_office_user_client):
    mine, _theirs = both
    url = reverse("admin:settlements_settlement_change", args=[mine.pk])
    page = _page(back_office_user_client, url)
    assert 'name="gross"' not in page and 'name="result"' not in page
    assert 'name="_save"' not in page
    assert "Breakdown by month" in page and "2026-04" in page
    assert "Breakdown by client" in page
    assert "398.00" in page and "115.42" in page  # G and F - Co
    assert reverse("admin:settlements_settlement_submit", args=[mine.pk]) in page
    # A POST to the change page changes nothing.
    response = back_office_user_client.post(url, {"gross": "1.00", "result": "1.00"})
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.gross == Decimal("398.00")
    assert (
        back_office_user_client.get(reverse("admin:settlements_settlement_add")).status_code == 403
    )
    delete = reverse("admin:settlements_settlement_delete", args=[mine.pk])
    assert back_office_user_client.post(delete, {"post": "yes"}).status_code == 403
    assert Settlement.objects.filter(pk=mine.pk).exists()


def test_submit_action_with_a_message_per_settlement(
    both, back_office_user, back_office_user_client
):
    mine, theirs = both
    settlement_submit(settlement=theirs, actor=back_office_user)
    response = back_office_user_client.post(
        reverse(CHANGELIST),
        {"action": "submit_to_treasurer", "_selected_action": [mine.pk, theirs.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Groningen (GM0014) 2026-H1 submitted to the treasurer." in page
    assert "Assen (GM0106) 2026-H1 was already submitted." in page
    mine.refresh_from_db()
    assert (mine.status, mine.submitted_by) == ("submitted", back_office_user)


def test_recompute_action_drafts_only(
    both, issue_invoice, back_office_user, back_office_user_client
):
    mine, theirs = both
    settlement_submit(settlement=theirs, actor=back_office_user)
    theirs.refresh_from_db()
    before = (theirs.gross, theirs.computed_at)
    issue_invoice(municipality=mine.municipality, hours=("1.00",), rate="20.00")
    issue_invoice(municipality=theirs.municipality, hours=("1.00",), rate="20.00")
    response = back_office_user_client.post(
        reverse(CHANGELIST),
        {"action": "recompute", "_selected_action": [mine.pk, theirs.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Groningen (GM0014) 2026-H1 recomputed: G 418.00" in page
    assert "Assen (GM0106) 2026-H1 is submitted: only drafts and rejected settlements" in page
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.gross == Decimal("418.00")
    assert (theirs.gross, theirs.computed_at) == before


def test_submit_and_recompute_from_the_settlement_page(
    both, back_office_user_client, back_office_user
):
    mine, _theirs = both
    recompute = reverse("admin:settlements_settlement_recompute", args=[mine.pk])
    page = _page(back_office_user_client, recompute)
    assert "Recompute Groningen (GM0014) 2026-H1" in page and "398.00" in page
    assert back_office_user_client.post(recompute).status_code == 302
    submit = reverse("admin:settlements_settlement_submit", args=[mine.pk])
    assert "Submit Groningen (GM0014) 2026-H1 to the treasurer" in _page(
        back_office_user_client, submit
    )
    response = back_office_user_client.post(submit)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:settlements_settlement_change", args=[mine.pk])
    mine.refresh_from_db()
    assert mine.status == "submitted"
    page = _page(back_office_user_client, response["Location"])
    assert submit not in page and recompute not in page


def test_the_treasurer_views_but_does_not_change(both, treasurer_staff_client):
    mine, _theirs = both
    page = _page(treasurer_staff_client, reverse(CHANGELIST))
    assert "Groningen (GM0014)" in page
    assert "Submit to the treasurer" not in page and 'name="action"' not in page
    change = reverse("admin:settlements_settlement_change", args=[mine.pk])
    page = _page(treasurer_staff_client, change)
    assert "398.00" in page and "Breakdown by month" in page
    assert reverse("admin:settlements_settlement_submit", args=[mine.pk]) not in page
    for name in ("submit", "recompute"):
        url = reverse(f"admin:settlements_settlement_{name}", args=[mine.pk])
        assert treasurer_staff_client.post(url).status_code == 403
    response = treasurer_staff_client.post(
        reverse(CHANGELIST), {"action": "submit_to_treasurer", "_selected_action": [mine.pk]}
    )
    assert response.status_code in (200, 302)
    mine.refresh_from_db()
    assert mine.status == "draft"
    assert treasurer_staff_client.post(change, {"gross": "1"}).status_code == 403
    # Runs: visible with their progress, no start.
    run = settlement_run_period(period=H1_2026, actor=None)
    page = _page(treasurer_staff_client, reverse(RUNS))
    assert "2 / 2 (100%)" in page
    assert reverse("admin:settlements_settlementrun_start") not in page
    page = _page(
        treasurer_staff_client, reverse("admin:settlements_settlementrun_change", args=[run.pk])
    )
    assert "Assen (GM0106)" in page and "Computed" in page
    assert (
        treasurer_staff_client.get(reverse("admin:settlements_settlementrun_start")).status_code
        == 403
    )


def test_a_coordinator_has_no_admin(both, coordinator_client):
    response = coordinator_client.get(reverse(CHANGELIST))
    assert response.status_code == 302 and "login" in response["Location"]


def test_start_a_run_from_the_admin_and_follow_its_progress(
    member_towns,
    town_documents,
    back_office_user,
    back_office_user_client,
    django_capture_on_commit_callbacks,
):
    start = reverse("admin:settlements_settlementrun_start")
    assert start in _page(back_office_user_client, reverse(RUNS))
    page = _page(back_office_user_client, start)
    periods = [str(p) for p in recent_half_years()]
    just_ended = periods[1]
    assert f'<option value="{just_ended}" selected>{just_ended}</option>' in page
    assert all(f'<option value="{p}"' in page for p in periods)
    assert "All members of the half-year" in page
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = back_office_user_client.post(start, {"period": "2026-H1", "municipality": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(callbacks) == 1
    run = SettlementRun.objects.get()
    assert response["Location"] == reverse("admin:settlements_settlementrun_change", args=[run.pk])
    page = _page(back_office_user_client, response["Location"])
    assert "2 / 2 (100%)" in page and '<progress max="100" value="100">' in page
    assert 'http-equiv="refresh"' not in page  # done: no more reloading
    assert "Groningen (GM0014)" in page and "Assen (GM0106)" in page
    assert f"?run__id__exact={run.pk}" in page
    page = _page(back_office_user_client, reverse(CHANGELIST) + f"?run__id__exact={run.pk}")
    assert "2 settlements" in page
    assert run.started_by == back_office_user


def test_a_running_run_reloads_its_pages(member_towns, back_office_user, back_office_user_client):
    with transaction.atomic():
        run = runs._record(period=H1_2026, actor=back_office_user, municipality=None)
    page = _page(back_office_user_client, reverse(RUNS))
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "0 / 2 (0%)" in page
    page = _page(
        back_office_user_client, reverse("admin:settlements_settlementrun_change", args=[run.pk])
    )
    assert '<meta http-equiv="refresh" content="3">' in page and "Pending" in page
    # "Run again" on a running run resumes it.
    response = back_office_user_client.post(
        reverse(RUNS), {"action": "run_again", "_selected_action": [run.pk]}, follow=True
    )
    assert f"2026-H1: run {run.pk} under way." in response.content.decode()


def test_the_start_form_reports_refusals(member_towns, back_office_user_client):
    start = reverse("admin:settlements_settlementrun_start")
    prospective = member_towns["prospective_town"]
    response = back_office_user_client.post(
        start, {"period": "2026-H1", "municipality": prospective.pk}
    )
    assert response.status_code == 200
    assert "was not a member in 2026-H1" in response.content.decode()
    response = back_office_user_client.post(start, {"period": "2019-H1"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not SettlementRun.objects.exists()


def test_a_one_municipality_run_from_the_admin(
    member_towns, back_office_user_client, django_capture_on_commit_callbacks
):
    town = member_towns["town"]
    with django_capture_on_commit_callbacks(execute=True):
        response = back_office_user_client.post(
            reverse("admin:settlements_settlementrun_start"),
            {"period": "2026-H1", "municipality": town.pk},
        )
    assert response.status_code == 302
    run = SettlementRun.objects.get()
    assert (run.municipality, run.total, run.done, run.status) == (town, 1, 1, "done")
    assert "Groningen (GM0014)" in _page(back_office_user_client, reverse(RUNS))


def test_recent_half_years():
    periods = [str(p) for p in recent_half_years(datetime.date(2026, 11, 27))]
    assert periods == ["2026-H2", "2026-H1", "2025-H2", "2025-H1", "2024-H2", "2024-H1"]
