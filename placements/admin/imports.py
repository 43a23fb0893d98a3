"""The back office's import page: upload, a dry-run preview, then confirm.

Between preview and confirm nothing the browser sends is trusted: the upload is kept under
MEDIA_ROOT/imports/<uuid>, the form carries only a signed token naming it (and the user and
type), and confirming validates the stored file again before it writes. Plain forms: works
without JavaScript. Installed on the admin site by `import_urls_install` (placements.admin).
"""

import csv
import dataclasses
import io
import time
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from placements.imports import import_run, import_type, import_types
from placements.imports.base import dutch_header
from placements.imports.help import column_help

SIGNING_NAMESPACE = "placements.import"
TOKEN_MAX_AGE = 60 * 60  # an hour from preview to confirm
STALE_AFTER = 24 * 60 * 60  # uploads never confirmed are removed after a day


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


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _store(upload) -> str:
    """Keep the upload server-side; returns its id. Refused sizes are not even stored."""
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in directory.iterdir():
        if old.is_file() and now - old.stat().st_mtime > STALE_AFTER:
            old.unlink(missing_ok=True)
    file_id = uuid.uuid4().hex
    with (directory / file_id).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return file_id


def _stored_path(file_id: str) -> Path:
    return _upload_dir() / uuid.UUID(hex=file_id).hex  # only a uuid names a stored file


def _render(request, context: dict, admin_site) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/placements/import/import.html",
        {
            **admin_site.each_context(request),
            "title": _("Import"),
            "max_bytes": settings.IMPORT_MAX_BYTES,
            **context,
        },
    )


def import_view(request, admin_site):
    kinds = _kinds_for(request.user)
    if not kinds:
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, admin_site, kinds)
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method != "POST" or not form.is_valid():
        return _render(request, {"form": form, "columns": _columns(kinds)}, admin_site)
    upload = form.cleaned_data["file"]
    kind = form.cleaned_data["kind"]
    file_id = _store(upload) if upload.size <= settings.IMPORT_MAX_BYTES else None
    if file_id is None:
        form.add_error("file", _("The file is larger than the import limit."))
        return _render(request, {"form": form, "columns": _columns(kinds)}, admin_site)
    result = import_run(
        kind=kind,
        path=_stored_path(file_id),
        file_name=upload.name,
        actor=request.user,
        dry_run=True,
    )
    token = None
    if result.ok:
        token = signing.dumps(
            {"file": file_id, "kind": kind, "name": upload.name, "user": request.user.pk},
            salt=SIGNING_NAMESPACE,
        )
    else:
        _stored_path(file_id).unlink(missing_ok=True)
    return _render(
        request,
        {
            "form": ImportUploadForm(kinds=kinds, initial={"kind": kind}),
            "columns": _columns(kinds),
            "result": result,
            "kind_label": _label(kind),
            "token": token,
        },
        admin_site,
    )


def _confirm(request, admin_site, kinds: list[str]):
    try:
        data = signing.loads(request.POST["token"], salt=SIGNING_NAMESPACE, max_age=TOKEN_MAX_AGE)
        stored = _stored_path(data["file"])
    except (signing.BadSignature, KeyError, ValueError, TypeError):
        messages.error(request, _("This preview has expired: upload the file again."))
        return redirect("admin:placements_import")
    if data.get("user") != request.user.pk or data.get("kind") not in kinds:
        raise PermissionDenied
    if not stored.is_file():
        messages.error(request, _("This preview has expired: upload the file again."))
        return redirect("admin:placements_import")
    kind = data["kind"]
    result = import_run(
        kind=kind, path=stored, file_name=data["name"], actor=request.user, dry_run=False
    )
    stored.unlink(missing_ok=True)
    if not result.ok:  # the data changed since the preview
        return _render(
            request,
            {
                "form": ImportUploadForm(kinds=kinds, initial={"kind": kind}),
                "columns": _columns(kinds),
                "result": result,
                "kind_label": _label(kind),
            },
            admin_site,
        )
    messages.success(
        request,
        _("%(file)s imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
        % {
            "file": data["name"],
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    app_label, model = import_type(kind).model.split(".")
    return redirect(f"admin:{app_label}_{model}_changelist")


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
        template = site.admin_view(import_template_view)
        return [
            path("placements/import/", view, name="placements_import"),
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
