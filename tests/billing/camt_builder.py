"""A camt.053.001.02 statement of NVSI's account, built for a test (ING layout)."""

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
        party = "Cdtr" if c.debit else "Dbtr"
        entries.append(
            f"<Ntry><Amt Ccy='EUR'>{c.amount}</Amt>"
            f"<CdtDbtInd>{'DBIT' if c.debit else 'CRDT'}</CdtDbtInd><Sts>BOOK</Sts>"
            "<BookgDt><Dt>2026-04-20</Dt></BookgDt><ValDt><Dt>2026-04-20</Dt></ValDt>"
            f"<AcctSvcrRef>{escape(c.reference)}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><RltdPties><{party}><Nm>{escape(c.name)}</Nm></{party}>"
            f"</RltdPties><RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>TEST</MsgId><CreDtTm>2026-04-21T06:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    ).encode()
