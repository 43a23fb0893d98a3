"""billing.camt: camt.053 statements (.02 as ING and Rabobank send them, and .08) into
dataclasses; malformed and hostile files refused with a clear error."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from billing.camt import CamtError, camt053_parse

DATA = Path(__file__).parent / "data"


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_ing_statement_001_02():
    [statement] = camt053_parse(_read("ing_camt053_001_02.xml"))
    assert statement.version == "02"
    assert statement.statement_id == "0002445588-2026-04-20"
    assert statement.account_iban == "NL86INGB0002445588"
    assert statement.currency == "EUR"
    assert statement.message_id == "INGBNL2A-0000001234567"
    assert statement.from_date == datetime.date(2026, 4, 20)
    assert statement.opening_balance == Decimal("15230.15")
    assert statement.closing_balance == Decimal("16551.81")
    first, second, third = statement.entries

    assert first.reference == "20260420-0001-00123456789"
    assert first.amount == Decimal("1161.60")
    assert first.is_credit and first.is_booked
    assert first.currency == "EUR"
    assert first.booking_date == datetime.date(2026, 4, 20)
    assert first.value_date == datetime.date(2026, 4, 20)
    assert first.structured_reference == "RF712026000123"
    assert first.end_to_end_id == "BAKKERIJ-2026-0412"
    assert first.counterparty_name == "Bakkerij De Korenschoof B.V."
    assert first.counterparty_iban == "NL44RABO0123456789"
    assert first.bank_transaction_code == "ESCT"

    # Several Ustrd joined, whitespace collapsed; NOTPROVIDED is no end-to-end id.
    assert second.remittance_information == "Factuur 2026-000124 deelbetaling termijn 1"
    assert second.structured_reference == ""
    assert second.end_to_end_id == ""
    assert second.counterparty_name == "Schildersbedrijf Van Dijk"

    # A debit: the counterparty is the creditor.
    assert not third.is_credit
    assert third.amount == Decimal("89.94")
    assert third.counterparty_name == "Kantoorartikelen Noord"
    assert third.value_date == datetime.date(2026, 4, 19)


def test_rabobank_batch_entry_becomes_one_entry_per_transaction():
    [statement] = camt053_parse(_read("rabobank_camt053_001_02_batch.xml"))
    assert statement.account_iban == "NL86INGB0002445588"  # spaces removed
    assert statement.closing_balance == Decimal("-100.00")
    a, b, interest = statement.entries
    assert (a.reference, a.amount, a.remittance_information) == (
        "BATCH-0422-01/1",
        Decimal("300.00"),
        "2026-000200",
    )
    assert (b.reference, b.amount, b.counterparty_name) == (
        "BATCH-0422-01/2",
        Decimal("400.00"),
        "Uitzendbureau Zuid",
    )
    assert a.bank_transaction_code == "541"
    # No reference from the bank: a stable one from its place in the statement.
    assert interest.reference.startswith("pos2-")
    assert interest.remittance_information == "Rente eerste kwartaal"
    assert camt053_parse(_read("rabobank_camt053_001_02_batch.xml"))[0].entries[2] == interest


def test_statement_001_08():
    [statement] = camt053_parse(_read("camt053_001_08.xml"))
    assert statement.version == "08"
    [entry] = statement.entries
    assert entry.reference == "ABN-20260424-77"
    assert entry.is_booked
    assert entry.booking_date == datetime.date(2026, 4, 24)
    assert entry.counterparty_name == "Hoveniersbedrijf Groen"
    assert entry.structured_reference == "RF182026000125"


def _document(body: str, version: str = "02") -> bytes:
    return (
        '<?xml version="1.0"?>'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>{body}</BkToCstmrStmt></Document>"
    ).encode()


def _statement(entry: str) -> str:
    return f"<Stmt><Id>S1</Id><Acct><Id><IBAN>NL86INGB0002445588</IBAN></Id></Acct>{entry}</Stmt>"


ENTRY = (
    "<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>"
    "<BookgDt><Dt>{date}</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef></Ntry>"
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"not xml at all", "not well-formed XML"),
        (b"<Document><unclosed></Document>", "not well-formed XML"),
        (
            b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
            "not a camt.053",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"/>',
            "not a camt.053",
        ),
        (_document(""), "no statement"),
        (_document("<Stmt><Acct/></Stmt>"), "identification (Id) is missing"),
        (_document("<Stmt><Id>S</Id><Acct><Id/></Acct></Stmt>"), "has no IBAN"),
        (
            _document(_statement(ENTRY.format(amount="12,50", ind="CRDT", date="2026-04-01"))),
            "'12,50' is not an amount",
        ),
        (
            _document(_statement(ENTRY.format(amount="1.005", ind="CRDT", date="2026-04-01"))),
            "not an amount in cents",
        ),
        (
            _document(_statement(ENTRY.format(amount="-5.00", ind="CRDT", date="2026-04-01"))),
            "not an amount in cents",
        ),
        (
            _document(_statement(ENTRY.format(amount="5.00", ind="CRED", date="2026-04-01"))),
            "not CRDT or DBIT",
        ),
        (
            _document(_statement(ENTRY.format(amount="5.00", ind="CRDT", date="01-04-2026"))),
            "not a date",
        ),
        (
            _document(_statement("<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>")),
            "Entry 1: the amount (Amt) is missing",
        ),
        (
            _document(
                _statement(
                    ENTRY.format(amount="5.00", ind="CRDT", date="2026-04-01")
                    + ENTRY.format(amount="6.00", ind="CRDT", date="2026-04-01")
                )
            ),
            "share one bank reference",
        ),
    ],
)
def test_malformed_files_are_refused_clearly(data, message):
    with pytest.raises(CamtError, match=message.replace("(", r"\(").replace(")", r"\)")):
        camt053_parse(data)


def test_a_doctype_with_entities_is_refused_before_expansion():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&lol3;</Document>'
    )
    with pytest.raises(CamtError, match="DOCTYPE"):
        camt053_parse(bomb)


def test_an_external_entity_is_refused():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&x;</Document>'
    )
    with pytest.raises(CamtError, match="DOCTYPE"):
        camt053_parse(xxe)


def test_a_reversal_books_the_other_way():
    entry = (
        "<Ntry><Amt Ccy='EUR'>5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>"
        "<Sts>BOOK</Sts><BookgDt><Dt>2026-04-01</Dt></BookgDt><AcctSvcrRef>R</AcctSvcrRef></Ntry>"
    )
    [statement] = camt053_parse(_document(_statement(entry)))
    assert not statement.entries[0].is_credit
