"""Fixtures for the supervision pages: the NVSI board (with and without a second factor),
a representative, and a small account to supervise.

`account` is made through the services where the rules matter (invoices issued, a camt.053
statement imported and matched, a payment by hand); payout runs and transfer files are
written straight to the database (their own services are tested in their apps).
"""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from billing.services.payments import bank_statement_import, payment_record_manual
from premiums.models import PayoutLine, PayoutRun
from settlements.models import SettlementTransferFile
from tests.billing.camt_builder import Credit, camt053
from tests.billing.factories import approved_hours, billable_assignment, issued_invoice, march_days
from tests.factories import UserFactory
from tests.placements.factories import (
    CandidateFactory,
    ClientFactory,
    PlacementsMunicipalityFactory,
    general_framework,
)

COUNTERPARTY_IBAN = "NL91ABNA0417164300"
CANDIDATE_IBAN = "NL02ABNA0123456789"
SEPA_XML = "<?xml version='1.0'?><Document><CstmrCdtTrfInitn>{}</CstmrCdtTrfInitn></Document>"


def client_for(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


@pytest.fixture
def board_with_mfa(db):
    return UserFactory(email="bestuur@nvsi.example.nl", role=Role.NVSI_BOARD, mfa=True)


@pytest.fixture
def board_client(board_with_mfa):
    return client_for(board_with_mfa)


@pytest.fixture
def representative_client(municipality):
    user = UserFactory(email="vertegenwoordiger@groningen.example.nl", role=Role.REPRESENTATIVE)
    return client_for(user)


@pytest.fixture
def framework(db):
    return general_framework()


def invoice_for(*, town, client_name: str, hours=("8.00",), invoice_date=None, rate="20.00"):
    """An issued invoice of 2 April 2026 (due 16 April) for a client with one candidate of
    `town` working March hours at `rate`."""
    client = ClientFactory(name=client_name)
    candidate = CandidateFactory(municipality=town)
    assignment = billable_assignment(client=client, candidate=candidate, hourly_rate=Decimal(rate))
    approved_hours(assignment, *march_days(*hours))
    kwargs = {"invoice_date": invoice_date} if invoice_date else {}
    return issued_invoice(client=client, **kwargs)


@pytest.fixture
def towns(db):
    return (
        PlacementsMunicipalityFactory(name="Aadorp", cbs_code="GM9001"),
        PlacementsMunicipalityFactory(name="Beekdorp", cbs_code="GM9002"),
    )


@pytest.fixture
def account(framework, towns, back_office_with_mfa):
    """Two invoices of 2 April 2026 (160.00 + 21% = 193.60 each): Bakkerij Aadorp's is paid
    from the statement by its payment reference, Garage Beekdorp's partly by hand (50.00);
    the statement also has a credit naming nothing (to be matched) and bank costs (no client
    payment). A paid payout run for Aadorp and a transfer file for 2026-H1."""
    town_a, town_b = towns
    paid = invoice_for(town=town_a, client_name="Bakkerij Aadorp", hours=("8.00",))
    open_ = invoice_for(town=town_b, client_name="Garage Beekdorp", hours=("8.00",))
    [imported] = bank_statement_import(
        data=camt053(
            Credit(paid.total, "BANK-1", structured=paid.payment_reference, name="Bakkerij Aadorp"),
            Credit("75.00", "BANK-2", description="Contributie?", name="Onbekende Betaler"),
            Credit("4.50", "BANK-3", debit=True, description="Bankkosten", name="ING"),
            statement_id="S-2026-04-20",
        ),
        actor=None,
    )
    statement = imported.statement
    statement.lines.filter(reference="BANK-1").update(counterparty_iban=COUNTERPARTY_IBAN)
    manual = payment_record_manual(
        invoices=[open_],
        amount=Decimal("50.00"),
        payment_date=datetime.date(2026, 4, 25),
        actor=back_office_with_mfa,
        payer="Garage Beekdorp",
        note="Kas",
    )
    approver = UserFactory(email="coordinator.aadorp@example.nl", role=Role.COORDINATOR)
    # Prepared with its line, then approved and paid: the database refuses a line added to
    # an approved or paid run.
    run = PayoutRun.objects.create(
        municipality=town_a,
        payout_date=datetime.date(2026, 6, 30),
        status=PayoutRun.Status.PREPARED,
        total=Decimal("16.00"),
        line_count=1,
        prepared_by=back_office_with_mfa,
        prepared_at=timezone.now(),
    )
    PayoutLine.objects.create(
        run=run,
        candidate=paid.lines.get().assignment.candidate,
        year=2026,
        sequence=1,
        candidate_name="Kandidaat Aadorp",
        iban=CANDIDATE_IBAN,
        hours=Decimal("8.00"),
        amount=Decimal("16.00"),
    )
    run.status = PayoutRun.Status.PAID
    run.approved_by = approver
    run.approved_at = timezone.now()
    run.sepa_message_id = "PREMIE-GM9001-20260630"
    run.sepa_xml = SEPA_XML.format(CANDIDATE_IBAN)
    run.paid_on = datetime.date(2026, 7, 1)
    run.save()
    prepared = PayoutRun.objects.create(
        municipality=town_b,
        payout_date=datetime.date(2026, 6, 30),
        status=PayoutRun.Status.PREPARED,
        prepared_by=back_office_with_mfa,
        prepared_at=timezone.now(),
    )
    transfer_file = SettlementTransferFile.objects.create(
        year=2026,
        half=1,
        sequence=1,
        message_id="AFREKENING-2026-H1-1",
        xml=SEPA_XML.format(COUNTERPARTY_IBAN),
        total=Decimal("0.00"),
        payment_count=0,
        created_by=back_office_with_mfa,
    )
    return {
        "paid": paid,
        "open": open_,
        "statement": statement,
        "manual": manual,
        "run": run,
        "prepared_run": prepared,
        "transfer_file": transfer_file,
        "towns": towns,
    }
