"""What every import shares: issues (`row N, column X: reason`), columns, results, cell parsers.

Cell values arrive as text from a CSV file and typed (number, date, text) from an XLSX file;
the parsers take both. Text is stored as it is (only surrounding spaces dropped): a cell
starting with `=`, `+`, `-` or `@` is data, never evaluated here; exports make it safe.
"""

import datetime
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Issue:
    """One reason a file is refused: row as the spreadsheet shows it (header = 1), column name."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        # The prefix is part of the command's interface (scripts read it): never translated.
        if self.row is not None and self.column:
            return f"row {self.row}, column {self.column}: {self.message}"
        if self.row is not None:
            return f"row {self.row}: {self.message}"
        return self.message


class FileRefused(Exception):
    """The file as a whole cannot be read: too large, not UTF-8, empty, no valid header."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


class CellError(Exception):
    """A cell that cannot be read as its column's type; the message says why."""


class Formula:
    """An XLSX cell holding a formula (refused: paste values instead)."""

    def __init__(self, text: str):
        self.text = text


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    parse: Callable[[Any], Any]
    empty: Any = None  # the value of an empty optional cell
    masked: bool = False  # shown masked in the preview (BSN, IBAN)
    may_be_absent: bool = False  # added later: a file without it keeps the stored values


class _Absent:
    """The value of a column the file does not have (`Column.may_be_absent`)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()

# The Dutch name of every column: a header may use either (matched as `header_key` does).
DUTCH_HEADERS = {
    "municipality": "gemeente",
    "client_number": "klantnummer",
    "first_name": "voornaam",
    "last_name": "achternaam",
    "birth_date": "geboortedatum",
    "bsn": "bsn",
    "iban": "iban",
    "status": "status",
    "left_for_work_on": "uitgestroomd_op",
    "wage_cost_subsidy": "loonkostensubsidie",
    "street": "straat",
    "house_number": "huisnummer",
    "postcode": "postcode",
    "city": "woonplaats",
    "kvk_number": "kvk_nummer",
    "name": "naam",
    "vat_number": "btw_nummer",
    "billing_address": "factuuradres",
    "billing_email": "factuur_email",
    "contact_person": "contactpersoon",
    "invoice_reference": "referentie",
    "framework_agreement_date": "raamovereenkomst_getekend_op",
    "start_date": "startdatum",
    "end_date": "einddatum",
    "hours_per_week": "uren_per_week",
    "work_description": "werkzaamheden",
    "hourly_rate": "uurtarief",
    "displacement_check_date": "verdringingstoets_datum",
    "client_signatory": "ondertekend_door_opdrachtgever",
    "approved_by": "goedgekeurd_door",
    "approved_on": "goedgekeurd_op",
    "assignment_start_date": "startdatum_opdracht",
    "work_date": "werkdatum",
    "hours": "uren",
    "year": "jaar",
    "accrued": "opgebouwd",
    "paid": "uitbetaald",
    "payouts": "uitbetalingen",
}


def header_key(text: str) -> str:
    """A header cell as compared: lower case, spaces and hyphens as one underscore, so
    "KvK-nummer", "kvk nummer" and "kvk_nummer" are the same column."""
    text = (text or "").strip().lower().replace("e-mail", "email")
    return re.sub(r"[\s\-_]+", "_", text).strip("_")


def dutch_header(name: str) -> str:
    return DUTCH_HEADERS.get(name, name)


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    cells: list[Any]  # the cells as read
    positions: tuple[int, ...]  # where the importer's columns are among them
    masked: tuple[bool, ...]  # per column: shown masked in the preview
    bad: frozenset = frozenset()  # the columns whose cell is refused (their values are None)

    def shown(self) -> list[str]:
        """The cells as the preview shows them: BSN and IBAN masked."""
        cells = []
        for position, masked in zip(self.positions, self.masked, strict=True):
            raw = self.cells[position] if position < len(self.cells) else None
            text = "" if raw is None else str(raw).strip()
            cells.append("*" * max(len(text) - 4, 0) + text[-4:] if masked else text)
        return cells


@dataclass
class PreviewRow:
    number: int
    action: str  # "create", "update", "unchanged"
    cells: list[str]


@dataclass
class ImportResult:
    kind: str
    file_name: str
    dry_run: bool
    columns: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    preview: list[PreviewRow] = field(default_factory=list)
    # progress(done, total): called at most every PROGRESS_EVERY seconds while rows are
    # checked or written (the admin's background task shows it).
    progress: Callable[[int, int], None] | None = field(default=None, repr=False, compare=False)
    _ticked: float = field(default_factory=time.monotonic, repr=False, compare=False)
    _issue_rows: int = field(default=0, repr=False, compare=False)
    _last_issue_row: int | None = field(default=None, repr=False, compare=False)

    PREVIEW_ROWS = 10
    PROGRESS_EVERY = 1.0

    @property
    def handled(self) -> int:
        """Rows counted or refused so far (for progress)."""
        return min(self.created + self.updated + self.unchanged + self._issue_rows, self.rows)

    def _tick(self) -> None:
        now = time.monotonic()
        if now - self._ticked >= self.PROGRESS_EVERY:
            self._ticked = now
            self.progress(self.handled, self.rows)

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def add_issue(self, row: int | None, column: str | None, message: str) -> None:
        self.issues.append(Issue(row, column, str(message)))
        if row is not None and row != self._last_issue_row:
            self._last_issue_row = row
            self._issue_rows += 1
        if self.progress is not None:
            self._tick()

    def count(self, row: Row, action: str) -> None:
        if action == "create":
            self.created += 1
        elif action == "update":
            self.updated += 1
        else:
            self.unchanged += 1
        if len(self.preview) < self.PREVIEW_ROWS:
            self.preview.append(PreviewRow(row.number, action, row.shown()))
        if self.progress is not None:
            self._tick()

    def summary(self) -> str:
        return (
            f"{self.kind}: {self.rows} rows; {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


def add_validation_issues(
    result: ImportResult,
    row: int,
    error: ValidationError,
    *,
    columns: dict[str, str],
    default_column: str,
) -> None:
    """A service's ValidationError as issues: field names mapped to columns."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            column = columns.get(name, name if name != NON_FIELD_ERRORS else default_column)
            for message in ValidationError(errors).messages:
                result.add_issue(row, column, message)
    else:
        for message in error.messages:
            result.add_issue(row, default_column, message)


def day(value: datetime.date) -> str:
    return f"{value:%d-%m-%Y}"


# --- Cell parsers ------------------------------------------------------------------------------


def parse_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return day(value.date())
    if isinstance(value, datetime.date):
        return day(value)
    return str(value).strip()


def text_max(length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = parse_text(value)
        if len(text) > length:
            raise CellError(
                _("At most %(max)s characters (this cell has %(length)s).")
                % {"max": length, "length": len(text)}
            )
        return text

    return parse


def parse_email(value: Any) -> str:
    """An e-mail address naming a user: compared case-insensitively, so lower case."""
    text = parse_text(value).lower()
    if len(text) > 254 or "@" not in text:
        raise CellError(_("Enter an e-mail address, not “%(value)s”.") % {"value": text})
    return text


def parse_code(value: Any) -> str:
    """An identifier (CBS code, client number): text, upper case for codes like gm0014."""
    return parse_text(value).upper()


def parse_kvk(value: Any) -> str:
    """A KvK number of eight digits (spaces, dots and hyphens dropped); a number cell lost its
    leading zeros in the spreadsheet: padded to eight."""
    from placements.validators import kvk_normalise

    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        value = f"{int(value):08d}"
    try:
        return kvk_normalise(parse_text(value))
    except ValidationError as error:
        raise CellError(error.messages[0]) from None


_DATE_DMY = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
_DATE_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = parse_text(value)
    if match := _DATE_YMD.fullmatch(text):
        year, month, day_ = match.groups()
    elif match := _DATE_DMY.fullmatch(text):
        day_, month, year = match.groups()
    else:
        raise CellError(
            _("Enter a date as 31-12-2026 or 2026-12-31, not “%(value)s”.") % {"value": text}
        )
    try:
        return datetime.date(int(year), int(month), int(day_))
    except ValueError:
        raise CellError(_("There is no date “%(value)s”.") % {"value": text}) from None


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_decimal(value: Any) -> Decimal:
    """7,5 or 7.5 (a decimal comma or point, no thousands separators); number cells as is."""
    if isinstance(value, bool):
        raise CellError(_("Enter a number, e.g. 7,5 or 7.5."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = parse_text(value)
    if "," in text and "." in text:
        raise CellError(
            _(
                "Enter a number with a decimal comma or point, without thousands separators, not “%(value)s”."
            )
            % {"value": text}
        )
    compact = text.replace(",", ".")
    if not _NUMBER.fullmatch(compact):
        raise CellError(_("Enter a number, e.g. 7,5 or 7.5, not “%(value)s”.") % {"value": text})
    try:
        return Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise CellError(_("Enter a number, e.g. 7,5 or 7.5.")) from None


_GROUPED = {
    ",": re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?"),  # Dutch: 1.234,56
    ".": re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?"),  # 1,234.56
}


def parse_money(value: Any) -> Decimal:
    """An amount in euros, at most two decimals: as `parse_decimal` (1234,56 or 1234.56), and
    also with thousands separators when the decimal sign is the other one: 1.234,56 (Dutch)
    or 1,234.56. A lone separator followed by three digits (1.234 or 1,234) is refused:
    a thousand or one euro and a bit, the reader cannot tell."""
    if isinstance(value, str):
        text = value.strip()
        sign = text[:1] if text[:1] in "+-" else ""
        digits = text[len(sign) :]
        separators = [sign_ for sign_ in ",." if sign_ in digits]
        if len(separators) == 2:
            decimal_sign = max(separators, key=digits.rfind)
            if not _GROUPED[decimal_sign].fullmatch(digits):
                raise CellError(
                    _("Enter an amount as 1234,56, 1234.56 or 1.234,56, not “%(value)s”.")
                    % {"value": text}
                )
            thousands = "." if decimal_sign == "," else ","
            value = sign + digits.replace(thousands, "").replace(decimal_sign, ".")
        elif len(separators) == 1 and (
            digits.count(separators[0]) > 1 or re.fullmatch(r"[1-9]\d{0,2}[.,]\d{3}", digits)
        ):
            raise CellError(
                _(
                    "“%(value)s” is ambiguous: write whole euros without a thousands "
                    "separator (3000), or with the cents (3.000,00 or 3000.00)."
                )
                % {"value": text}
            )
    amount = parse_decimal(value)
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(_("An amount in euros has at most two decimals."))
    return amount


def parse_count(value: Any) -> int:
    """A whole number of at least 0 (e.g. payouts): 2, or a number cell 2.0."""
    if isinstance(value, bool):
        raise CellError(_("Enter a whole number, e.g. 0, 1 or 2."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = parse_text(value)
        if not text.isdigit():
            raise CellError(
                _("Enter a whole number, e.g. 0, 1 or 2, not “%(value)s”.") % {"value": text}
            )
        number = int(text)
    if number < 0:
        raise CellError(
            _("Enter a whole number, e.g. 0, 1 or 2, not “%(value)s”.") % {"value": number}
        )
    return number


def parse_year(value: Any) -> int:
    """A calendar year of four digits: 2026, or a number cell 2026."""
    try:
        number = parse_count(value)
    except CellError:
        number = None
    if number is None or not 1000 <= number <= 9999:
        raise CellError(
            _("Enter a year of four digits, e.g. 2026, not “%(value)s”.")
            % {"value": parse_text(value)}
        )
    return number


_TRUE = {"1", "yes", "ja", "j", "y", "true", "waar"}
_FALSE = {"0", "no", "nee", "n", "false", "onwaar"}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = parse_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("Enter yes or no (ja/nee, 1/0), not “%(value)s”.") % {"value": text})


def choice(values: list[str]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = parse_text(value).lower()
        if text not in values:
            raise CellError(
                _("Enter one of %(choices)s, not “%(value)s”.")
                % {"choices": ", ".join(values), "value": text}
            )
        return text

    return parse
