"""Receivables on a chosen date: an invoice of 2 April 2026 is due 16 April; what was open at
the end of a day counts only the credit notes and payments of that day and before; the
ageing buckets turn over on the 1st, 31st, 61st and 91st day past the due date; totals are
sums of the stored parts, per client they add up to the total, and the exports match."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from billing.services import credit_note_create
from supervision.selectors import Bucket
from tests.billing.factories import approved_hours, billable_assignment, issued_invoice, march_days
from tests.placements.factories import CandidateFactory, ClientFactory
from tests.supervision.conftest import invoice_for

pytestmark = pytest.mark.django_db

URL = reverse("supervision:receivables")
TOTAL = Decimal("193.60")  # 8 h x 20.00 = 160.00 + 21% VAT


def rows(response) -> list:
    return list(response.context["page"].object_list)


@pytest.fixture
def single(framework, towns):
    return invoice_for(town=towns[0], client_name="Enkel B.V.")


@pytest.mark.parametrize(
    ("as_of", "bucket", "days"),
    [
        ("2026-04-02", Bucket.CURRENT, 0),
        ("2026-04-16", Bucket.CURRENT, 0),
        ("2026-04-17", Bucket.DAYS_1_30, 1),
        ("2026-05-16", Bucket.DAYS_1_30, 30),
        ("2026-05-17", Bucket.DAYS_31_60, 31),
        ("2026-06-15", Bucket.DAYS_31_60, 60),
        ("2026-06-16", Bucket.DAYS_61_90, 61),
        ("2026-07-15", Bucket.DAYS_61_90, 90),
        ("2026-07-16", Bucket.OVER_90, 91),
    ],
)
def test_the_bucket_on_a_chosen_date(treasurer_client, single, as_of, bucket, days):
    response = treasurer_client.get(URL, {"as_of": as_of})
    [invoice] = rows(response)
    assert (invoice.bucket, invoice.days_overdue, invoice.amount_open) == (bucket, days, TOTAL)
    totals = response.context["totals"]
    assert totals.buckets[Bucket.order.index(bucket)] == TOTAL
    assert totals.total == TOTAL


def test_an_invoice_issued_after_the_date_is_not_owed_yet(treasurer_client, single):
    assert rows(treasurer_client.get(URL, {"as_of": "2026-04-01"})) == []


def test_payments_count_from_their_date(treasurer_client, account):
    open_, paid = account["open"], account["paid"]

    def owed(as_of):
        return {i.number: i.amount_open for i in rows(treasurer_client.get(URL, {"as_of": as_of}))}

    assert owed("2026-04-19") == {paid.number: TOTAL, open_.number: TOTAL}
    assert owed("2026-04-20") == {open_.number: TOTAL}  # paid from the statement that day
    assert owed("2026-04-25") == {open_.number: TOTAL - Decimal("50.00")}  # by hand


def test_a_credit_note_counts_from_its_date(treasurer_client, single, back_office_with_mfa):
    credit_note_create(
        invoice=single,
        actor=back_office_with_mfa,
        reason="Dubbel gefactureerd",
        credit_date=datetime.date(2026, 5, 4),
    )
    assert [i.amount_open for i in rows(treasurer_client.get(URL, {"as_of": "2026-05-03"}))] == [
        TOTAL
    ]
    assert rows(treasurer_client.get(URL, {"as_of": "2026-05-04"})) == []


@pytest.fixture
def ageing(account, towns):
    """On 20 May 2026: Garage Beekdorp's 143.60 is 34 days overdue; a new invoice of 15 May to
    Groothandel Aadorp-Beekdorp (a candidate of Aadorp) is not yet due."""
    later = invoice_for(
        town=towns[0],
        client_name="Groothandel Aadorp-Beekdorp",
        invoice_date=datetime.date(2026, 5, 15),
    )
    return later


def test_totals_are_the_sum_of_the_parts(board_client, account, ageing):
    response = board_client.get(URL, {"as_of": "2026-05-20"})
    totals = response.context["totals"]
    assert totals.buckets == [
        TOTAL,
        Decimal("0.00"),
        TOTAL - Decimal("50.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    assert totals.total == Decimal("337.20")
    assert totals.overdue == Decimal("143.60")
    assert totals.invoice_count == 2
    by_client = response.context["by_client"]
    assert [c.name for c in by_client] == ["Garage Beekdorp", "Groothandel Aadorp-Beekdorp"]
    for index in range(len(Bucket.order)):
        assert sum(c.buckets[index] for c in by_client) == totals.buckets[index]
    by_municipality = {m.name: m for m in response.context["by_municipality"]}
    assert by_municipality["Aadorp"].total == TOTAL
    assert by_municipality["Beekdorp"].overdue == Decimal("143.60")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bucket": "overdue"}, {"Garage Beekdorp"}),
        ({"bucket": Bucket.CURRENT}, {"Groothandel Aadorp-Beekdorp"}),
        ({"bucket": Bucket.OVER_90}, set()),
        ({"municipality": "GM9001"}, {"Groothandel Aadorp-Beekdorp"}),
        ({"q": "garage"}, {"Garage Beekdorp"}),
    ],
)
def test_the_receivable_filters(treasurer_client, ageing, params, expected):
    response = treasurer_client.get(URL, {"as_of": "2026-05-20", **params})
    assert {i.client_name for i in rows(response)} == expected


def test_the_exports_match_the_page(treasurer_client, ageing):
    page = treasurer_client.get(URL, {"as_of": "2026-05-20"})
    response = treasurer_client.get(URL, {"as_of": "2026-05-20", "format": "csv"})
    assert "debiteuren-2026-05-20.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [r["Factuurnummer"] for r in exported] == [i.number for i in rows(page)]
    assert (
        sum(Decimal(r["Open"].replace(",", ".")) for r in exported) == page.context["totals"].total
    )
    assert {r["Ouderdom"] for r in exported} == {
        "Nog niet vervallen",
        "31-60 dagen over de vervaldatum",
    }
    assert {r["Peildatum"] for r in exported} == {"20-05-2026"}

    workbook = load_workbook(
        io.BytesIO(treasurer_client.get(URL, {"as_of": "2026-05-20", "format": "xlsx"}).content)
    )
    values = list(workbook.active.iter_rows(values_only=True))
    open_column = values[0].index("Open")
    assert sum(Decimal(str(r[open_column])) for r in values[1:]) == Decimal("337.20")


def test_the_page_takes_the_same_queries_for_more_invoices(treasurer_client, account, towns):
    with CaptureQueriesContext(connection) as few:
        treasurer_client.get(URL, {"as_of": "2026-05-20"})
    for n in range(3):
        invoice_for(town=towns[n % 2], client_name=f"Extra {n}")
    with CaptureQueriesContext(connection) as many:
        response = treasurer_client.get(URL, {"as_of": "2026-05-20"})
    assert len(rows(response)) == 4
    assert len(many) == len(few)


def test_nothing_open_says_so(treasurer_client, framework):
    response = treasurer_client.get(URL)
    assert "Op deze datum stond niets open." in response.content.decode()


def test_a_shared_invoice_is_open_for_each_of_its_municipalities(
    treasurer_client, framework, towns
):
    client = ClientFactory(name="Gedeeld B.V.")
    for town in towns:
        assignment = billable_assignment(
            client=client,
            candidate=CandidateFactory(municipality=town),
            hourly_rate=Decimal("20.00"),
        )
        approved_hours(assignment, *march_days("8.00"))
    shared = issued_invoice(client=client)
    response = treasurer_client.get(URL, {"as_of": "2026-04-10"})
    assert response.context["totals"].total == shared.total == Decimal("387.20")
    by_municipality = response.context["by_municipality"]
    assert [(m.name, m.total) for m in by_municipality] == [
        ("Aadorp", Decimal("387.20")),
        ("Beekdorp", Decimal("387.20")),
    ]
