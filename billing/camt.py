"""Reading camt.053 bank statements (ISO 20022 "BankToCustomerStatement") of NVSI's account.

`camt053_parse(data)` turns the bytes of a statement file into plain dataclasses: one
`Statement` per `<Stmt>` with its account IBAN and entries (`<Ntry>`). It reads the
camt.053.001.* family (tested with versions .02, as ING, Rabobank and ABN AMRO send it, and
.08), looking elements up by the document's own namespace. It writes nothing: matching the
entries to invoices is `billing.services.payments.bank_statement_import`.

Safety: a statement is a file from outside. Before the tree is built, expat reads the whole
document once with handlers that refuse any DOCTYPE, entity declaration or external entity,
so neither "billion laughs" nor external entities get a chance (a camt.053 file never has a
DOCTYPE). Errors are `CamtError` with a message a back-office user can act on.

An entry that carries several transactions (a batch, several `<TxDtls>`) becomes one
`Entry` per transaction, with the transaction's own amount, each referenced as
`<entry reference>/<n>`: each payment is matched on its own.
"""

import datetime
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

NAMESPACE_PATTERN = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})$")


class CamtError(ValueError):
    """The file is not a camt.053 statement this parser can read."""


@dataclass(frozen=True)
class Entry:
    """One booked amount on the statement (or one transaction of a batch entry)."""

    reference: str  # unique within the statement: the bank's reference for the entry
    amount: Decimal  # positive; `is_credit` tells the direction
    is_credit: bool
    currency: str
    booking_date: datetime.date
    value_date: datetime.date | None
    status: str  # BOOK, PDNG, INFO (.02: a code; .08: Sts/Cd)
    account_servicer_reference: str = ""
    end_to_end_id: str = ""
    remittance_information: str = ""  # unstructured, joined
    structured_reference: str = ""  # CdtrRefInf/Ref, e.g. an RF creditor reference
    counterparty_name: str = ""
    counterparty_iban: str = ""
    bank_transaction_code: str = ""  # Domn/Fmly/SubFmlyCd or Prtry/Cd
    # The message and payment information ids of the batch (our own pain.001 file) the entry
    # books: NtryDtls/Btch/MsgId and PmtInfId, and the transaction's Refs/MsgId and PmtInfId.
    batch_references: tuple[str, ...] = ()

    @property
    def is_booked(self) -> bool:
        return self.status in ("", "BOOK")


@dataclass(frozen=True)
class Statement:
    statement_id: str
    account_iban: str
    currency: str
    created_at: datetime.datetime | None
    message_id: str
    version: str  # "02", "08", ...
    from_date: datetime.date | None = None
    to_date: datetime.date | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    entries: list[Entry] = field(default_factory=list)


# --- Parsing -------------------------------------------------------------------------------


def _refuse_declarations(*_args) -> None:
    raise CamtError("The file declares a DOCTYPE or entities; a camt.053 statement has none.")


def _check_plain_xml(data: bytes) -> None:
    """Read the document once with expat, refusing DOCTYPE and entity declarations."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_declarations
    parser.EntityDeclHandler = _refuse_declarations
    parser.UnparsedEntityDeclHandler = _refuse_declarations
    parser.ExternalEntityRefHandler = _refuse_declarations
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise CamtError(f"The file is not well-formed XML ({error}).") from None


class _Reader:
    """Namespaced look-ups on one document: `find(el, "Ntry/Amt")`."""

    def __init__(self, namespace: str):
        self.ns = {"c": namespace}

    def _path(self, path: str) -> str:
        return "/".join(f"c:{part}" for part in path.split("/"))

    def find(self, element, path: str):
        return element.find(self._path(path), self.ns)

    def findall(self, element, path: str):
        return element.findall(self._path(path), self.ns)

    def text(self, element, *paths: str) -> str:
        """The stripped text of the first of `paths` that is present, or ''."""
        for path in paths:
            found = self.find(element, path)
            if found is not None and (found.text or "").strip():
                return " ".join(found.text.split())
        return ""


def _decimal(text: str, *, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CamtError(f"{what}: '{text}' is not an amount.") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise CamtError(f"{what}: '{text}' is not an amount in cents.")
    return value


def _date(text: str, *, what: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        raise CamtError(f"{what}: '{text}' is not a date.") from None


def _datetime(text: str) -> datetime.datetime | None:
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _party(reader: _Reader, element, role: str) -> tuple[str, str]:
    """Name and IBAN of the debtor or creditor of a transaction (.02 and .08 layouts)."""
    name = reader.text(element, f"RltdPties/{role}/Nm", f"RltdPties/{role}/Pty/Nm")
    iban = reader.text(element, f"RltdPties/{role}Acct/Id/IBAN")
    return name, iban.replace(" ", "").upper()


def _entries(reader: _Reader, ntry, *, position: int, statement_id: str) -> list[Entry]:
    what = f"Entry {position}"
    amount_el = reader.find(ntry, "Amt")
    if amount_el is None or not (amount_el.text or "").strip():
        raise CamtError(f"{what}: the amount (Amt) is missing.")
    amount = _decimal(amount_el.text.strip(), what=what)
    currency = amount_el.get("Ccy", "")
    indicator = reader.text(ntry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise CamtError(f"{what}: CdtDbtInd is '{indicator}', not CRDT or DBIT.")
    is_credit = indicator == "CRDT"
    if reader.text(ntry, "RvslInd") in ("true", "1"):
        is_credit = not is_credit  # a reversal books the opposite way
    booking = reader.text(ntry, "BookgDt/Dt", "BookgDt/DtTm")
    if not booking:
        raise CamtError(f"{what}: the booking date (BookgDt) is missing.")
    booking_date = _date(booking, what=what)
    value = reader.text(ntry, "ValDt/Dt", "ValDt/DtTm")
    value_date = _date(value, what=what) if value else None
    status = reader.text(ntry, "Sts/Cd", "Sts")
    svcr_ref = reader.text(ntry, "AcctSvcrRef")
    base_ref = svcr_ref or reader.text(ntry, "NtryRef")
    code = reader.text(ntry, "BkTxCd/Domn/Fmly/SubFmlyCd", "BkTxCd/Prtry/Cd")
    batch_refs = [
        " ".join((el.text or "").split())
        for path in ("NtryDtls/Btch/MsgId", "NtryDtls/Btch/PmtInfId")
        for el in reader.findall(ntry, path)
    ]

    transactions = reader.findall(ntry, "NtryDtls/TxDtls")
    results = []
    for index, tx in enumerate(transactions or [None], start=1):
        tx_amount = amount
        tx_ref = ""
        remittance, structured, e2e, name, iban = "", "", "", "", ""
        tx_batch_refs: list[str] = []
        if tx is not None:
            if len(transactions) > 1:
                own = reader.text(tx, "AmtDtls/TxAmt/Amt", "Amt")
                if not own:
                    raise CamtError(f"{what}, transaction {index}: its amount is missing.")
                tx_amount = _decimal(own, what=f"{what}, transaction {index}")
            tx_ref = reader.text(tx, "Refs/AcctSvcrRef")
            e2e = reader.text(tx, "Refs/EndToEndId")
            tx_batch_refs = [reader.text(tx, "Refs/MsgId"), reader.text(tx, "Refs/PmtInfId")]
            if e2e == "NOTPROVIDED":
                e2e = ""
            remittance = " ".join(
                " ".join((u.text or "").split())
                for u in reader.findall(tx, "RmtInf/Ustrd")
                if (u.text or "").strip()
            )
            structured = reader.text(tx, "RmtInf/Strd/CdtrRefInf/Ref")
            name, iban = _party(reader, tx, "Dbtr" if is_credit else "Cdtr")
        if not remittance:
            remittance = reader.text(ntry, "AddtlNtryInf")
        reference = base_ref or tx_ref
        if not reference:
            # No bank reference at all: a stable one from the statement and the entry's place.
            digest = hashlib.sha256(
                f"{statement_id}|{position}|{booking_date}|{amount}|{e2e}|{remittance}".encode()
            ).hexdigest()[:16]
            reference = f"pos{position}-{digest}"
        if len(transactions) > 1:
            reference = f"{reference}/{index}"
        results.append(
            Entry(
                reference=reference[:140],
                amount=tx_amount,
                is_credit=is_credit,
                currency=currency,
                booking_date=booking_date,
                value_date=value_date,
                status=status,
                account_servicer_reference=svcr_ref or tx_ref,
                end_to_end_id=e2e,
                remittance_information=remittance[:1000],
                structured_reference=structured.replace(" ", ""),
                counterparty_name=name[:140],
                counterparty_iban=iban[:34],
                bank_transaction_code=code,
                batch_references=tuple(dict.fromkeys(r for r in batch_refs + tx_batch_refs if r)),
            )
        )
    return results


def _balance(reader: _Reader, stmt, code: str) -> Decimal | None:
    for bal in reader.findall(stmt, "Bal"):
        if reader.text(bal, "Tp/CdOrPrtry/Cd") == code:
            amount = _decimal(reader.text(bal, "Amt") or "0", what=f"Balance {code}")
            return -amount if reader.text(bal, "CdtDbtInd") == "DBIT" else amount
    return None


def camt053_parse(data: bytes) -> list[Statement]:
    """The statements of a camt.053 file (bytes); CamtError when it cannot be read."""
    if not data or not data.strip():
        raise CamtError("The file is empty.")
    _check_plain_xml(data)
    root = ET.fromstring(data)  # noqa: S314 - declarations refused by _check_plain_xml
    match = re.match(r"^\{([^}]*)\}Document$", root.tag)
    namespace = match.group(1) if match else ""
    version = NAMESPACE_PATTERN.match(namespace)
    if version is None:
        raise CamtError(
            "This is not a camt.053 bank statement (the document's namespace is "
            f"'{namespace or root.tag}'). Download the statement as camt.053 (ISO 20022 XML)."
        )
    reader = _Reader(namespace)
    body = reader.find(root, "BkToCstmrStmt")
    if body is None:
        raise CamtError("The document has no BkToCstmrStmt element.")
    message_id = reader.text(body, "GrpHdr/MsgId")
    statements = []
    for number, stmt in enumerate(reader.findall(body, "Stmt"), start=1):
        statement_id = reader.text(stmt, "Id")
        if not statement_id:
            raise CamtError(f"Statement {number}: its identification (Id) is missing.")
        iban = reader.text(stmt, "Acct/Id/IBAN").replace(" ", "").upper()
        if not iban:
            raise CamtError(f"Statement {statement_id}: the account has no IBAN.")
        entries = []
        for position, ntry in enumerate(reader.findall(stmt, "Ntry"), start=1):
            try:
                entries.extend(_entries(reader, ntry, position=position, statement_id=statement_id))
            except CamtError as error:
                raise CamtError(f"Statement {statement_id}: {error}") from None
        references = [entry.reference for entry in entries]
        if len(references) != len(set(references)):
            raise CamtError(f"Statement {statement_id}: two entries share one bank reference.")
        from_text = reader.text(stmt, "FrToDt/FrDtTm")
        to_text = reader.text(stmt, "FrToDt/ToDtTm")
        statements.append(
            Statement(
                statement_id=statement_id[:140],
                account_iban=iban,
                currency=reader.text(stmt, "Acct/Ccy"),
                created_at=_datetime(reader.text(stmt, "CreDtTm")),
                message_id=message_id,
                version=version.group(1),
                from_date=_date(from_text, what="FrDtTm") if from_text else None,
                to_date=_date(to_text, what="ToDtTm") if to_text else None,
                opening_balance=_balance(reader, stmt, "OPBD"),
                closing_balance=_balance(reader, stmt, "CLBD"),
                entries=entries,
            )
        )
    if not statements:
        raise CamtError("The document holds no statement (Stmt).")
    return statements
