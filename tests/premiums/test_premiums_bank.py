"""An approved payout run marked paid by the debit of its SEPA batch on NVSI's imported bank
statement (camt.053): named by the pain.001 message id or payment information id, on the
booking date, only when the amount is the run's total; the same statement again, or another
naming a paid run, changes nothing."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from billing.camt import camt053_parse
from billing.models import BankStatementLine
from billing.services.payments import bank_statement_import
from core.models import AuditEvent
from premiums.models import PayoutRun
from premiums.services import payout_run_approve, payout_run_mark_paid, payout_run_prepare
from tests.billing.camt_builder import Credit, camt053
from tests.placements.factories import CandidateFactory
from tests.premiums.test_premiums_payouts import NS, work

D = Decimal
JUNE = datetime.date(2026, 6, 30)


@pytest.fixture
def approved(town, framework, back_office_user, town_coordinator):
    """Anna 48.00 and Bram 14.50: a run of 62.50, approved."""
    anna = CandidateFactory(municipality=town, first_name="Anna", last_name="Aalders")
    bram = CandidateFactory(municipality=town, first_name="Bram", last_name="Bakker")
    work(anna, [2, 3, 4], actor=back_office_user)
    work(bram, [2], actor=back_office_user, hours="7.25")
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    run = payout_run_approve(run=run, actor=town_coordinator)
    assert (run.total, run.status, run.sepa_message_id != "") == (D("62.50"), "approved", True)
    return run


def _payment_information_id(run: PayoutRun) -> str:
    root = ET.fromstring(run.sepa_xml.encode())  # noqa: S314 - our own file
    return root.find("p:CstmrCdtTrfInitn/p:PmtInf/p:PmtInfId", NS).text


def _import(*entries, actor, statement_id="S-2026-07-01"):
    [result] = bank_statement_import(data=camt053(*entries, statement_id=statement_id), actor=actor)
    return result


def test_the_debit_of_the_batch_by_message_id_marks_the_run_paid_on_the_booking_date(
    approved, back_office_user
):
    result = _import(
        Credit(
            "62.50",
            "D1",
            debit=True,
            booking_date="2026-07-01",
            name="NVSI premies",
            batch_message_id=approved.sepa_message_id,
        ),
        Credit("99.00", "D2", debit=True, batch_message_id="SOMEONE-ELSE-1"),
        actor=back_office_user,
    )
    approved.refresh_from_db()
    assert (approved.status, approved.paid_on, approved.marked_paid_by) == (
        "paid",
        datetime.date(2026, 7, 1),
        back_office_user,
    )
    assert result.payout_runs == [f"Premium payout run {approved} marked paid on 01-07-2026."]
    line = BankStatementLine.objects.get(reference="D1")
    assert line.note == f"Premium payout run {approved} marked paid on 01-07-2026."
    other = BankStatementLine.objects.get(reference="D2")
    assert other.note == "Not a payment received in euros."  # billing's own word, untouched
    event = AuditEvent.objects.get(action="payout_run.mark_paid")
    assert (event.actor, event.object_id) == (back_office_user, str(approved.pk))
    assert "bank statement: D1" in event.summary


def test_a_batch_named_by_its_payment_information_id_and_split_per_transfer(
    approved, back_office_user
):
    pmt_inf_id = _payment_information_id(approved)
    assert pmt_inf_id != approved.sepa_message_id
    _import(
        Credit(
            "62.50",
            "D1",
            debit=True,
            booking_date="2026-07-02",
            batch_payment_information_id=pmt_inf_id,
            transactions=("48.00", "14.50"),
        ),
        actor=back_office_user,
    )
    approved.refresh_from_db()
    assert (approved.status, approved.paid_on) == ("paid", datetime.date(2026, 7, 2))
    notes = set(BankStatementLine.objects.values_list("reference", "note"))
    message = f"Premium payout run {approved} marked paid on 02-07-2026."
    assert notes == {("D1/1", message), ("D1/2", message)}


def test_another_amount_leaves_the_run_approved_and_says_so(approved, back_office_user):
    result = _import(
        Credit(
            "62.40",
            "D1",
            debit=True,
            booking_date="2026-07-01",
            batch_message_id=approved.sepa_message_id,
        ),
        actor=back_office_user,
    )
    approved.refresh_from_db()
    assert (approved.status, approved.paid_on) == ("approved", None)
    message = (
        f"62,40 is not the total 62,50 of premium payout run {approved}: not marked paid; "
        "check the payment at the bank and mark the run paid by hand."
    )
    assert result.payout_runs == [message]
    assert BankStatementLine.objects.get(reference="D1").note == message
    assert not AuditEvent.objects.filter(action="payout_run.mark_paid").exists()


def test_the_same_statement_again_or_another_naming_a_paid_run_changes_nothing(
    approved, back_office_user
):
    debit = Credit(
        "62.50",
        "D1",
        debit=True,
        booking_date="2026-07-01",
        batch_message_id=approved.sepa_message_id,
    )
    _import(debit, actor=back_office_user)
    again = _import(debit, actor=None)
    assert again.created is False
    later = Credit(
        "62.50",
        "D9",
        debit=True,
        booking_date="2026-07-08",
        batch_message_id=approved.sepa_message_id,
    )
    result = _import(later, actor=None, statement_id="S-2026-07-08")
    approved.refresh_from_db()
    assert (approved.paid_on, approved.marked_paid_by) == (
        datetime.date(2026, 7, 1),
        back_office_user,
    )
    assert result.payout_runs == [
        f"Premium payout run {approved} was marked paid before (01-07-2026)."
    ]
    assert AuditEvent.objects.filter(action="payout_run.mark_paid").count() == 1


def test_a_run_marked_paid_by_hand_first_stays_as_it_was(approved, back_office_user):
    payout_run_mark_paid(run=approved, actor=back_office_user, paid_on=datetime.date(2026, 6, 30))
    _import(
        Credit(
            "62.50",
            "D1",
            debit=True,
            booking_date="2026-07-01",
            batch_message_id=approved.sepa_message_id,
        ),
        actor=None,
    )
    approved.refresh_from_db()
    assert approved.paid_on == datetime.date(2026, 6, 30)


def test_a_credit_naming_the_batch_is_no_payout(approved, back_office_user):
    """Money coming in (a transfer returned, say) never marks a run paid."""
    _import(
        Credit("62.50", "C1", booking_date="2026-07-01", batch_message_id=approved.sepa_message_id),
        actor=back_office_user,
    )
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_the_camt_reader_keeps_the_batch_references():
    data = camt053(
        Credit(
            "10.00",
            "D1",
            debit=True,
            batch_message_id="MSG-1",
            batch_payment_information_id="PMT-1",
            transactions=("4.00", "6.00"),
        ),
    )
    [statement] = camt053_parse(data)
    assert [(e.reference, e.amount, e.batch_references) for e in statement.entries] == [
        ("D1/1", D("4.00"), ("MSG-1", "PMT-1")),
        ("D1/2", D("6.00"), ("MSG-1", "PMT-1")),
    ]
    # .08 style: the references on the transaction itself
    tx_refs = data.replace(
        b"<Btch><MsgId>MSG-1</MsgId><PmtInfId>PMT-1</PmtInfId><NbOfTxs>2</NbOfTxs></Btch>", b""
    ).replace(b"<TxDtls>", b"<TxDtls><Refs><MsgId>MSG-2</MsgId><PmtInfId>PMT-2</PmtInfId></Refs>")
    [statement] = camt053_parse(tx_refs)
    assert {e.batch_references for e in statement.entries} == {("MSG-2", "PMT-2")}
