"""Imports from CSV or XLSX (docs/imports.md): candidates, clients, assignments (also those
approved before go-live) and hours here; other apps register their own types
(`import_type_register`)."""

from placements.imports.base import ImportResult, Issue
from placements.imports.runner import (
    ImportType,
    import_columns,
    import_kinds,
    import_run,
    import_type,
    import_type_register,
    import_types,
)

__all__ = [
    "ImportResult",
    "ImportType",
    "Issue",
    "import_columns",
    "import_kinds",
    "import_run",
    "import_type",
    "import_type_register",
    "import_types",
]
