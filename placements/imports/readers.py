"""Read an uploaded file into a header and rows: CSV (UTF-8, comma or semicolon) or XLSX.

The size is checked before anything is parsed; an XLSX file's unpacked size as well (a small
zip can unpack to gigabytes). Rows keep the numbers a spreadsheet shows: the header is row 1.
Wholly empty rows are skipped (a spreadsheet often ends with some).
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from placements.imports.base import FileRefused, Formula, Issue

XLSX_UNPACKED_FACTOR = 10  # an XLSX may unpack to at most this times IMPORT_MAX_BYTES
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (.xls)


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number, cells)


def _refuse(message: str, *, row: int | None = None) -> FileRefused:
    return FileRefused([Issue(row, None, message)])


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size} bytes"
    return f"{size / (1024 * 1024):.0f} MB"


def table_read(path: Path) -> Table:
    """The header and data rows of the file at `path`; FileRefused when it cannot be read."""
    size = path.stat().st_size
    if size > settings.IMPORT_MAX_BYTES:
        raise _refuse(
            _("The file is larger than %(max)s: split it into smaller files.")
            % {"max": _megabytes(settings.IMPORT_MAX_BYTES)}
        )
    if size == 0:
        raise _refuse(_("The file is empty."))
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == _OLE_MAGIC:
        raise _refuse(_("Excel 97-2003 files (.xls) are not read: save it as XLSX or CSV UTF-8."))
    if magic == _ZIP_MAGIC:
        header, rows = _xlsx_rows(path)
    else:
        header, rows = _csv_rows(path.read_bytes())
    if header is None:
        raise _refuse(_("The file is empty."))
    if not any(cell.strip() for cell in header):
        raise _refuse(_("The first row must name the columns."), row=1)
    if not rows:
        raise _refuse(_("The file has a header but no data rows."))
    return Table(header=header, rows=rows)


def _too_many_rows() -> FileRefused:
    return _refuse(
        _("The file has more than %(max)s data rows: split it into smaller files.")
        % {"max": settings.IMPORT_MAX_ROWS}
    )


def _is_blank(cells: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _is_blank_text(cells: list[str]) -> bool:
    return not "".join(cells).strip()


# --- CSV ------------------------------------------------------------------------------------


def csv_delimiter(first_line: str) -> str:
    """Semicolon when the header has more semicolons than commas (Dutch Excel), else comma."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _csv_rows(data: bytes) -> tuple[list[str] | None, list[tuple[int, list[Any]]]]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _refuse(_("The file is UTF-16, not UTF-8: save it as “CSV UTF-8”."), row=1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        raise _refuse(
            _("The file is not UTF-8 (byte 0x%(byte)02x cannot be read): save it as “CSV UTF-8”.")
            % {"byte": data[error.start]},
            row=row,
        ) from None
    if not text.strip():
        raise _refuse(_("The file is empty."))
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n") + 1
        raise _refuse(_("The file holds a NUL character: it is not a text file."), row=row)
    delimiter = csv_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[Any]]] = []
    header = None
    limit = settings.IMPORT_MAX_ROWS
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if number == 1:
                header = cells
            elif cells and not _is_blank_text(cells):
                rows.append((number, cells))
                if len(rows) > limit:
                    raise _too_many_rows()
    except csv.Error as error:
        raise _refuse(
            _("The file cannot be read as CSV: %(reason)s.") % {"reason": error}, row=number + 1
        ) from None
    return header, rows


# --- XLSX -----------------------------------------------------------------------------------


def _xlsx_rows(path: Path) -> tuple[list[str] | None, list[tuple[int, list[Any]]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _refuse(_("This is not a readable XLSX file.")) from None
    if unpacked > settings.IMPORT_MAX_BYTES * XLSX_UNPACKED_FACTOR:
        raise _refuse(
            _("The spreadsheet unpacks to more than %(max)s: split it into smaller files.")
            % {"max": _megabytes(settings.IMPORT_MAX_BYTES * XLSX_UNPACKED_FACTOR)}
        )
    # Opened as a file, not by name: openpyxl refuses a name without an .xlsx extension,
    # and the admin keeps uploads under a bare uuid.
    handle = path.open("rb")
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        handle.close()
        raise _refuse(_("This is not a readable XLSX file.")) from None
    try:
        sheet = workbook.worksheets[0]
        header = None
        rows: list[tuple[int, list[Any]]] = []
        limit = settings.IMPORT_MAX_ROWS
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = [
                Formula(cell.value) if cell.data_type == "f" else cell.value for cell in cells
            ]
            if number == 1:
                header = [_header_text(value) for value in values]
                while header and not header[-1]:
                    header.pop()  # formatted but empty cells to the right
            elif not _is_blank(values):
                rows.append((number, values))
                if len(rows) > limit:
                    raise _too_many_rows()
    finally:
        workbook.close()
        handle.close()
    return header, rows


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return str(value.text)
    return str(value)
