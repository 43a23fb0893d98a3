"""Read an uploaded file into a header and rows: CSV (UTF-8, comma or semicolon) or XLSX.

The size is checked before anything is parsed; an XLSX file's unpacked size as well (a small
zip can unpack to gigabytes). Rows keep the numbers a spreadsheet shows: the header is row 1.
Wholly empty rows are skipped (a spreadsheet often ends with some).
"""

import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from placements.imports.base import FileRefused, Formula, Issue

logger = logging.getLogger(__name__)

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
    if len(header) > XLSX_MAX_COLUMNS:
        raise _too_wide(len(header))
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

# An XLSX file is a zip of XML parts. Before openpyxl parses anything, `xlsx_inspect` reads
# the zip's directory and streams every XML part once through a few byte patterns: a small
# file can declare a sheet of A1:XFD1048576 (openpyxl then pads every row to 16,384 cells),
# hold millions of shared strings (openpyxl keeps them all in memory), unpack to gigabytes, or
# carry a DTD with entities (billion laughs, external files). Each limit derives from
# IMPORT_MAX_ROWS and IMPORT_MAX_BYTES.
XLSX_MAX_COLUMNS = 100  # an import type has at most 18 columns
XLSX_MAX_RATIO = 250  # a part may unpack to at most this times its compressed size
XLSX_SHARED_STRINGS_PER_ROW = 2  # shared strings allowed per permitted data row
_CHUNK = 1 << 20
_TAIL_MAX = 1 << 16
_XML_PARTS = (".xml", ".rels", ".vml")
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING = re.compile(rb"^<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*\"([^\"]*)\"")
_ROW_INDEX = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr\s*=\s*\"(\d+)\"")
_ROW = re.compile(rb"<(?:\w+:)?row[\s/>]")
_CELL_COLUMN = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr\s*=\s*\"([A-Za-z]+)\d")
_SST = re.compile(rb"<(?:\w+:)?sst\b[^>]*>")
_UNIQUE_COUNT = re.compile(rb"\buniqueCount\s*=\s*\"(\d+)\"")
_SI = re.compile(rb"<(?:\w+:)?si[\s/>]")
_RANGE = re.compile(r"([A-Za-z]{1,3})?(\d+)?")
_ASCII_COMPATIBLE = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"}


def xlsx_max_unpacked() -> int:
    return settings.IMPORT_MAX_BYTES * XLSX_UNPACKED_FACTOR


def xlsx_max_shared_strings() -> int:
    return settings.IMPORT_MAX_ROWS * XLSX_SHARED_STRINGS_PER_ROW


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index


def _not_xlsx() -> FileRefused:
    return _refuse(_("This is not a readable XLSX file."))


@dataclass
class XlsxShape:
    """What the inspection found: the widest column and the last row of any sheet."""

    columns: int = 0  # 0: no cell names its column
    rows: int = 0
    row_elements: int = 0


def _too_wide(columns: int) -> FileRefused:
    return _refuse(
        _(
            "The spreadsheet has %(columns)s columns; an import has at most %(max)s: delete "
            "the columns that do not belong to it."
        )
        % {"columns": columns, "max": XLSX_MAX_COLUMNS}
    )


def _dimension_check(ref: str) -> None:
    """A sheet's declared range (A1:F501): at most IMPORT_MAX_ROWS + 1 rows, XLSX_MAX_COLUMNS
    columns; a range that cannot be read is refused too."""
    last = ref.split(":")[-1].strip()
    match = _RANGE.fullmatch(last)
    if match is None or not last:
        raise _not_xlsx()
    letters, digits = match.groups()
    if letters and _column_index(letters) > XLSX_MAX_COLUMNS:
        raise _too_wide(_column_index(letters))
    if digits and int(digits) > settings.IMPORT_MAX_ROWS + 1:
        raise _too_many_rows()


def _part_scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape: XlsxShape) -> None:
    """Stream one XML part: no DTD or entity, an encoding the byte patterns can read, and
    for a worksheet its rows and columns, for the shared strings their number."""
    name = info.filename.lower()
    worksheet = "/worksheets/" in f"/{name}" and name.endswith(".xml")
    shared = name.endswith("sharedstrings.xml")
    strings = 0
    first = True
    tail = b""
    with archive.open(info) as part:
        while True:
            chunk = part.read(_CHUNK)
            if first:
                first = False
                head = chunk[3:] if chunk.startswith(b"\xef\xbb\xbf") else chunk
                if b"\x00" in head[:256] or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
                    raise _not_xlsx()  # UTF-16 or UTF-32: the patterns below cannot read it
                declared = _ENCODING.match(head.lstrip())
                if declared and declared.group(1).decode().lower() not in _ASCII_COMPATIBLE:
                    raise _not_xlsx()
                if worksheet and (dimension := _DIMENSION.search(head)):
                    _dimension_check(dimension.group(1).decode("ascii", "replace"))
                sst = _SST.search(head) if shared else None
                unique = _UNIQUE_COUNT.search(sst.group(0)) if sst else None
                if unique and int(unique.group(1)) > xlsx_max_shared_strings():
                    raise _too_many_strings()
            if not chunk:
                data, tail = tail, b""
            else:
                data = tail + chunk
                cut = data.rfind(b"<")
                if cut == -1 or data.find(b">", cut) != -1 or len(data) - cut > _TAIL_MAX:
                    tail = b""
                else:
                    data, tail = data[:cut], data[cut:]
            if _DTD.search(data):
                raise _refuse(
                    _(
                        "The spreadsheet holds a document type declaration (DTD): it is not "
                        "read. Save it again as an ordinary XLSX file."
                    )
                )
            if worksheet:
                _sheet_scan(data, shape)
            if shared:
                strings += len(_SI.findall(data))
                if strings > xlsx_max_shared_strings():
                    raise _too_many_strings()
            if not chunk:
                break


def _sheet_scan(data: bytes, shape: XlsxShape) -> None:
    indices = _ROW_INDEX.findall(data)
    if indices:
        shape.rows = max(shape.rows, max(map(int, indices)))
    count = len(_ROW.findall(data))
    shape.row_elements += count
    shape.rows = max(shape.rows, shape.row_elements)
    if shape.rows > settings.IMPORT_MAX_ROWS + 1:
        raise _too_many_rows()
    letters = set(_CELL_COLUMN.findall(data))
    if letters:
        widest = max(_column_index(text.decode("ascii")) for text in letters)
        if widest > XLSX_MAX_COLUMNS:
            raise _too_wide(widest)
        shape.columns = max(shape.columns, widest)


def _too_many_strings() -> FileRefused:
    return _refuse(
        _("The spreadsheet holds more than %(max)s different texts: split it into smaller files.")
        % {"max": xlsx_max_shared_strings()}
    )


def xlsx_inspect(path: Path) -> XlsxShape:
    """Check an XLSX file's zip before it is parsed (see above); FileRefused when a limit is
    exceeded or the zip is not one."""
    shape = XlsxShape()
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            unpacked = sum(info.file_size for info in infos)
            if unpacked > xlsx_max_unpacked():
                raise _refuse(
                    _("The spreadsheet unpacks to more than %(max)s: split it into smaller files.")
                    % {"max": _megabytes(xlsx_max_unpacked())}
                )
            for info in infos:
                if info.file_size > _CHUNK and info.file_size > XLSX_MAX_RATIO * max(
                    info.compress_size, 1
                ):
                    raise _refuse(
                        _(
                            "The spreadsheet is packed more than %(ratio)s times: it is not an "
                            "ordinary XLSX file."
                        )
                        % {"ratio": XLSX_MAX_RATIO}
                    )
            names = {info.filename for info in infos}
            if "xl/workbook.xml" not in names and not any(
                name.lower().endswith("workbook.xml") for name in names
            ):
                raise _not_xlsx()
            for info in infos:
                if info.filename.lower().endswith(_XML_PARTS):
                    _part_scan(archive, info, shape)
    except FileRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise _not_xlsx() from None
    except Exception as error:  # a hostile zip: any failure is "not readable"
        # Only the kind of error: its text may quote a cell (a BSN).
        logger.info("An XLSX file failed its inspection: %s.", type(error).__name__)
        raise _not_xlsx() from None
    return shape


def _xlsx_rows(path: Path) -> tuple[list[str] | None, list[tuple[int, list[Any]]]]:
    shape = xlsx_inspect(path)
    try:
        return _xlsx_parse(path, shape)
    except FileRefused:
        raise
    except Exception as error:  # openpyxl on a malformed file raises anything
        logger.info("An XLSX file could not be parsed: %s.", type(error).__name__)
        raise _not_xlsx() from None


def _xlsx_parse(
    path: Path, shape: XlsxShape
) -> tuple[list[str] | None, list[tuple[int, list[Any]]]]:
    import openpyxl

    # Opened as a file, not by name: openpyxl refuses a name without an .xlsx extension.
    with path.open("rb") as handle:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=False, keep_links=False)
        try:
            if not workbook.worksheets:
                raise _refuse(_("The spreadsheet has no worksheet."))
            sheet = workbook.worksheets[0]
            if not hasattr(sheet, "iter_rows"):
                raise _refuse(_("The first sheet of the spreadsheet is not a worksheet."))
            # The inspection found the widest column: openpyxl pads each row to it, not to the
            # declared dimension (which may lie). Cells without a reference: the maximum.
            sheet.reset_dimensions()
            max_col = shape.columns or XLSX_MAX_COLUMNS
            header = None
            rows: list[tuple[int, list[Any]]] = []
            limit = settings.IMPORT_MAX_ROWS
            for number, cells in enumerate(sheet.iter_rows(max_col=max_col), start=1):
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
    return header, rows


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return str(value.text)
    return str(value)
