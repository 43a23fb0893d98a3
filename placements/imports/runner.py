"""Run an import: read, check the header, parse every cell, validate every row, then write all
or nothing.

Everything happens in one transaction. Every row is validated (not just up to the first
error) and every problem is reported; when there is any, or on a dry run, the transaction is
rolled back, so a refused file writes nothing. An import that created or updated anything
leaves one audit event (who, which file, the counts) besides what the services record.
"""

import gc
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.services import audit_record
from placements.imports.base import (
    ABSENT,
    CellError,
    FileRefused,
    Formula,
    ImportResult,
    Row,
    dutch_header,
    header_key,
)
from placements.imports.readers import table_read


@dataclass(frozen=True)
class ImportType:
    """One kind of file the back office can import.

    `importer` is "module:Class", imported when the type is used, so that an app above
    placements (premiums) adds its own type without placements importing it: the app calls
    `import_type_register` from its `AppConfig.ready()`, the one hook for this. `model`
    ("app_label.model_name") opens the type to users with its add and change permission and
    is where the admin goes after an import.
    """

    kind: str
    label: Any  # lazy text
    importer: str
    model: str

    def importer_class(self):
        module, name = self.importer.split(":")
        return getattr(import_module(module), name)


_TYPES: dict[str, ImportType] = {}


def import_type_register(new: ImportType) -> None:
    """Add an import type (idempotent: registering the same kind again replaces it)."""
    _TYPES[new.kind] = new


for _type in (
    ImportType(
        "candidates",
        gettext_lazy("Candidates"),
        "placements.imports.candidates:CandidateImporter",
        "placements.candidate",
    ),
    ImportType(
        "clients",
        gettext_lazy("Clients"),
        "placements.imports.clients:ClientImporter",
        "placements.client",
    ),
    ImportType(
        "assignments",
        gettext_lazy("Assignments"),
        "placements.imports.assignments:AssignmentImporter",
        "placements.assignment",
    ),
    ImportType(
        "approved_assignments",
        gettext_lazy("Assignments approved before go-live"),
        "placements.imports.assignments:ApprovedAssignmentImporter",
        "placements.assignment",
    ),
    ImportType(
        "hours",
        gettext_lazy("Hours"),
        "placements.imports.hours:HoursImporter",
        "placements.timeentry",
    ),
):
    import_type_register(_type)


def import_types() -> list[ImportType]:
    return list(_TYPES.values())


def import_type(kind: str) -> ImportType:
    return _TYPES[kind]


def import_kinds() -> list[str]:
    return list(_TYPES)


def import_columns(kind: str) -> list[str]:
    return [column.name for column in _TYPES[kind].importer_class().columns]


def import_run(
    *, kind: str, path: Path, file_name: str, actor, dry_run: bool, progress=None
) -> ImportResult:
    """Import the file at `path` as `kind` (one of `import_kinds()`); nothing is written unless
    it is valid as a whole and `dry_run` is False. The command line and the admin's background
    tasks both come here; `progress(done, total)` hears how far the rows are."""
    importer = _TYPES[kind].importer_class()()
    result = ImportResult(
        kind=kind,
        file_name=file_name,
        dry_run=dry_run,
        columns=[column.name for column in importer.columns],
        progress=progress,
    )
    collecting = gc.isenabled()
    gc.disable()  # many small objects, no cycles: the cyclic collector only slows this down
    try:
        return _run(importer, result, path=Path(path), actor=actor)
    finally:
        if collecting:
            gc.enable()


def _run(importer, result: ImportResult, *, path: Path, actor) -> ImportResult:
    kind, file_name, dry_run = result.kind, result.file_name, result.dry_run
    try:
        table = table_read(path)
    except FileRefused as refused:
        result.issues.extend(refused.issues)
        return result
    positions = _check_header(importer, table.header, result)
    if not result.ok:
        return result
    result.rows = len(table.rows)
    rows, refused = _parse_rows(importer, positions, table, result)
    with transaction.atomic():
        if refused and hasattr(importer, "references_check"):
            # A row with a bad cell is not imported, but its other columns are still checked
            # against the database (an unknown municipality or client): every error at once.
            importer.references_check(refused, result=result)
        importer.process(rows, actor=actor, result=result)
        result.issues.sort(key=lambda issue: issue.row or 0)
        if result.ok and not dry_run and (result.created or result.updated):
            audit_record(
                actor=actor,
                action=f"import.{kind}",
                summary=(
                    f"{file_name}: {result.rows} rows; {result.created} created, "
                    f"{result.updated} updated, {result.unchanged} unchanged."
                ),
            )
        elif not result.ok or dry_run:
            transaction.set_rollback(True)
    return result


def _check_header(importer, header: list[str], result: ImportResult) -> dict[str, int]:
    """Column name -> position; every known column exactly once (by its English or Dutch
    name), nothing else. A column that `may_be_absent` and is absent has no position."""
    known = {}
    for column in importer.columns:
        known[header_key(column.name)] = column.name
        known[header_key(dutch_header(column.name))] = column.name
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = known.get(header_key(raw))
        if not raw.strip():
            result.add_issue(
                1, f"#{index + 1}", _("This column has no name: name it or delete it.")
            )
        elif name is None:
            result.add_issue(
                1,
                raw.strip(),
                _("Unknown column; the columns are: %(columns)s.")
                % {"columns": ", ".join(column.name for column in importer.columns)},
            )
        elif name in positions:
            result.add_issue(1, name, _("This column appears more than once."))
        else:
            positions[name] = index
    for column in importer.columns:
        if column.name not in positions and not column.may_be_absent:
            result.add_issue(1, column.name, _("This column is missing."))
    return positions


class _Bad:
    """A cell's problem, cached like a parsed value."""

    def __init__(self, message: str):
        self.message = message


_EMPTY = object()


def _parse_cell(column, raw: Any) -> Any:
    """The parsed value, _EMPTY for an empty cell, or _Bad with the reason."""
    if isinstance(raw, Formula):
        return _Bad(
            _("This cell holds a formula (%(formula)s): paste its value instead.")
            % {"formula": raw.text}
        )
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return _EMPTY
    try:
        return column.parse(raw)
    except CellError as error:
        return _Bad(str(error))


def _parse_rows(
    importer, positions: dict[str, int], table, result: ImportResult
) -> tuple[list[Row], list[Row]]:
    """Every cell through its column's parser: the rows whose cells are all good, and the rows
    with a bad cell (every bad cell reported; `Row.bad` names their columns, valued None).

    Cells repeat a lot (dates, codes, hours), so each column caches what it parsed.
    """
    width = len(table.header)
    nowhere = 1 << 30  # an absent column: beyond every row's cells
    plan = [
        (column, column.name, positions.get(column.name, nowhere), {}, {})
        for column in importer.columns
    ]
    absent = [column.name for column in importer.columns if column.name not in positions]
    row_positions = tuple(positions.get(column.name, nowhere) for column in importer.columns)
    masked = tuple(column.masked for column in importer.columns)
    required = _("This column is required.")
    rows: list[Row] = []
    refused: list[Row] = []
    for number, cells in table.rows:
        count = len(cells)
        if count > width and any(cell is not None and str(cell).strip() for cell in cells[width:]):
            result.add_issue(
                number,
                None,
                _("This row has %(cells)s cells; the header names %(columns)s.")
                % {"cells": count, "columns": width},
            )
            continue
        values: dict[str, Any] = {}
        ok = True
        bad: list[str] = []
        for column, name, position, text_cache, typed_cache in plan:
            raw = cells[position] if position < count else None
            if raw.__class__ is str:
                parsed = text_cache.get(raw)
                if parsed is None:
                    parsed = text_cache[raw] = _parse_cell(column, raw)
            else:
                key = (raw.__class__, raw) if not isinstance(raw, Formula) else None
                parsed = typed_cache.get(key) if key is not None else None
                if parsed is None:
                    parsed = _parse_cell(column, raw)
                    if key is not None:
                        typed_cache[key] = parsed
            if parsed is _EMPTY:
                if column.required:
                    result.add_issue(number, name, required)
                    ok = False
                    bad.append(name)
                values[name] = column.empty
            elif parsed.__class__ is _Bad:
                result.add_issue(number, name, parsed.message)
                ok = False
                values[name] = None
                bad.append(name)
            else:
                values[name] = parsed
        for name in absent:
            values[name] = ABSENT
        row = Row(
            number=number,
            values=values,
            cells=cells,
            positions=row_positions,
            masked=masked,
        )
        if ok:
            rows.append(row)
        else:
            row.bad = frozenset(bad) if bad else frozenset({None})
            refused.append(row)
    return rows, refused
