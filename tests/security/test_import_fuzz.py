"""Malformed import files: every one gets a clean error, writes nothing and parses in bounded
memory (docs/imports.md, "Limits").

`fuzz_files` makes 200+ broken CSV and XLSX files (truncated, random bytes, flipped bytes,
missing or broken zip parts, bad workbook.xml, no worksheet, DTDs and entities, huge
dimensions, too many shared strings, rows or columns, zip bombs, wrong encodings, huge
cells) at the portal's default limits. A child process reads each of them with the import's
reader and reports its peak resident memory (ru_maxrss); then each file goes through
`manage.py import_data` here, which must exit with 1 and name a row or the file, with the
database unchanged.
"""

import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from core.models import AuditEvent
from placements.imports import import_kinds
from placements.models import Assignment, Candidate, Client, TimeEntry
from premiums.models import PremiumOpeningBalance

ROOT = Path(__file__).resolve().parents[2]
MAX_RSS_MB = 300
# The limits derive from IMPORT_MAX_ROWS (and IMPORT_MAX_BYTES, kept at its default): a lower
# row limit here keeps the files that exceed it small and the test fast.
ROWS_MAX = 20_000
KINDS = [
    "candidates",
    "clients",
    "assignments",
    "approved_assignments",
    "hours",
    "premium_opening_balances",
]
HEADER = ["gemeente", "klantnummer", "kvk_nummer", "startdatum_opdracht", "werkdatum", "uren"]


@pytest.fixture(autouse=True)
def _row_limit(settings):
    settings.IMPORT_MAX_ROWS = ROWS_MAX


def _valid_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for number in range(20):
        sheet.append(["GM0014", f"K-{number}", "12345678", "02-03-2026", "03-03-2026", "8"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(parts: dict[str, bytes], *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _replace(base: dict[str, bytes], **changes: bytes | None) -> bytes:
    parts = dict(base)
    for key, content in changes.items():
        name = {
            "workbook": "xl/workbook.xml",
            "sheet": "xl/worksheets/sheet1.xml",
            "types": "[Content_Types].xml",
            "rels": "_rels/.rels",
            "wbrels": "xl/_rels/workbook.xml.rels",
            "styles": "xl/styles.xml",
            "strings": "xl/sharedStrings.xml",
        }[key]
        if content is None:
            parts.pop(name, None)
        else:
            parts[name] = content
    return _zip(parts)


NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _sheet(rows: bytes, dimension: bytes | None = b"A1:F2") -> bytes:
    dim = b'<dimension ref="' + dimension + b'"/>' if dimension else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
        + NS
        + b">"
        + dim
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def _inline_row(number: int, texts: list[str]) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>'
        % (openpyxl.utils.get_column_letter(index).encode(), number, text.encode())
        for index, text in enumerate(texts, start=1)
    )
    return b'<row r="%d">%s</row>' % (number, cells)


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>"
)


def _dtd_variants(base: dict[str, bytes]) -> list[tuple[str, bytes]]:
    header = _inline_row(1, HEADER)
    external = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    sheet_body = _sheet(
        header + b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    )
    sheet_body = sheet_body.split(b"?>", 1)[1]
    cases = [
        ("laughs-sheet", _replace(base, sheet=LAUGHS + sheet_body)),
        ("external-sheet", _replace(base, sheet=external + sheet_body.replace(b"&lol9;", b"&e;"))),
        (
            "laughs-strings",
            _replace(base, strings=LAUGHS + b"<sst " + NS + b"><si><t>&lol9;</t></si></sst>"),
        ),
        (
            "laughs-workbook",
            _replace(base, workbook=LAUGHS + base["xl/workbook.xml"].split(b"?>", 1)[-1]),
        ),
        (
            "laughs-types",
            _replace(base, types=LAUGHS + base["[Content_Types].xml"].split(b"?>", 1)[-1]),
        ),
        ("external-rels", _replace(base, rels=external + base["_rels/.rels"].split(b"?>", 1)[-1])),
        ("doctype-lower", _replace(base, sheet=b"<!doctype worksheet>" + sheet_body)),
        (
            "doctype-spaced",
            _replace(base, sheet=b"<?xml version='1.0'?>\n\n<! DOCTYPE w []>" + sheet_body),
        ),
        (
            "parameter-entity",
            _replace(
                base,
                sheet=b'<!DOCTYPE w [<!ENTITY % p SYSTEM "http://example.invalid/x">%p;]>'
                + sheet_body,
            ),
        ),
        (
            "utf16-sheet",
            _replace(base, sheet=(LAUGHS.decode() + sheet_body.decode()).encode("utf-16")),
        ),
        (
            "utf16-declared",
            _replace(base, sheet=b'<?xml version="1.0" encoding="UTF-16"?>' + sheet_body),
        ),
        (
            "ebcdic-declared",
            _replace(base, sheet=b'<?xml version="1.0" encoding="cp500"?>' + sheet_body),
        ),
        (
            "doctype-deep",
            _replace(
                base,
                sheet=b"<?xml version='1.0'?>"
                + b"<!--"
                + random.Random(1).randbytes(1_500_000).hex().encode()
                + b"-->"
                + b"<!DOCTYPE w>"
                + sheet_body,
            ),
        ),
    ]
    return cases


def _patched_size(data: bytes, size: int) -> bytes:
    """The zip with the central directory's first uncompressed size set to `size`."""
    at = data.index(b"PK\x01\x02")
    return data[: at + 24] + struct.pack("<I", size) + data[at + 28 :]


def fuzz_files(directory: Path) -> list[Path]:
    rnd = random.Random(14)
    files: list[tuple[str, bytes]] = []
    good = _valid_xlsx()
    base = _parts(good)
    sheet = base["xl/worksheets/sheet1.xml"]
    header = _inline_row(1, HEADER)

    # --- CSV -----------------------------------------------------------------------------
    ok_csv = (
        "\r\n".join([";".join(HEADER), "GM0014;K-1;12345678;02-03-2026;03-03-2026;8"]) + "\r\n"
    ).encode()
    for seed in range(25):
        files.append((f"random-{seed}.csv", rnd.randbytes(rnd.choice([1, 10, 100, 5000, 70_000]))))
    for cut in range(1, len(ok_csv), 5):
        files.append((f"csv-truncated-{cut}.csv", ok_csv[:cut]))
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "cp500"):
        text = ok_csv.decode() + "GM0014;Ö-é;12345678;02-03-2026;03-03-2026;8\r\n"
        files.append((f"encoding-{encoding}.csv", text.encode(encoding)))
    files += [
        ("empty.csv", b""),
        ("bom-only.csv", b"\xef\xbb\xbf"),
        ("spaces.csv", b"   \r\n\r\n  \n"),
        ("header-only.csv", ok_csv.split(b"\r\n")[0] + b"\r\n"),
        ("nul.csv", ok_csv + b"GM0014;K\x00;1;2;3;4\r\n"),
        ("quote.csv", ok_csv + b'GM0014;"K-2;12345678;02-03-2026;03-03-2026;8\r\n'),
        ("quote-eof.csv", b'"' + b"x" * 1000),
        ("huge-cell.csv", ok_csv + b"GM0014;" + b"K" * 300_000 + b";1;2;3;4\r\n"),
        ("huge-quoted-cell.csv", ok_csv + b'GM0014;"' + b"K" * 300_000 + b'";1;2;3;4\r\n'),
        ("wide-header.csv", b";".join(b"c%d" % n for n in range(20_000)) + b"\r\n1\r\n"),
        ("wide-row.csv", ok_csv + b";" * 50_000 + b"x\r\n"),
        ("blank-header.csv", b";;;\r\n1;2;3;4\r\n"),
        ("unknown-header.csv", b"a,b,c\r\n1,2,3\r\n"),
        (
            "many-rows.csv",
            ok_csv.split(b"\r\n")[0] + b"\r\n" + b"x\n" * (settings.IMPORT_MAX_ROWS + 2),
        ),
        (
            "garbage-cells.csv",
            ok_csv.split(b"\r\n")[0]
            + b"\r\n"
            + b"\r\n".join(
                b";".join(rnd.randbytes(4).hex().encode() for _ in range(6)) for _ in range(50)
            ),
        ),
        ("xls.csv", b"\xd0\xcf\x11\xe0" + rnd.randbytes(2000)),
        ("formula.csv", ok_csv + b'=HYPERLINK("http://x");@SUM(1);+1;-1;03-03-2026;99\r\n'),
        ("mixed-newlines.csv", ok_csv + b"GM0014;K-3\r12345678\n;x\r\n"),
    ]
    # --- XLSX: damaged bytes ----------------------------------------------------------------
    for cut in sorted(rnd.sample(range(4, len(good)), 30)):
        files.append((f"xlsx-truncated-{cut}.xlsx", good[:cut]))
    for seed in range(30):
        data = bytearray(good)
        for _ in range(rnd.choice([1, 3, 20])):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        files.append((f"xlsx-flipped-{seed}.xlsx", bytes(data)))
    for seed in range(10):
        files.append(
            (f"zip-magic-{seed}.xlsx", b"PK\x03\x04" + rnd.randbytes(rnd.choice([10, 500, 20_000])))
        )
    # --- XLSX: wrong parts --------------------------------------------------------------------
    for name in base:
        parts = {k: v for k, v in base.items() if k != name}
        files.append((f"missing-{name.replace('/', '_')}.xlsx", _zip(parts)))
    for name in base:
        files.append(
            (f"garbage-{name.replace('/', '_')}.xlsx", _zip({**base, name: rnd.randbytes(300)}))
        )
        files.append((f"empty-{name.replace('/', '_')}.xlsx", _zip({**base, name: b""})))
    files += [
        ("only-text.xlsx", _zip({"readme.txt": b"hello"})),
        ("empty-zip.xlsx", _zip({})),
        (
            "docx.xlsx",
            _zip(
                {"[Content_Types].xml": base["[Content_Types].xml"], "word/document.xml": b"<w/>"}
            ),
        ),
        (
            "workbook-no-sheets.xlsx",
            _replace(
                base, workbook=b'<?xml version="1.0"?><workbook ' + NS + b"><sheets/></workbook>"
            ),
        ),
        ("workbook-not-xml.xlsx", _replace(base, workbook=b"this is not xml")),
        ("workbook-unclosed.xlsx", _replace(base, workbook=base["xl/workbook.xml"][:-30])),
        (
            "workbook-bad-rel.xlsx",
            _replace(
                base, workbook=base["xl/workbook.xml"].replace(b'r:id="rId1"', b'r:id="rId99"')
            ),
        ),
        (
            "workbook-wrong-root.xlsx",
            _replace(base, workbook=b'<?xml version="1.0"?><html><body/></html>'),
        ),
        (
            "rels-to-nowhere.xlsx",
            _replace(
                base,
                wbrels=base["xl/_rels/workbook.xml.rels"].replace(
                    b"worksheets/sheet1.xml", b"worksheets/nothing.xml"
                ),
            ),
        ),
        ("sheet-unclosed.xlsx", _replace(base, sheet=sheet[: len(sheet) // 2])),
        ("sheet-not-xml.xlsx", _replace(base, sheet=b"\x89PNG\r\n\x1a\n" + rnd.randbytes(100))),
        (
            "sheet-bad-cell-type.xlsx",
            _replace(
                base, sheet=_sheet(header + b'<row r="2"><c r="A2" t="zz"><v>1</v></c></row>')
            ),
        ),
        (
            "sheet-bad-number.xlsx",
            _replace(
                base, sheet=_sheet(header + b'<row r="2"><c r="A2"><v>1e99999x</v></c></row>')
            ),
        ),
        (
            "sheet-bad-string-index.xlsx",
            _replace(
                base, sheet=_sheet(header + b'<row r="2"><c r="A2" t="s"><v>99999</v></c></row>')
            ),
        ),
        (
            "sheet-bad-reference.xlsx",
            _replace(base, sheet=_sheet(header + b'<row r="2"><c r="!!2"><v>1</v></c></row>')),
        ),
        (
            "sheet-bad-row-index.xlsx",
            _replace(base, sheet=_sheet(header + b'<row r="-5"><c><v>1</v></c></row>')),
        ),
        (
            "sheet-bad-style.xlsx",
            _replace(
                base, sheet=_sheet(header + b'<row r="2"><c r="A2" s="999"><v>1</v></c></row>')
            ),
        ),
        (
            "chartsheet-only.xlsx",
            _replace(
                base,
                workbook=base["xl/workbook.xml"],
                wbrels=base["xl/_rels/workbook.xml.rels"].replace(b"/worksheet", b"/chartsheet"),
            ),
        ),
        ("header-only.xlsx", _replace(base, sheet=_sheet(header))),
        ("empty-sheet.xlsx", _replace(base, sheet=_sheet(b"", None))),
    ]
    # --- XLSX: DTDs and entities ------------------------------------------------------------
    files += [(f"dtd-{name}.xlsx", data) for name, data in _dtd_variants(base)]
    # --- XLSX: sizes ----------------------------------------------------------------------------
    rows_max = settings.IMPORT_MAX_ROWS
    files += [
        ("dimension-XFD60000.xlsx", _replace(base, sheet=_sheet(header, b"A1:XFD60000"))),
        ("dimension-XFD1048576.xlsx", _replace(base, sheet=_sheet(header, b"A1:XFD1048576"))),
        ("dimension-A1048576.xlsx", _replace(base, sheet=_sheet(header, b"A1:F1048576"))),
        ("dimension-garbage.xlsx", _replace(base, sheet=_sheet(header, b"A1:??"))),
        ("dimension-huge-number.xlsx", _replace(base, sheet=_sheet(header, b"A1:F" + b"9" * 400))),
        (
            "cell-at-XFD.xlsx",
            _replace(
                base, sheet=_sheet(header + b'<row r="2"><c r="XFD2"><v>1</v></c></row>', None)
            ),
        ),
        (
            "cells-at-XFD-lying-dimension.xlsx",
            _replace(
                base,
                sheet=_sheet(
                    header
                    + b"".join(
                        b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n)
                        for n in range(2, 2000)
                    ),
                    b"A1:F2",
                ),
            ),
        ),
        (
            "row-1048576.xlsx",
            _replace(
                base,
                sheet=_sheet(header + b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>', None),
            ),
        ),
        (
            "rows-without-index.xlsx",
            _replace(
                base,
                sheet=_sheet(
                    header
                    + b"".join(b"<row><c><v>%d</v></c></row>" % n for n in range(rows_max + 5)),
                    None,
                ),
            ),
        ),
        (
            "cells-without-reference.xlsx",
            _replace(
                base,
                sheet=_sheet(header + b"<row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>", None),
            ),
        ),
        (
            "huge-inline-cell.xlsx",
            _replace(
                base,
                sheet=_sheet(
                    header + _inline_row(2, ["GM0014", rnd.randbytes(1_000_000).hex()]), None
                ),
            ),
        ),
        (
            "wide-header.xlsx",
            _replace(base, sheet=_sheet(_inline_row(1, [f"c{n}" for n in range(300)]), None)),
        ),
    ]
    strings_max = rows_max * 2
    files += [
        (
            "strings-declared.xlsx",
            _replace(
                base,
                strings=b'<?xml version="1.0"?><sst '
                + NS
                + b' count="11000000" uniqueCount="11000000"><si><t>x</t></si></sst>',
            ),
        ),
        (
            "strings-counted.xlsx",
            _replace(
                base,
                strings=b'<?xml version="1.0"?><sst '
                + NS
                + b' count="1" uniqueCount="1">'
                + b"".join(b"<si><t>%d</t></si>" % n for n in range(strings_max + 10))
                + b"</sst>",
            ),
        ),
        (
            "strings-prefixed.xlsx",
            _replace(
                base,
                strings=b'<?xml version="1.0"?><x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + b"".join(b"<x:si><x:t>%d</x:t></x:si>" % n for n in range(strings_max + 10))
                + b"</x:sst>",
            ),
        ),
        ("bomb-ratio.xlsx", _replace(base, styles=base["xl/styles.xml"] + b" " * 30_000_000)),
        ("bomb-declared.xlsx", _patched_size(good, 0xFFFFFFF0)),
        ("bomb-extra-part.xlsx", _zip({**base, "xl/media/pad.xml": b"<a/>" * 10_000_000}, level=9)),
    ]
    assert len(files) >= 200, len(files)
    paths = []
    for name, data in files:
        path = directory / name
        path.write_bytes(data)
        paths.append(path)
    return paths


CHILD = """
import json, sys
import django
django.setup()
from placements.imports.base import FileRefused
from placements.imports.readers import table_read
from django.conf import settings
assert settings.IMPORT_MAX_ROWS == %d
outcome = {}
for name in sys.argv[1:]:
    try:
        table = table_read(__import__("pathlib").Path(name))
        outcome[name] = "read: " + str(len(table.rows))
    except FileRefused as refused:
        outcome[name] = "refused: " + str(refused)
# VmHWM: this process's peak resident memory since exec (ru_maxrss would include the
# parent's, which Linux carries across exec).
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]
print(json.dumps({"max_rss_kb": int(peak), "outcome": outcome}))
"""


def _child_read(paths: list[Path]) -> dict:
    script = CHILD % ROWS_MAX
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nvsi_portal.settings",
        "IMPORT_MAX_ROWS": str(ROWS_MAX),
    }
    environment.setdefault("SECRET_KEY", "insecure-test-only-key-0123456789abcdefghijklmnopqrstuv")
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, *map(str, paths)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _counts() -> tuple[int, ...]:
    return (
        Candidate.objects.count(),
        Client.objects.count(),
        Assignment.objects.count(),
        TimeEntry.objects.count(),
        PremiumOpeningBalance.objects.count(),
        AuditEvent.objects.count(),
    )


CLEAN = re.compile(
    r"row \d+(, column [^:]+)?: \S.*|[A-Z][^\n]*[.:)]|[^\n]*: \d+ errors; nothing imported\."
)


@pytest.mark.django_db
def test_every_malformed_file_is_refused_cleanly_in_bounded_memory(tmp_path, capsys):
    paths = fuzz_files(tmp_path)
    assert len(paths) >= 200

    child = _child_read(paths)
    # A child process read every file in turn: its peak memory covers the worst of them.
    assert child["max_rss_kb"] / 1024 < MAX_RSS_MB, child["max_rss_kb"]
    before = _counts()
    assert sorted(KINDS) == sorted(k for k in import_kinds())
    for number, path in enumerate(paths):
        kind = KINDS[number % len(KINDS)]
        with pytest.raises(SystemExit) as exit_:
            call_command("import_data", kind, str(path))
        assert exit_.value.code == 1, path.name
        err = capsys.readouterr().err
        lines = err.splitlines()
        assert lines, path.name
        assert "Traceback" not in err, path.name
        for line in lines:
            assert CLEAN.fullmatch(line), (path.name, line[:300])
        assert lines[-1].endswith("nothing imported."), path.name
    assert _counts() == before


def test_the_attacks_of_the_report_are_refused_before_parsing(tmp_path):
    """The three findings: a declared A1:XFD60000, 11 million shared strings, a DTD."""
    from placements.imports.base import FileRefused
    from placements.imports.readers import table_read

    paths = {path.name: path for path in fuzz_files(tmp_path)}
    expected = {
        "dimension-XFD60000.xlsx": "16384 columns",
        "cells-at-XFD-lying-dimension.xlsx": "16384 columns",
        "strings-declared.xlsx": "different texts",
        "strings-counted.xlsx": "different texts",
        "dtd-laughs-sheet.xlsx": "(DTD)",
        "dtd-external-sheet.xlsx": "(DTD)",
        "bomb-ratio.xlsx": "packed more than",
        "bomb-declared.xlsx": "unpacks to more than",
        "row-1048576.xlsx": "data rows",
    }
    for name, text in expected.items():
        with pytest.raises(FileRefused) as refused, translation.override("en"):
            table_read(paths[name])
        assert text in str(refused.value), (name, str(refused.value))
