"""Spreadsheet exports of the portal's lists: one writer for CSV and XLSX.

Every export goes through `export_response`, so every list comes out the same way:

* **Headers in Dutch**, fixed in the code of each export rather than translated: an export is
  an interface people build their own spreadsheets and macros on, so its column names stay
  the same whatever language the portal is shown in. Choice labels (statuses) are written
  in Dutch as well: the rows are produced under `translation.override("nl")`.
* **CSV for Dutch Excel**: `;` as delimiter (Dutch Excel reads `,` as the decimal sign, and
  opens a `;`-separated file straight into columns), UTF-8 with a byte-order mark (without it
  Excel reads the file as Windows-1252 and garbles "ë"), dates as `dd-mm-jjjj`, decimals with
  a comma and no thousands separator (`1234,50`), yes/no as `ja`/`nee`. Every field is
  quoted when it needs to be (csv.QUOTE_MINIMAL).
* **XLSX with real types**: dates are date cells shown as `dd-mm-jjjj`, decimals are number
  cells (`0,00`), so a coordinator can sum and filter without converting anything.
* **Formula-safe** (CSV/formula injection): a text whose first character is `=`, `+`, `-`,
  `@`, a tab or a carriage return would be run as a formula by a spreadsheet. In CSV it is
  prefixed with a single quote (`'=HYPERLINK(...)`), which the spreadsheet shows as text; in
  XLSX it is written as a text cell (never a formula cell) and marked with Excel's quote
  prefix, so the text survives editing the cell too. Only text is treated this way: a
  negative number stays a number.

Exports never carry a full BSN; an export that shows an IBAN passes the masked one. That is
the caller's part: this module writes what it is given.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation

FORMATS = ("csv", "xlsx")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"
DATE_FORMAT_CSV = "%d-%m-%Y"
DATE_FORMAT_XLSX = "DD-MM-YYYY"
DATETIME_FORMAT_XLSX = "DD-MM-YYYY HH:MM"
DECIMAL_FORMAT_XLSX = "0.00"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """One column of an export: its Dutch header and how to read the value from a row."""

    header: str
    value: Callable[[Any], Any]
    width: int = 16


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def csv_value(value: Any) -> str:
    """One value as CSV text for Dutch Excel (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime(DATE_FORMAT_CSV + " %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT_CSV)
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, float):
        raise TypeError("Exports take Decimal, not float.")
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def _rows(columns: Sequence[Column], objects: Iterable[Any]) -> Iterable[list[Any]]:
    for obj in objects:
        yield [column.value(obj) for column in columns]


class _Echo:
    """A file-like object whose write returns the line, for a streaming CSV response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(columns: Sequence[Column], objects: Iterable[Any]) -> Iterable[str]:
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([csv_value(c.header) for c in columns])
    with translation.override("nl"):
        for row in _rows(columns, objects):
            yield writer.writerow([csv_value(value) for value in row])


def xlsx_cell(sheet, value: Any):
    """One value as an XLSX cell of the right type (see the module docstring)."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, float):
        raise TypeError("Exports take Decimal, not float.")
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.make_naive(timezone.localtime(value))
    if value is not None and not isinstance(
        value, bool | int | Decimal | datetime.date | datetime.datetime
    ):
        value = str(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl turns a text starting with "=" into a formula; a text cell is never run.
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    elif isinstance(value, bool):
        cell.value = "ja" if value else "nee"
    elif isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT_XLSX
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT_XLSX
    elif isinstance(value, Decimal):
        cell.number_format = DECIMAL_FORMAT_XLSX
    return cell


def xlsx_bytes(*, title: str, columns: Sequence[Column], objects: Iterable[Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header = []
    for column in columns:
        cell = xlsx_cell(sheet, column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    with translation.override("nl"):
        for row in _rows(columns, objects):
            sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(
    *, export_format: str, filename: str, title: str, columns: Sequence[Column], objects
) -> HttpResponse | StreamingHttpResponse:
    """The export as a download: `filename` without extension, `title` names the sheet."""
    if export_format == "csv":
        response = StreamingHttpResponse(
            _csv_lines(columns, objects), content_type="text/csv; charset=utf-8"
        )
    elif export_format == "xlsx":
        response = HttpResponse(
            xlsx_bytes(title=title, columns=columns, objects=objects),
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        raise ValueError(f"Unknown export format: {export_format}")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    response["Cache-Control"] = "no-store"
    return response
