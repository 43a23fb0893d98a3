"""A settlement that went back and forth: its rejections (who, when, why) and what changed
between submissions, on the treasurer's page and in the admin; the reject form on
corrections; the concept statement the treasurer (and the board) may preview before
deciding, audited, 404 for everyone else; the half-year chosen from a list.

The documents (conftest `town_documents`), 2026-H1, fee 30%, contribution 1% + 1%: town
G 398.00, P 44.00, F 119.40, Cm 3.98, Co 3.98, result 230.62. Crediting the 10 hours at 20.00
(G 200.00, P 20.00) on 1 June 2026 leaves G 198.00, P 24.00, F 59.40, Cm 1.98, Co 1.98,
result 112.62.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from accounts.roles import Role
from core.models import AuditEvent
from settlements.history import settlement_history
from settlements.models import Settlement
from settlements.services import (
    settlement_compute,
    settlement_reject,
    settlement_submit,
)
from tests.database_roles import owner_cursor
from tests.factories import UserFactory

from .conftest import H1_2026

pytestmark = pytest.mark.django_db
D = Decimal
NBSP = "\u00a0"
FIRST_REASON = "De creditnota van juni ontbreekt."
SECOND_REASON = "Tweede controle: de uren van maart kloppen niet."


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _events(settlement, action: str):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Settlement),
        object_id=str(settlement.pk),
        action=action,
    )


@pytest.fixture
def back_and_forth(
    submitted, town, town_documents, treasurer_user, other_treasurer_user, back_office_user
):
    """Submitted, rejected, corrected by a credit note dated in the half-year, resubmitted,
    rejected again (by the other treasurer), recomputed unchanged and submitted a third
    time."""
    settlement_reject(settlement=submitted, actor=treasurer_user, reason=FIRST_REASON)
    return submitted


def _credit_and_resubmit(settlement, *, town, invoice, credit_invoice, back_office_user):
    credit_invoice(invoice, credit_date=datetime.date(2026, 6, 1))
    settlement, computed = settlement_compute(municipality=town, period=H1_2026, actor=None)
    assert computed
    return settlement_submit(settlement=settlement, actor=back_office_user)


@pytest.fixture
def three_submissions(
    back_and_forth, town, town_documents, credit_invoice, other_treasurer_user, back_office_user
):
    settlement = _credit_and_resubmit(
        back_and_forth,
        town=town,
        invoice=town_documents["town"][1],
        credit_invoice=credit_invoice,
        back_office_user=back_office_user,
    )
    settlement_reject(settlement=settlement, actor=other_treasurer_user, reason=SECOND_REASON)
    settlement, _ = settlement_compute(municipality=town, period=H1_2026, actor=None)
    return settlement_submit(settlement=settlement, actor=back_office_user)


# --- The history ----------------------------------------------------------------------------


def test_each_submission_keeps_its_figures_in_the_audit_trail(submitted):
    (event,) = _events(submitted, "settlement.submit")
    assert event.changes["gross"] == [None, "398.00"]
    assert event.changes["result"] == [None, "230.62"]
    assert event.changes["invoice_line_count"] == [None, "2"]


def test_the_history_lists_each_rejection_and_what_changed(
    three_submissions, treasurer_user, other_treasurer_user
):
    history = settlement_history(three_submissions)

    assert [s.number for s in history.submissions] == [1, 2, 3]
    assert [s.rejected.reason for s in history.rejections] == [FIRST_REASON, SECOND_REASON]
    assert [s.rejected.by for s in history.rejections] == [
        treasurer_user.get_full_name() or treasurer_user.email,
        other_treasurer_user.get_full_name() or other_treasurer_user.email,
    ]
    assert history.submissions[2].rejected is None
    assert history.submissions[0].rejected.at <= history.submissions[1].at

    figures = [s.figures for s in history.submissions]
    assert [f["gross"] for f in figures] == [D("398.00"), D("198.00"), D("198.00")]
    assert [f["result"] for f in figures] == [D("230.62"), D("112.62"), D("112.62")]
    rows = {row.field: row for row in history.rows}
    assert rows["gross"].cells == [
        (D("398.00"), None),
        (D("198.00"), D("-200.00")),
        (D("198.00"), None),
    ]
    assert rows["premiums"].cells[1] == (D("24.00"), D("-20.00"))
    assert rows["contribution_municipality"].cells[1] == (D("1.98"), D("-2.00"))
    assert rows["result"].cells[1] == (D("112.62"), D("-118.00"))
    # The percentages did not change, so they are not compared.
    assert "fee_percentage" not in rows
    assert history.pending is False


def test_the_history_of_submissions_before_the_snapshots_replays_the_computations(
    three_submissions,
):
    """Submissions from before the submit event kept its figures: the figures the compute
    events had written up to then."""
    # The trail is insert-only, even for the owner: as it was written by an older version,
    # with the owner's trigger out of the way inside this test's transaction.
    with owner_cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK check pending
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        for event in _events(three_submissions, "settlement.submit"):
            event.changes = {}
            event.save(update_fields=["changes"])
        cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
    history = settlement_history(three_submissions)
    assert [s.figures["gross"] for s in history.submissions] == [
        D("398.00"),
        D("198.00"),
        D("198.00"),
    ]
    assert [s.figures["fee"] for s in history.submissions] == [
        D("119.40"),
        D("59.40"),
        D("59.40"),
    ]


def test_a_rejected_draft_shows_what_changed_since_its_submission(
    back_and_forth, town, town_documents, credit_invoice
):
    credit_invoice(town_documents["town"][1], credit_date=datetime.date(2026, 6, 1))
    settlement, _ = settlement_compute(municipality=town, period=H1_2026, actor=None)
    history = settlement_history(settlement)
    assert history.pending
    changes = {change.field: change for change in history.pending_changes}
    assert changes["gross"].before == D("398.00")
    assert changes["gross"].after == D("198.00")
    assert changes["gross"].difference == D("-200.00")
    assert "fee_percentage" not in changes


def test_a_settlement_submitted_once_has_no_back_and_forth(treasurer_client, submitted):
    assert not settlement_history(submitted).went_back_and_forth
    page = treasurer_client.get(reverse("settlements:detail", kwargs={"pk": submitted.pk}))
    assert 'id="back-and-forth-title"' not in page.content.decode()


def test_the_treasurers_page_shows_the_rejections_and_changes_at_the_top(
    treasurer_user_client, three_submissions
):
    page = treasurer_user_client.get(
        reverse("settlements:detail", kwargs={"pk": three_submissions.pk})
    ).content.decode()
    history = page.index('id="back-and-forth-title"')
    assert history < page.index('id="figures-title"')
    assert FIRST_REASON in page and SECOND_REASON in page
    assert "Indiening 3" in page
    assert f"€{NBSP}398,00" in page and f"−{NBSP}€{NBSP}200,00" in page
    assert f"−{NBSP}€{NBSP}118,00" in page  # the result
    # The reject form explains where corrections land.
    assert "een creditnota die na dit halfjaar is gedateerd, wordt in een latere" in page


def test_the_admin_page_shows_the_history_at_the_top(back_office_user_client, three_submissions):
    page = back_office_user_client.get(
        reverse("admin:settlements_settlement_change", args=[three_submissions.pk])
    ).content.decode()
    assert 'id="settlement-history-title"' in page
    assert page.index('id="settlement-history-title"') < page.index(
        'fieldset class="module aligned "'
    )
    assert FIRST_REASON in page and SECOND_REASON in page
    assert "Correcties vallen in het halfjaar van hun eigen datum" in page


# --- The concept statement --------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace(NBSP, " ")


def test_the_treasurer_previews_the_statement_marked_concept(treasurer_user_client, submitted):
    detail = treasurer_user_client.get(reverse("settlements:detail", kwargs={"pk": submitted.pk}))
    url = reverse("settlements:preview", kwargs={"pk": submitted.pk})
    assert url in detail.content.decode()

    response = treasurer_user_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "concept-afrekening-GM0014-2026-H1.pdf" in response["Content-Disposition"]
    text = _pdf_text(response.content)
    assert "Halfjaarlijkse afrekening (concept)" in text
    assert "Nog niet goedgekeurd" in text
    assert "€ 230,62" in text
    (event,) = _events(submitted, "settlement.preview")
    assert event.actor.email == "settlements.treasurer@nvsi.example.nl"
    submitted.refresh_from_db()
    assert submitted.status == Settlement.Status.SUBMITTED  # a preview changes nothing


def test_the_board_may_preview_the_statement(submitted):
    board = UserFactory(role=Role.NVSI_BOARD, mfa=True)
    response = _client(board).get(reverse("settlements:preview", kwargs={"pk": submitted.pk}))
    assert response.status_code == 200


def test_nobody_else_previews_a_statement(
    submitted, coordinator, other_coordinator, back_office_user_client
):
    url = reverse("settlements:preview", kwargs={"pk": submitted.pk})
    for client in (
        _client(coordinator),
        _client(other_coordinator),
        back_office_user_client,
        _client(UserFactory(role=Role.REPRESENTATIVE)),
    ):
        assert client.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the sign-in page
    assert not _events(submitted, "settlement.preview").exists()


def test_an_approved_settlement_has_its_statement_not_a_preview(treasurer_user_client, approved):
    url = reverse("settlements:preview", kwargs={"pk": approved.pk})
    assert treasurer_user_client.get(url).status_code == 404


# --- The list: half-years as choices, totals per half-year ---------------------------------------


def test_the_list_offers_the_half_years_with_settlements(
    treasurer_user_client, submitted, town, other_town, back_office_user
):
    settlement_compute(municipality=other_town, period=H1_2026.previous, actor=None)
    response = treasurer_user_client.get(reverse("settlements:list"))
    field = response.context["form"].fields["period"]
    assert [value for value, _label in field.choices] == ["", "2026-H1", "2025-H2"]
    assert '<select name="period"' in response.content.decode()

    chosen = treasurer_user_client.get(reverse("settlements:list"), {"period": "2025-H2"})
    assert [s.period for s in chosen.context["page"].object_list] == [H1_2026.previous]
    typed = treasurer_user_client.get(reverse("settlements:list"), {"period": "2024-H1"})
    assert typed.context["form"].errors["period"]


def test_the_list_totals_each_half_year_by_the_database(
    treasurer_user_client, submitted, town_documents, other_town
):
    other, _ = settlement_compute(municipality=other_town, period=H1_2026, actor=None)
    response = treasurer_user_client.get(reverse("settlements:list"))
    (row,) = response.context["period_totals"]
    assert row.label == "2026-H1"
    assert (row.count, row.approved) == (2, 0)
    assert row.gross == submitted.gross + other.gross == D("488.00")
    assert row.premiums == D("56.00")
    assert row.contribution == D("9.76")
    assert row.result == submitted.result + other.result == D("280.72")
    assert "Totalen per halfjaar" in response.content.decode()


def test_the_transfer_file_form_offers_half_years_with_approved_settlements(
    back_office_user_client, approved
):
    response = back_office_user_client.get(reverse("admin:settlements_settlementtransferfile_make"))
    field = response.context["form"].fields["period"]
    assert [value for value, _label in field.choices] == ["2026-H1"]
    refused = back_office_user_client.post(
        reverse("admin:settlements_settlementtransferfile_make"), {"period": "2025-H1"}
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["period"]
