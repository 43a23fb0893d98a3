"""The premiums back office: payout runs prepared from a form (the service's refusals on the
form), read-only pages with their lines and those left out, the SEPA file only once
approved, marked paid and cancelled through the services; the accrual ledger read-only with
its filters and search. Coordinators are kept out."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from premiums.models import PayoutRun, PremiumAccrual
from premiums.services import payout_run_approve, payout_run_prepare
from tests.factories import UserFactory
from tests.placements.factories import CandidateFactory
from tests.premiums.test_premiums_payouts import work

D = Decimal
JUNE = datetime.date(2026, 6, 30)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # assert the English text
    return client


@pytest.fixture
def staff(back_office_with_mfa):
    return back_office_with_mfa


@pytest.fixture
def staff_client(staff):
    return _client(staff)


@pytest.fixture
def worked(town, framework, staff):
    """Anna 2 days (32.00, client number K-ANNA), Cees without an IBAN (16.00)."""
    anna = CandidateFactory(
        municipality=town, first_name="Anna", last_name="Aalders", client_number="K-ANNA"
    )
    cees = CandidateFactory(municipality=town, first_name="Cees", last_name="Claassen", iban="")
    work(anna, [2, 3], actor=staff)
    work(cees, [2], actor=staff)
    return anna, cees


@pytest.fixture
def prepared(town, worked, staff):
    return payout_run_prepare(municipality=town, payout_date=JUNE, actor=staff)


@pytest.fixture
def approved(prepared, town_coordinator):
    return payout_run_approve(run=prepared, actor=town_coordinator)


def _url(name, run=None):
    return reverse(f"admin:premiums_payoutrun_{name}", args=[run.pk] if run else [])


# --- Lists and pages -----------------------------------------------------------------------


def test_the_run_list_shows_runs_filters_and_searches(staff_client, prepared, town):
    changelist = _url("changelist")
    for query in (
        "",
        "?status__exact=prepared",
        f"?municipality__id__exact={town.pk}",
        "?q=GM0014",
        "?q=Groningen",
    ):
        response = staff_client.get(changelist + query)
        assert response.status_code == 200, query
        page = response.content.decode()
        assert "Groningen" in page and "32.00" in page, query
    assert _url("prepare") in staff_client.get(changelist).content.decode()
    empty = staff_client.get(changelist + "?status__exact=paid").content.decode()
    assert "32.00" not in empty


def test_the_run_page_is_read_only_with_its_lines_and_exclusions(staff_client, prepared):
    response = staff_client.get(_url("change", prepared))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Anna Aalders" in page and "Cees Claassen" in page
    assert "No IBAN" in page
    assert 'name="_save"' not in page
    assert _url("cancel", prepared) in page
    assert _url("sepa", prepared) not in page  # not approved yet
    assert _url("mark_paid", prepared) not in page
    # no change, add or delete through the generic admin
    assert staff_client.post(_url("change", prepared), {"total": "1.00"}).status_code == 403
    assert staff_client.get(_url("add")).status_code == 403
    assert staff_client.get(_url("delete", prepared)).status_code == 403
    prepared.refresh_from_db()
    assert prepared.total == D("32.00")


# --- Prepare -------------------------------------------------------------------------------


def test_prepare_from_the_form(staff_client, worked, town):
    assert staff_client.get(_url("prepare")).status_code == 200
    response = staff_client.post(
        _url("prepare"), {"municipality": town.pk, "payout_date": "2026-06-30"}
    )
    run = PayoutRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("change", run)
    assert (run.municipality, run.payout_date, run.total, run.line_count) == (
        town,
        JUNE,
        D("32.00"),
        1,
    )


def test_the_payout_date_is_chosen_from_the_moments(staff_client, worked, town):
    page = staff_client.get(_url("prepare")).content.decode()
    assert '<select name="payout_date"' in page
    assert '<option value="2026-06-30"' in page and ">30-06-2026</option>" in page
    assert '<option value="2026-12-31"' in page
    response = staff_client.post(
        _url("prepare"), {"municipality": town.pk, "payout_date": "2026-06-15"}
    )
    assert response.status_code == 200
    assert "payout_date" in response.context["form"].errors  # not a moment: not offered
    assert not PayoutRun.objects.exists()


def test_the_prepare_form_shows_the_service_refusal(staff_client, worked, town, monkeypatch):
    """A moment of another framework, not the municipality's: refused by the service."""
    from premiums import admin as premiums_admin

    monkeypatch.setattr(
        premiums_admin,
        "payout_moment_choices",
        lambda today: [datetime.date(2026, 6, 15), datetime.date(2026, 6, 30)],
    )
    response = staff_client.post(
        _url("prepare"), {"municipality": town.pk, "payout_date": "2026-06-15"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["payout_date"] == [
        "15-06-2026 is not a payout moment of Groningen (06-30, 12-31)."
    ]
    assert not PayoutRun.objects.exists()


def test_the_municipality_is_found_by_autocomplete(staff_client, town, other_town):
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "premiums",
            "model_name": "payoutrun",
            "field_name": "municipality",
            "term": "Gron",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [str(town)]


# --- SEPA file, paid, cancel ---------------------------------------------------------------


def test_the_sepa_file_only_once_approved(staff_client, prepared, town_coordinator):
    assert staff_client.get(_url("sepa", prepared)).status_code == 404
    run = payout_run_approve(run=prepared, actor=town_coordinator)
    assert _url("sepa", run) in staff_client.get(_url("change", run)).content.decode()
    response = staff_client.get(_url("sepa", run))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="premie-GM0014-2026-06-30.xml"'
    )
    assert response.content.decode() == run.sepa_xml
    assert run.sepa_message_id in run.sepa_xml


def test_mark_paid_from_its_page(staff_client, prepared, town_coordinator):
    response = staff_client.post(_url("mark_paid", prepared), {"paid_on": "2026-07-01"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Only an approved payout run can be marked paid."
    ]
    run = payout_run_approve(run=prepared, actor=town_coordinator)
    assert _url("mark_paid", run) in staff_client.get(_url("change", run)).content.decode()
    assert staff_client.get(_url("mark_paid", run)).status_code == 200
    response = staff_client.post(_url("mark_paid", run), {"paid_on": "2026-07-01"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.paid_on) == ("paid", datetime.date(2026, 7, 1))


def test_cancel_a_prepared_run_from_its_page(staff_client, prepared):
    assert staff_client.get(_url("cancel", prepared)).status_code == 200
    response = staff_client.post(_url("cancel", prepared))
    assert response.status_code == 302
    assert response["Location"] == _url("changelist")
    assert not PayoutRun.objects.exists()
    assert not PremiumAccrual.objects.filter(payout_line__isnull=False).exists()
    assert staff_client.post(_url("cancel", prepared)).status_code == 404


def test_an_approved_run_is_not_cancelled_from_the_admin(staff_client, approved):
    assert (
        _url("cancel", approved) not in staff_client.get(_url("change", approved)).content.decode()
    )
    response = staff_client.post(_url("cancel", approved))
    assert response.status_code == 200
    assert "Only a prepared payout run can be cancelled" in response.content.decode()
    assert PayoutRun.objects.filter(pk=approved.pk, status="approved").exists()


# --- Kept out ------------------------------------------------------------------------------


def test_a_coordinator_gets_nothing_from_the_back_office(approved, town_coordinator, town):
    client = _client(town_coordinator)
    for url in (
        _url("changelist"),
        _url("change", approved),
        _url("sepa", approved),
        _url("prepare"),
        reverse("admin:premiums_premiumaccrual_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url  # not staff: to the sign-in, which sends
        assert response["Location"].startswith(reverse("admin:login")), url  # them home
        assert approved.sepa_message_id not in response.content.decode()
    assert client.get(reverse("admin:login")).url == reverse("home")
    assert client.post(_url("cancel", approved)).status_code == 302
    client.post(_url("prepare"), {"municipality": town.pk, "payout_date": "2026-12-31"})
    assert list(PayoutRun.objects.values_list("pk", "status")) == [(approved.pk, "approved")]


def test_staff_without_the_premiums_permissions_get_403(approved, prepared, town):
    """Staff of another role (no premiums permissions) reach the admin but not these pages."""
    outsider = UserFactory(role=Role.COORDINATOR, is_staff=True, municipalities=[town], mfa=True)
    client = _client(outsider)
    assert client.get(_url("sepa", approved)).status_code == 403
    assert client.get(_url("prepare")).status_code == 403
    assert client.post(_url("mark_paid", approved), {"paid_on": "2026-07-01"}).status_code == 403
    assert client.post(_url("cancel", approved)).status_code == 403
    assert client.get(_url("changelist")).status_code == 403
    approved.refresh_from_db()
    assert approved.status == "approved"


# --- The accrual ledger --------------------------------------------------------------------


def test_the_accrual_ledger_lists_filters_and_searches(staff_client, prepared, worked, town):
    url = reverse("admin:premiums_premiumaccrual_changelist")
    expected = {
        "": {"Anna Aalders", "Cees Claassen"},
        "?reason__exact=": {"Anna Aalders", "Cees Claassen"},
        "?kind__exact=accrual": {"Anna Aalders", "Cees Claassen"},
        "?year=2026": {"Anna Aalders", "Cees Claassen"},
        "?year=2025": set(),
        "?paid=yes": {"Anna Aalders"},
        "?paid=no": {"Cees Claassen"},
        f"?municipality={town.pk}": {"Anna Aalders", "Cees Claassen"},
        "?q=Aalders": {"Anna Aalders"},
        "?q=K-ANNA": {"Anna Aalders"},
        "?reason__exact=cap_reached": set(),
    }
    for query, names in expected.items():
        response = staff_client.get(url + query)
        assert response.status_code == 200, query
        shown = {str(row.candidate.full_name) for row in response.context["cl"].result_list}
        assert shown == names, query
    page = staff_client.get(url + "?paid=yes").content.decode()
    assert _url("change", prepared) in page  # "paid in" links to the run


def test_the_accrual_ledger_is_read_only(staff_client, worked):
    accrual = PremiumAccrual.objects.filter(candidate=worked[0]).first()
    change = reverse("admin:premiums_premiumaccrual_change", args=[accrual.pk])
    response = staff_client.get(change)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert staff_client.post(change, {"amount": "999.00"}).status_code == 403
    assert staff_client.get(reverse("admin:premiums_premiumaccrual_add")).status_code == 403
    delete = reverse("admin:premiums_premiumaccrual_delete", args=[accrual.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    accrual.refresh_from_db()
    assert accrual.amount == D("16.00")
