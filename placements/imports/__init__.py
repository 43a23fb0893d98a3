"""Imports of candidates, clients, assignments and hours from CSV or XLSX (docs/imports.md)."""

from placements.imports.base import ImportResult, Issue
from placements.imports.runner import KINDS, import_columns, import_run

__all__ = ["KINDS", "ImportResult", "Issue", "import_columns", "import_run"]
