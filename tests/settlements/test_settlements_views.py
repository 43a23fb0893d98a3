"""The settlement pages: the treasurer's queue, the settlement page with its figures and
meanings, approve and reject (confirmation, reason, four eyes), the drill-down to the
documents, the statement download, the contribution overview whose totals add up, and the
coordinator's dashboard.

The documents (conftest `town_documents`), 2026-H1, fee 30%, contribution 1% + 1%:
town: 12 h at 16.50 and 10 h at 20.00 -> G 398.00, P 44.00, F 119.40, Cm 3.98, Co 3.98,
result 230.62, operator receives 115.42, NVSI receives 7.96; other_town: 6 h at 15.00 ->
G 90.00, P 12.00, F 27.00, Cm 0.90, Co 0.90, result 49.20.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.roles import Role
from settlements.models import Period, Settlement, SettlementStatement
from settlements.services import settlement_compute, settlement_submit
from tests.factories import UserFactory

from .conftest import H1_2026

pytestmark = pytest.mark.django_db
D = Decimal
NBSP = "\u00a0"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _nl(text: str) -> str:
    """A status as the exports write it: in Dutch (the catalogue is the lead's)."""
    with translation.override("nl"):
        return gettext(text)


def _page(response) -> str:
    return response.content.decode()


@pytest.fixture
def other_draft(other_town, town_documents):
    settlement, _ = settlement_compute(municipality=other_town, period=H1_2026, actor=None)
    return settlement


@pytest.fixture
def treasurer_client(treasurer_user):
    return _client(treasurer_user)


# --- The queue -------------------------------------------------------------------------------


def test_the_queue_lists_submitted_settlements_first(
    treasurer_client, submitted, other_draft, back_office_user
):
    response = treasurer_client.get(reverse("settlements:list"))
    assert response.status_code == 200
    listed = list(response.context["page"].object_list)
    assert [s.pk for s in listed] == [submitted.pk, other_draft.pk]
    assert response.context["waiting_count"] == 1
    page = _page(response)
    assert reverse("settlements:detail", kwargs={"pk": submitted.pk}) in page
    assert "?status=submitted" in page


def test_the_queue_filters_by_period_and_status(treasurer_client, submitted, other_draft):
    url = reverse("settlements:list")
    by_status = treasurer_client.get(url, {"status": "draft"}).context["page"].object_list
    assert [s.pk for s in by_status] == [other_draft.pk]
    by_period = treasurer_client.get(url, {"period": "2025-H2"})
    assert list(by_period.context["page"].object_list) == []
    assert "2025-H2" in _page(by_period)
    assert treasurer_client.get(url, {"period": "2026-h1"}).context["page"].paginator.count == 2
    bad = treasurer_client.get(url, {"period": "H1-2026"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["period"]


def test_an_empty_queue_says_so(treasurer_client):
    response = treasurer_client.get(reverse("settlements:list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "empty-state" in _page(response)


def test_the_list_exports(treasurer_client, submitted):
    from openpyxl import load_workbook

    url = reverse("settlements:list")
    csv = b"".join(treasurer_client.get(url, {"format": "csv"}).streaming_content).decode()
    header, row = csv.lstrip("\ufeff").strip().split("\r\n")
    assert header.startswith("Gemeente;CBS-code;Halfjaar;Status;Uren;Bruto-omzet (G)")
    assert row.startswith(
        f"Groningen;GM0014;2026-H1;{_nl('Submitted')};22,00;398,00;44,00;119,40;3,98;3,98;"
        "230,62;115,42;7,96;"
    )
    xlsx = treasurer_client.get(url, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][5] == 398


# --- The settlement page ---------------------------------------------------------------------


def test_the_page_shows_every_figure_with_its_meaning(treasurer_client, submitted):
    response = treasurer_client.get(reverse("settlements:detail", kwargs={"pk": submitted.pk}))
    assert response.status_code == 200
    assert response.context["adds_up"] is True
    assert [f.amount for f in response.context["figures"]] == [
        D("398.00"),
        D("44.00"),
        D("119.40"),
        D("3.98"),
        D("3.98"),
        D("230.62"),
        D("115.42"),
        D("7.96"),
    ]
    fee = response.context["figures"][2]  # G, P, F, ...: the labels are in Dutch
    assert fee.percentage == D("30.00")
    page = _page(response)
    # Dutch formats: 1.234,56 with the euro sign.
    for amount in ("398,00", "44,00", "119,40", "3,98", "230,62", "115,42", "7,96"):
        assert f"€{NBSP}{amount}" in page
    assert "30,00" in page
    # The invariant line, with every part.
    assert "P + (F − Co) + (Cm + Co)" in page
    # Each term keeps together; on a phone the line wraps between them.
    invariant = re.sub(r"<[^>]+>", "", page.split('id="invariant"', 1)[1].split("</p>", 1)[0])
    expected = f"€{NBSP}44,00 + €{NBSP}115,42 + €{NBSP}7,96 + €{NBSP}230,62 = €{NBSP}398,00"
    assert expected in re.sub(r"[ \t\n]+", " ", invariant)


def test_the_breakdown_by_month_and_client_adds_up(treasurer_client, submitted):
    response = treasurer_client.get(reverse("settlements:detail", kwargs={"pk": submitted.pk}))
    months = response.context["months"]
    assert [line.month for line in months] == [datetime.date(2026, 4, 1)]
    assert response.context["month_totals"] == {
        "hours": D("22.00"),
        "gross": D("398.00"),
        "premiums": D("44.00"),
    }
    assert len(response.context["clients"]) == 2
    assert response.context["client_totals"]["gross"] == D("398.00")
    assert response.context["documents"]["net"] == D("398.00")
    # The page shows both tables: the month by name, every client, each with its totals row.
    page = _page(response)
    assert "April 2026" in page
    for line in response.context["clients"]:
        assert line.client_name in page
    assert page.count(f"€{NBSP}398,00") >= 3  # G in the figures, and both totals rows


def test_a_draft_is_marked_provisional_for_the_coordinator(coordinator, draft):
    response = _client(coordinator).get(reverse("settlements:detail", kwargs={"pk": draft.pk}))
    assert response.status_code == 200
    page = _page(response)
    assert "badge-info" in page
    assert "Provisional." in page or "Voorlopig." in page
    assert 'action="/afrekeningen/' not in page  # no decision forms


def test_a_negative_result_is_an_amount_owed(treasurer_client, town, issue_invoice, credit_invoice):
    invoice = issue_invoice(municipality=town, hours=("8.00",), rate="20.00")
    credit_invoice(invoice, credit_date=datetime.date(2026, 7, 3))
    settlement, _ = settlement_compute(municipality=town, period=Period(2026, 2), actor=None)
    assert settlement.result < 0
    response = treasurer_client.get(reverse("settlements:detail", kwargs={"pk": settlement.pk}))
    assert response.context["adds_up"] is True
    assert "is-negative" in _page(response)
    assert response.context["documents"]["credited"]["count"] == 1


# --- Approve and reject -------------------------------------------------------------------------


def test_the_treasurer_approves_with_confirmation(
    treasurer_client, treasurer_user, submitted, django_capture_on_commit_callbacks
):
    url = reverse("settlements:approve", kwargs={"pk": submitted.pk})
    refused = treasurer_client.post(url, {})
    assert refused.status_code == 400
    assert refused.context["approve_form"].errors["confirm"]
    submitted.refresh_from_db()
    assert submitted.status == Settlement.Status.SUBMITTED

    with django_capture_on_commit_callbacks() as callbacks:
        response = treasurer_client.post(url, {"approve-confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("settlements:detail", kwargs={"pk": submitted.pk})
    # On commit: the statement and payment task, and the announcement (settlements.signals).
    assert len(callbacks) == 2
    submitted.refresh_from_db()
    assert submitted.status == Settlement.Status.APPROVED
    assert submitted.decided_by == treasurer_user
    assert len(submitted.fingerprint) == 64

    page = _page(treasurer_client.get(response["Location"]))
    assert "badge-success" in page
    assert 'action="/afrekeningen/' not in page


def test_the_treasurer_rejects_with_a_reason(treasurer_client, submitted):
    url = reverse("settlements:reject", kwargs={"pk": submitted.pk})
    refused = treasurer_client.post(url, {"reject-reason": "  "})
    assert refused.status_code == 400
    assert refused.context["reject_form"].errors["reason"]
    submitted.refresh_from_db()
    assert submitted.status == Settlement.Status.SUBMITTED

    response = treasurer_client.post(url, {"reject-reason": "De creditnota van mei ontbreekt."})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Settlement.Status.REJECTED
    assert submitted.rejection_reason == "De creditnota van mei ontbreekt."
    page = _page(treasurer_client.get(response["Location"]))
    assert "De creditnota van mei ontbreekt." in page


def test_the_submitter_never_decides_their_own_submission(draft):
    """Four eyes: a person with both roles submits, then cannot approve or reject it."""
    both = UserFactory(role=Role.BACK_OFFICE, is_staff=True, mfa=True)
    from django.contrib.auth.models import Group

    both.groups.add(Group.objects.get(name=Role.TREASURER.value))
    settlement_submit(settlement=draft, actor=both)
    client = _client(both)

    page = client.get(reverse("settlements:detail", kwargs={"pk": draft.pk}))
    assert page.context["own_submission"] is True
    assert page.context["can_decide"] is False
    assert 'id="own-submission"' in _page(page)
    assert f'action="/afrekeningen/{draft.pk}/goedkeuren/"' not in _page(page)

    approve = client.post(
        reverse("settlements:approve", kwargs={"pk": draft.pk}), {"approve-confirm": "on"}
    )
    assert approve.status_code == 403
    assert "You submitted this settlement" in _page(approve) or "ingediend" in _page(approve)
    reject = client.post(
        reverse("settlements:reject", kwargs={"pk": draft.pk}), {"reject-reason": "Eigen fout"}
    )
    assert reject.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Settlement.Status.SUBMITTED
    assert draft.decided_by is None


def test_a_recomputed_draft_shows_the_earlier_rejection(treasurer_client, submitted, town):
    treasurer_client.post(
        reverse("settlements:reject", kwargs={"pk": submitted.pk}),
        {"reject-reason": "Uren van juni ontbreken."},
    )
    settlement, computed = settlement_compute(municipality=town, period=H1_2026, actor=None)
    assert computed and settlement.status == Settlement.Status.DRAFT
    page = _page(treasurer_client.get(reverse("settlements:detail", kwargs={"pk": submitted.pk})))
    assert "Uren van juni ontbreken." in page
    assert 'action="/afrekeningen/' not in page  # a draft waits for the back office


def test_a_draft_cannot_be_approved(treasurer_client, draft):
    response = treasurer_client.post(
        reverse("settlements:approve", kwargs={"pk": draft.pk}), {"approve-confirm": "on"}
    )
    assert response.status_code == 400
    assert response.context["failed_form"].non_field_errors()
    draft.refresh_from_db()
    assert draft.status == Settlement.Status.DRAFT


def test_approving_twice_changes_nothing(treasurer_client, approved):
    decided_at = approved.decided_at
    response = treasurer_client.post(
        reverse("settlements:approve", kwargs={"pk": approved.pk}), {"approve-confirm": "on"}
    )
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.decided_at == decided_at


def test_the_other_treasurer_sees_no_forms_on_an_approved_settlement(
    other_treasurer_user, approved
):
    page = _page(
        _client(other_treasurer_user).get(reverse("settlements:detail", kwargs={"pk": approved.pk}))
    )
    assert "goedkeuren/" not in page
    assert approved.fingerprint in page


# --- Drill-down and the statement ---------------------------------------------------------------


def test_the_invoice_lines_of_a_settlement(treasurer_client, submitted, town_documents):
    response = treasurer_client.get(
        reverse("settlements:invoice_lines", kwargs={"pk": submitted.pk})
    )
    assert response.status_code == 200
    lines = list(response.context["page"].object_list)
    assert len(lines) == 2
    assert response.context["totals"]["amount"] == D("398.00")
    page = _page(response)
    for invoice in town_documents["town"]:
        assert invoice.number in page
    assert town_documents["other_town"][0].number not in page


def test_the_credit_note_lines_of_a_settlement(
    treasurer_client, town, issue_invoice, credit_invoice
):
    invoice = issue_invoice(municipality=town, hours=("8.00",), rate="20.00")
    note = credit_invoice(invoice, credit_date=datetime.date(2026, 5, 4))
    settlement, _ = settlement_compute(municipality=town, period=H1_2026, actor=None)
    assert settlement.gross == D("0.00")
    response = treasurer_client.get(
        reverse("settlements:credit_lines", kwargs={"pk": settlement.pk})
    )
    assert response.status_code == 200
    assert response.context["totals"]["amount"] == D("160.00")
    page = _page(response)
    assert note.number in page
    assert invoice.number in page
    csv = b"".join(
        treasurer_client.get(
            reverse("settlements:credit_lines", kwargs={"pk": settlement.pk}), {"format": "csv"}
        ).streaming_content
    ).decode()
    assert f"{note.number};04-05-2026;{invoice.number};" in csv


def test_the_drill_down_is_paginated(treasurer_client, submitted, monkeypatch):
    monkeypatch.setattr("settlements.views.LINES_PAGE_SIZE", 1)
    url = reverse("settlements:invoice_lines", kwargs={"pk": submitted.pk})
    first = treasurer_client.get(url)
    assert first.context["page"].paginator.num_pages == 2
    assert treasurer_client.get(url, {"page": 2}).context["page"].number == 2


@pytest.fixture
def statement(approved):
    return SettlementStatement.objects.create(
        settlement=approved,
        pdf=ContentFile(b"%PDF-1.7 statement", name="GM0014-2026-H1.pdf"),
        fingerprint=approved.fingerprint,
    )


def test_the_statement_downloads_through_its_scope(treasurer_client, coordinator, statement):
    url = reverse("settlements:statement", kwargs={"pk": statement.settlement_id})
    for client in (treasurer_client, _client(coordinator)):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == b"%PDF-1.7 statement"
        assert 'filename="afrekening-GM0014-2026-H1.pdf"' in response["Content-Disposition"]
    detail = _page(
        treasurer_client.get(reverse("settlements:detail", kwargs={"pk": statement.settlement_id}))
    )
    assert url in detail
    listing = _page(_client(coordinator).get(reverse("settlements:list")))
    assert url in listing


def test_no_statement_before_it_is_stored(treasurer_client, approved, submitted):
    url = reverse("settlements:statement", kwargs={"pk": approved.pk})
    assert treasurer_client.get(url).status_code == 404


# --- The contribution overview ----------------------------------------------------------------


@pytest.fixture
def two_settled(town, other_town, town_documents, back_office_user):
    first, _ = settlement_compute(municipality=town, period=H1_2026, actor=None)
    second, _ = settlement_compute(municipality=other_town, period=H1_2026, actor=None)
    settlement_submit(settlement=first, actor=back_office_user)
    return first, second


def test_the_contribution_of_a_half_year_adds_up(treasurer_client, two_settled):
    response = treasurer_client.get(reverse("settlements:contribution"), {"period": "2026-H1"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["municipality__name"] for r in rows] == ["Assen", "Groningen"]
    assert [(r["gross"], r["cm"], r["co"], r["total"]) for r in rows] == [
        (D("90.00"), D("0.90"), D("0.90"), D("1.80")),
        (D("398.00"), D("3.98"), D("3.98"), D("7.96")),
    ]
    totals = response.context["totals"]
    assert totals == {
        "gross": D("488.00"),
        "cm": D("4.88"),
        "co": D("4.88"),
        "total": D("9.76"),
    }
    for key in ("gross", "cm", "co", "total"):
        assert totals[key] == sum(r[key] for r in rows)
    assert totals["total"] == totals["cm"] + totals["co"]
    assert response.context["provisional_count"] == 2
    page = _page(response)
    assert f"€{NBSP}9,76" in page
    assert f"€{NBSP}4,88" in page


def test_the_contribution_of_a_year_sums_both_halves(
    treasurer_client, two_settled, town, issue_invoice
):
    issue_invoice(
        municipality=town,
        month=datetime.date(2026, 8, 1),
        hours=("10.00",),
        rate="20.00",
    )
    settlement_compute(municipality=town, period=Period(2026, 2), actor=None)
    response = treasurer_client.get(reverse("settlements:contribution"), {"year": "2026"})
    rows = {r["municipality__name"]: r for r in response.context["rows"]}
    assert rows["Groningen"]["gross"] == D("598.00")
    assert rows["Groningen"]["cm"] == D("3.98") + D("2.00")
    assert rows["Groningen"]["h1_status"] == "submitted"
    assert rows["Groningen"]["h2_status"] == "draft"
    assert rows["Assen"]["h2_status"] is None
    totals = response.context["totals"]
    assert totals["total"] == sum(r["total"] for r in rows.values()) == D("13.76")


def test_the_contribution_names_members_without_a_settlement(
    treasurer_client, town, other_town, former_town, prospective_town, town_documents
):
    settlement_compute(municipality=town, period=H1_2026, actor=None)
    response = treasurer_client.get(reverse("settlements:contribution"), {"period": "2026-H1"})
    assert _missing(response) == {"2026-H1": ["Assen"]}
    in_2025 = treasurer_client.get(reverse("settlements:contribution"), {"period": "2025-H2"})
    assert _missing(in_2025) == {"2025-H2": ["Assen", "Groningen", "Heerenveen"]}
    assert in_2025.context["rows"] == []
    year = treasurer_client.get(reverse("settlements:contribution"), {"year": "2026"})
    assert _missing(year) == {"2026-H1": ["Assen"], "2026-H2": ["Assen", "Groningen"]}
    assert "Heerenveen" not in _page(year)  # a member in 2025 only; Almere is prospective


def _missing(response) -> dict:
    return {
        str(period): [m.name for m in municipalities]
        for period, municipalities in response.context["missing"]
    }


def test_the_contribution_exports(treasurer_client, two_settled):
    from openpyxl import load_workbook

    url = reverse("settlements:contribution")
    csv = b"".join(
        treasurer_client.get(url, {"period": "2026-H1", "format": "csv"}).streaming_content
    ).decode()
    lines = csv.lstrip("\ufeff").strip().split("\r\n")
    assert lines[0] == (
        "Gemeente;CBS-code;Bruto-omzet (G);Contributie gemeente (Cm);"
        "Contributie uitvoerder (Co);Contributie totaal (Cm + Co);Status H1;Status H2"
    )
    assert lines[1] == f"Assen;GM0106;90,00;0,90;0,90;1,80;{_nl('Draft')};"
    assert lines[2] == f"Groningen;GM0014;398,00;3,98;3,98;7,96;{_nl('Submitted')};"
    xlsx = treasurer_client.get(url, {"year": "2026", "format": "xlsx"})
    assert xlsx["Content-Disposition"] == 'attachment; filename="contributie-2026.xlsx"'
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[3]][:6] == ["Groningen", "GM0014", 398, 3.98, 3.98, 7.96]


def test_the_contribution_defaults_to_the_last_half_year(treasurer_client):
    response = treasurer_client.get(reverse("settlements:contribution"), {"period": "nonsense"})
    assert response.status_code == 200
    assert len(response.context["periods"]) == 1
    assert "empty-state" in _page(response)


# --- The dashboard -----------------------------------------------------------------------------


@pytest.fixture
def late_november(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: datetime.date(2026, 11, 27))


def test_the_dashboard_reads_settled_and_live_months(
    coordinator, submitted, town, issue_invoice, late_november
):
    # H1 is settled (submitted); H2 has no settlement: live figures.
    issue_invoice(municipality=town, month=datetime.date(2026, 8, 1), hours=("5.00",), rate="20.00")
    response = _client(coordinator).get(reverse("settlements:dashboard"), {"year": "2026"})
    assert response.status_code == 200
    rows = {row.month.month: row for row in response.context["rows"]}
    assert rows[4].gross == D("398.00")
    assert rows[4].premiums == D("44.00")
    assert rows[4].hours == D("22.00")
    assert rows[4].result == D("230.62")  # one month: the same as the settlement
    assert rows[4].sources == {"submitted"}
    assert rows[9].gross == D("100.00")  # the August hours, invoiced on 2 September
    assert rows[9].premiums == D("10.00")
    assert rows[9].result == D("100.00") - D("10.00") - D("30.00") - D("1.00")
    assert rows[9].sources == {"live"}
    assert rows[12].future and not rows[12].sources
    assert response.context["totals"]["gross"] == D("498.00")
    assert response.context["provisional"] is True
    page = _page(response)
    assert "<svg" in page and 'role="img"' in page
    # SVG coordinates are never written the Dutch way (110,5 is two numbers to SVG).
    assert not re.search(r'<(rect|line|text) [^>]*="-?\d+,\d', page)
    assert page.count("<rect ") == len(response.context["money_chart"]["bars"]) + len(
        response.context["hours_chart"]["bars"]
    )
    assert f"€{NBSP}398,00" in page


def test_the_dashboard_of_an_empty_year(coordinator, town, late_november):
    response = _client(coordinator).get(reverse("settlements:dashboard"), {"year": "2025"})
    assert response.status_code == 200
    assert response.context["has_data"] is True  # 2025 is past: live, but all zero
    assert response.context["totals"]["gross"] == D("0.00")
    future = _client(coordinator).get(reverse("settlements:dashboard"), {"year": "2027"})
    assert future.context["has_data"] is False
    assert "empty-state" in _page(future)


def test_the_treasurer_chooses_a_municipality_on_the_dashboard(treasurer_client, submitted):
    response = treasurer_client.get(reverse("settlements:dashboard"), {"year": "2026"})
    assert response.context["choose_first"] is True
    chosen = treasurer_client.get(
        reverse("settlements:dashboard"), {"year": "2026", "municipality": "GM0014"}
    )
    assert chosen.context["choose_first"] is False
    assert chosen.context["totals"]["gross"] >= D("398.00")


# --- Navigation ---------------------------------------------------------------------------------


def test_the_nav_links_for_each_role(coordinator, treasurer_user, back_office_user, town):
    settlements = f'href="{reverse("settlements:list")}"'
    contribution = f'href="{reverse("settlements:contribution")}"'
    coordinator_page = _page(_client(coordinator).get(reverse("settlements:list")))
    assert settlements in coordinator_page
    assert contribution not in coordinator_page
    treasurer_page = _page(_client(treasurer_user).get(reverse("settlements:list")))
    assert treasurer_page.count(settlements) >= 1
    assert contribution in treasurer_page
