"""The back office's import page: upload, a preview checked in the background, confirm,
written in the background (placements.imports.jobs).

The upload is kept server-side with its extension (MEDIA_ROOT/imports/<uuid>.xlsx); the
job's page shows the progress of its task (rows of the total) and refreshes itself with
<meta http-equiv="refresh"> while a task runs, with a link to refresh by hand, then the
preview or the errors, then the result. Only the user who uploaded a job sees it (404 for
anyone else). Plain forms: works without JavaScript. Installed on the admin site by
`import_urls_install` (placements.admin).
"""

import csv
import dataclasses
import io
import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from placements.imports import import_type, import_types
from placements.imports.base import dutch_header
from placements.imports.help import column_help
from placements.imports.jobs import (
    import_job_confirm,
    import_job_create,
    stored_path,
    upload_dir,
)
from placements.models import ImportJob

STALE_AFTER = 24 * 60 * 60  # uploads never confirmed are removed after a day
REFRESH_SECONDS = 2
RUNNING = (ImportJob.Status.CHECKING, ImportJob.Status.WRITING)


def _kinds_for(user) -> list[str]:
    """The import types whose model the user may add and change."""
    kinds = []
    for type_ in import_types():
        app_label, model = type_.model.split(".")
        if user.has_perm(f"{app_label}.add_{model}") and user.has_perm(
            f"{app_label}.change_{model}"
        ):
            kinds.append(type_.kind)
    return kinds


def _label(kind: str):
    return import_type(kind).label


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to import"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8, comma or semicolon) or XLSX; the columns and a template per type are "
            "below this form."
        ),
    )

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, _label(kind)) for kind in kinds]


def _remove_stale() -> None:
    directory = upload_dir()
    if not directory.is_dir():
        return
    now = time.time()
    for old in directory.iterdir():
        if old.is_file() and now - old.stat().st_mtime > STALE_AFTER:
            old.unlink(missing_ok=True)


def _render(request, context: dict, admin_site, template: str = "import.html") -> TemplateResponse:
    return TemplateResponse(
        request,
        f"admin/placements/import/{template}",
        {
            **admin_site.each_context(request),
            "title": _("Import"),
            "max_bytes": settings.IMPORT_MAX_BYTES,
            "max_rows": settings.IMPORT_MAX_ROWS,
            **context,
        },
    )


def import_view(request, admin_site):
    kinds = _kinds_for(request.user)
    if not kinds:
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method != "POST" or not form.is_valid():
        return _render(request, {"form": form, "columns": _columns(kinds)}, admin_site)
    upload = form.cleaned_data["file"]
    if upload.size > settings.IMPORT_MAX_BYTES:  # refused sizes are not even stored
        form.add_error("file", _("The file is larger than the import limit."))
        return _render(request, {"form": form, "columns": _columns(kinds)}, admin_site)
    _remove_stale()
    job = import_job_create(kind=form.cleaned_data["kind"], upload=upload, user=request.user)
    return redirect("admin:placements_import_job", job_id=job.pk)


def _job_for(request, job_id: int, kinds: list[str]) -> ImportJob:
    """The user's own job of a type they may import; 404 for anything else."""
    return get_object_or_404(ImportJob, pk=job_id, user=request.user, kind__in=kinds)


def import_job_view(request, admin_site, job_id: int):
    kinds = _kinds_for(request.user)
    if not kinds:
        raise PermissionDenied
    job = _job_for(request, job_id, kinds)
    if request.method == "POST":
        if job.status == ImportJob.Status.CHECKED and not stored_path(job).is_file():
            messages.error(request, _("This preview has expired: upload the file again."))
            return redirect("admin:placements_import")
        import_job_confirm(job=job, user=request.user)  # a second click changes nothing
        return redirect("admin:placements_import_job", job_id=job.pk)
    progress = getattr(job, "progress", None)
    issues = [{"row": row, "column": column, "message": text} for row, column, text in job.issues]
    preview = [{"number": n, "action": action, "cells": cells} for n, action, cells in job.preview]
    context = {
        "job": job,
        "kind_label": _label(job.kind),
        "running": job.status in RUNNING,
        "refresh_seconds": REFRESH_SECONDS,
        "done": progress.done if progress else 0,
        "total": progress.total if progress else 0,
        "issues": issues,
        "issues_left_out": max(job.issue_count - len(issues), 0),
        "result": {"preview": preview, "columns": job.columns, "file_name": job.file_name},
    }
    if job.status == ImportJob.Status.DONE:
        app_label, model = import_type(job.kind).model.split(".")
        context["list_url"] = reverse(f"admin:{app_label}_{model}_changelist")
    return _render(request, context, admin_site, template="job.html")


@dataclasses.dataclass(frozen=True)
class ColumnRow:
    name: str
    dutch: str
    required: bool
    may_be_absent: bool
    format: str
    example: str
    meaning: str


def _column_rows(kind: str) -> list[ColumnRow]:
    rows = []
    for column in import_type(kind).importer_class().columns:
        help_ = column_help(column.name)
        rows.append(
            ColumnRow(
                name=column.name,
                dutch=dutch_header(column.name),
                required=column.required,
                may_be_absent=column.may_be_absent,
                format=str(help_.format),
                example=help_.example,
                meaning=str(help_.meaning),
            )
        )
    return rows


def _columns(kinds: list[str]) -> list[dict]:
    """Per type its label, kind and columns (with their help), for the page's tables."""
    return [{"kind": kind, "label": _label(kind), "columns": _column_rows(kind)} for kind in kinds]


def import_template_view(request, kind: str, file_format: str):
    """An empty file of the type with the Dutch column names, to fill in and upload: CSV
    (semicolon, UTF-8 with BOM: what Dutch Excel opens and saves) or XLSX (the header, and a
    second sheet explaining each column; only the first sheet is imported)."""
    if kind not in _kinds_for(request.user):
        raise PermissionDenied
    if file_format not in ("csv", "xlsx"):
        raise Http404
    rows = _column_rows(kind)
    header = [row.dutch for row in rows]
    filename = f"sjabloon-{kind}.{file_format}"
    if file_format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(header)
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            _xlsx_template(header, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_template(header: list[str], rows: list[ColumnRow]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = str(_("Data"))[:31]
    sheet.append(header)
    for index, cell in enumerate(sheet[1], start=1):
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(14, len(header[index - 1]) + 2)
        cell.number_format = "@"
    explained = workbook.create_sheet(str(_("Explanation"))[:31])
    explained.append(
        [
            str(_("Column")),
            str(_("Required")),
            str(_("Format")),
            str(_("Example")),
            str(_("Meaning")),
        ]
    )
    for cell in explained[1]:
        cell.font = Font(bold=True)
    for row in rows:
        explained.append(
            [
                row.dutch,
                str(_("yes") if row.required else _("no")),
                row.format,
                row.example,
                row.meaning,
            ]
        )
    for letter, width in zip("ABCDE", (30, 10, 22, 30, 80), strict=True):
        explained.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_urls_install(site) -> None:
    """Put the import page at <admin>/placements/import/ on `site`, and its templates."""
    original = site.get_urls

    def get_urls():
        view = site.admin_view(lambda request: import_view(request, site))
        job = site.admin_view(lambda request, job_id: import_job_view(request, site, job_id))
        template = site.admin_view(import_template_view)
        return [
            path("placements/import/", view, name="placements_import"),
            path("placements/import/<int:job_id>/", job, name="placements_import_job"),
            path(
                "placements/import/sjabloon/<str:kind>.<str:file_format>",
                template,
                name="placements_import_template",
            ),
            *original(),
        ]

    site.get_urls = get_urls


def import_url() -> str:
    return reverse("admin:placements_import")
