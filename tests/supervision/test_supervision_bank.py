"""Bank statements, their lines and the payments received, as the treasurer reads them: which
line paid which invoice of which client and municipality, the filters, the masked IBAN, the
exports matching the page, and one query count whatever the number of lines."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from billing.models import BankStatementLine
from billing.services.payments import bank_statement_import
from tests.billing.camt_builder import Credit, camt053
from tests.supervision.conftest import COUNTERPARTY_IBAN, invoice_for

pytestmark = pytest.mark.django_db

LINES = reverse("supervision:bank_lines")
PAYMENTS = reverse("supervision:payments")


def rows(response) -> list:
    return list(response.context["page"].object_list)


def csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_each_line_says_to_whom_it_was_matched(treasurer_client, account):
    by_reference = {line.reference: line for line in rows(treasurer_client.get(LINES))}
    matched = by_reference["BANK-1"]
    assert matched.status == BankStatementLine.Status.MATCHED
    assert matched.invoice_numbers == account["paid"].number
    assert matched.client_names == "Bakkerij Aadorp"
    assert matched.municipality_names == "Aadorp"
    assert by_reference["BANK-2"].status == BankStatementLine.Status.UNMATCHED
    assert by_reference["BANK-2"].invoice_numbers is None
    assert by_reference["BANK-3"].status == BankStatementLine.Status.IGNORED


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "unmatched"}, {"BANK-2"}),
        ({"status": "matched"}, {"BANK-1"}),
        ({"q": "bakkerij"}, {"BANK-1"}),
        ({"q": "Contributie"}, {"BANK-2"}),
        ({"date_from": "2026-04-21"}, set()),
        ({"date_to": "2026-04-20"}, {"BANK-1", "BANK-2", "BANK-3"}),
        ({"municipality": "GM9001"}, {"BANK-1"}),
        ({"municipality": "GM9002"}, set()),
    ],
)
def test_the_line_filters(board_client, account, params, expected):
    response = board_client.get(LINES, params)
    assert {line.reference for line in rows(response)} == expected


def test_a_search_by_invoice_number_finds_the_line(treasurer_client, account):
    response = treasurer_client.get(LINES, {"q": account["paid"].number})
    assert [line.reference for line in rows(response)] == ["BANK-1"]


def test_the_statement_filter_and_the_statement_list(treasurer_client, account):
    statement = account["statement"]
    response = treasurer_client.get(reverse("supervision:statements"))
    [listed] = rows(response)
    assert (listed.line_count, listed.matched_count, listed.unmatched_count) == (3, 1, 1)
    assert listed.credit_total == account["paid"].total + Decimal("75.00")
    assert listed.debit_total == Decimal("4.50")
    assert len(rows(treasurer_client.get(LINES, {"statement": statement.pk}))) == 3


def test_the_line_detail_shows_the_invoice_and_masks_the_iban(treasurer_client, account):
    line = account["statement"].lines.get(reference="BANK-1")
    response = treasurer_client.get(reverse("supervision:bank_line", args=[line.pk]))
    content = response.content.decode()
    [paid] = response.context["paid_invoices"]
    assert paid.invoice == account["paid"]
    assert paid.amount == account["paid"].total
    assert paid.municipalities == ["Aadorp"]
    assert COUNTERPARTY_IBAN not in content
    assert "NL************4300" in content
    assert account["paid"].number in content


def test_an_unknown_line_is_404(treasurer_client, account):
    assert treasurer_client.get(reverse("supervision:bank_line", args=[999999])).status_code == 404


def test_the_csv_export_is_the_filtered_list(treasurer_client, account):
    page = rows(treasurer_client.get(LINES, {"status": "matched"}))
    exported = csv_rows(treasurer_client.get(LINES, {"status": "matched", "format": "csv"}))
    assert [r["Bankreferentie"] for r in exported] == [line.reference for line in page]
    [row] = exported
    assert row["Facturen"] == account["paid"].number
    assert row["Gemeenten"] == "Aadorp"
    assert row["Status"] == "Gekoppeld"
    assert row["IBAN tegenpartij"] == "NL************4300"
    assert row["Bedrag"] == str(account["paid"].total).replace(".", ",")


def test_the_xlsx_export_has_every_line(treasurer_client, account):
    response = treasurer_client.get(LINES, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    assert header[0] == "Boekdatum"
    references = {row[header.index("Bankreferentie")] for row in body}
    assert references == {"BANK-1", "BANK-2", "BANK-3"}
    amounts = {row[header.index("Bankreferentie")]: row[header.index("Bedrag")] for row in body}
    assert Decimal(str(amounts["BANK-2"])) == Decimal("75.00")


def _more_lines(towns, count: int) -> None:
    credits = []
    for n in range(count):
        invoice = invoice_for(town=towns[n % 2], client_name=f"Klant {n}")
        credits.append(Credit(invoice.total, f"MORE-{n}", structured=invoice.payment_reference))
    bank_statement_import(data=camt053(*credits, statement_id=f"S-MORE-{count}"), actor=None)


def test_the_line_list_takes_the_same_queries_for_more_lines(treasurer_client, account):
    with CaptureQueriesContext(connection) as few:
        assert treasurer_client.get(LINES).status_code == 200
    _more_lines(account["towns"], 4)
    with CaptureQueriesContext(connection) as many:
        response = treasurer_client.get(LINES)
    assert len(rows(response)) == 7
    assert len(many) == len(few)


def test_payments_received_with_what_they_paid(treasurer_client, account):
    response = treasurer_client.get(PAYMENTS)
    by_payer = {p.payer: p for p in rows(response)}
    bank = by_payer["Bakkerij Aadorp"]
    assert bank.allocated == account["paid"].total
    assert bank.unallocated == Decimal("0.00")
    assert bank.invoice_numbers == account["paid"].number
    manual = by_payer["Garage Beekdorp"]
    assert (manual.amount, manual.source) == (Decimal("50.00"), "manual")
    assert manual.client_names == "Garage Beekdorp"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"source": "manual"}, {"Garage Beekdorp"}),
        ({"source": "bank"}, {"Bakkerij Aadorp"}),
        ({"date_from": "2026-04-21"}, {"Garage Beekdorp"}),
        ({"date_to": "2026-04-20"}, {"Bakkerij Aadorp"}),
        ({"municipality": "GM9002"}, {"Garage Beekdorp"}),
        ({"q": "garage"}, {"Garage Beekdorp"}),
    ],
)
def test_the_payment_filters(treasurer_client, account, params, expected):
    assert {p.payer for p in rows(treasurer_client.get(PAYMENTS, params))} == expected


def test_a_start_after_the_end_is_an_error_not_a_list(treasurer_client, account):
    response = treasurer_client.get(PAYMENTS, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert rows(response) == []
    assert response.context["form"].errors


def test_the_payment_export_matches_the_page(board_client, account):
    page = rows(board_client.get(PAYMENTS))
    exported = csv_rows(board_client.get(PAYMENTS, {"format": "csv"}))
    assert [r["Betaald door"] for r in exported] == [p.payer for p in page]
    assert exported[0]["Betaaldatum"] == page[0].payment_date.strftime("%d-%m-%Y")
    assert datetime.date(2026, 4, 25) == page[0].payment_date


def test_the_payment_list_takes_the_same_queries_for_more_payments(treasurer_client, account):
    with CaptureQueriesContext(connection) as few:
        assert treasurer_client.get(PAYMENTS).status_code == 200
    _more_lines(account["towns"], 4)
    with CaptureQueriesContext(connection) as many:
        response = treasurer_client.get(PAYMENTS)
    assert len(rows(response)) == 6
    assert len(many) == len(few)
