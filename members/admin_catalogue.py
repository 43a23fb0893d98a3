"""Admin for NVSI's product catalogue: the NVSI board adds and changes instruments and their
documents (through members.services_catalogue, audited); everyone else with the view
permission (the back office) only reads. Requests are decided in the portal
(members:instrument_request_detail), so their admin is read-only for all."""

from django.contrib import admin

from accounts.roles import is_nvsi_board
from core.admin import ReadOnlyAdminMixin, UndeletableAdminMixin
from members.models import Instrument, InstrumentDocument, InstrumentRequest
from members.services_catalogue import (
    instrument_document_delete,
    instrument_document_save,
    instrument_save,
)


def _may_edit(request) -> bool:
    return request.user.is_superuser or is_nvsi_board(request.user)


class BoardEditsMixin:
    """Writes for the NVSI board (and superusers) holding the model permission; the rest
    read the change view read-only."""

    def has_add_permission(self, request, *args):
        return _may_edit(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return _may_edit(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _may_edit(request) and super().has_delete_permission(request, obj)


class InstrumentDocumentInline(BoardEditsMixin, admin.TabularInline):
    model = InstrumentDocument
    fields = ["title", "file", "uploaded_at"]
    readonly_fields = ["uploaded_at"]
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(BoardEditsMixin, UndeletableAdminMixin, admin.ModelAdmin):
    """An instrument is never deleted (requests refer to it): set it to in preparation."""

    list_display = ["name", "status", "summary"]
    list_filter = ["status"]
    search_fields = ["name", "summary", "description"]
    inlines = [InstrumentDocumentInline]

    def save_model(self, request, obj, form, change):
        instrument_save(instrument=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        documents = formset.save(commit=False)
        for document in formset.deleted_objects:
            instrument_document_delete(document=document, actor=request.user)
        for document in documents:
            instrument_document_save(document=document, actor=request.user)


@admin.register(InstrumentRequest)
class InstrumentRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["instrument", "municipality", "status", "requested_by", "created_at"]
    list_filter = ["status", "instrument"]
    search_fields = ["municipality__name", "municipality__cbs_code", "instrument__name"]
    list_select_related = ["instrument", "municipality", "requested_by"]
    date_hierarchy = "created_at"
