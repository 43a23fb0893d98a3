"""A camt.053.001.02 statement of NVSI's account, built for a test (ING layout).

A debit (`debit=True`) may book one of NVSI's own SEPA batches: `batch_message_id` and
`batch_payment_information_id` go into `NtryDtls/Btch` as the bank reports them, and
`transactions` (amounts) split the entry into one `TxDtls` per transfer of the batch.
"""

from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape


@dataclass
class Credit:
    amount: Decimal | str
    reference: str  # the bank's AcctSvcrRef
    structured: str = ""
    description: str = ""
    debit: bool = False
    name: str = "Opdrachtgever B.V."
    booking_date: str = "2026-04-20"
    batch_message_id: str = ""
    batch_payment_information_id: str = ""
    transactions: tuple[Decimal | str, ...] = ()


def _batch(c: Credit) -> str:
    if not (c.batch_message_id or c.batch_payment_information_id or c.transactions):
        return ""
    parts = ""
    if c.batch_message_id:
        parts += f"<MsgId>{escape(c.batch_message_id)}</MsgId>"
    if c.batch_payment_information_id:
        parts += f"<PmtInfId>{escape(c.batch_payment_information_id)}</PmtInfId>"
    count = len(c.transactions) or 1
    return f"<Btch>{parts}<NbOfTxs>{count}</NbOfTxs></Btch>"


def _transactions(c: Credit, rmt: str) -> str:
    party = "Cdtr" if c.debit else "Dbtr"
    if not c.transactions:
        return (
            f"<TxDtls><RltdPties><{party}><Nm>{escape(c.name)}</Nm></{party}>"
            f"</RltdPties><RmtInf>{rmt}</RmtInf></TxDtls>"
        )
    return "".join(
        f"<TxDtls><AmtDtls><TxAmt><Amt Ccy='EUR'>{amount}</Amt></TxAmt></AmtDtls>"
        f"<RltdPties><{party}><Nm>{escape(c.name)} {n}</Nm></{party}></RltdPties>"
        f"<RmtInf>{rmt}</RmtInf></TxDtls>"
        for n, amount in enumerate(c.transactions, start=1)
    )


def camt053(
    *credits: Credit, statement_id: str = "S-2026-04-20", iban: str = "NL86INGB0002445588"
) -> bytes:
    entries = []
    for c in credits:
        rmt = ""
        if c.structured:
            rmt += f"<Strd><CdtrRefInf><Ref>{escape(c.structured)}</Ref></CdtrRefInf></Strd>"
        if c.description:
            rmt += f"<Ustrd>{escape(c.description)}</Ustrd>"
        entries.append(
            f"<Ntry><Amt Ccy='EUR'>{c.amount}</Amt>"
            f"<CdtDbtInd>{'DBIT' if c.debit else 'CRDT'}</CdtDbtInd><Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{c.booking_date}</Dt></BookgDt>"
            f"<ValDt><Dt>{c.booking_date}</Dt></ValDt>"
            f"<AcctSvcrRef>{escape(c.reference)}</AcctSvcrRef>"
            f"<NtryDtls>{_batch(c)}{_transactions(c, rmt)}</NtryDtls></Ntry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>TEST</MsgId><CreDtTm>2026-04-21T06:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    ).encode()
