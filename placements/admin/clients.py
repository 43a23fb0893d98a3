"""Clients (the companies the candidates work at): never deleted, invoices are addressed
to them."""

import copy

from django.contrib import admin

from core.admin import ServiceAdminMixin, ServiceModelForm, UndeletableAdminMixin
from placements.models import Client
from placements.services import CLIENT_FIELDS, client_check, client_create, client_update


class ClientForm(ServiceModelForm):
    class Meta:
        model = Client
        fields = CLIENT_FIELDS

    def service_check(self):
        client = Client() if self.instance.pk is None else copy.copy(self.instance)
        client_check(client=client, **self.changed_values(CLIENT_FIELDS))

    def service_save(self):
        fields = self.changed_values(CLIENT_FIELDS)
        if self.instance.pk is None:
            return client_create(actor=self.actor, **fields)
        return client_update(client=self.instance, actor=self.actor, **fields)


@admin.register(Client)
class ClientAdmin(UndeletableAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Never deleted: invoices are addressed to clients."""

    form = ClientForm
    list_display = [
        "name",
        "kvk_number",
        "vat_number",
        "billing_email",
        "contact_person",
        "framework_agreement_date",
    ]
    list_filter = ["framework_agreement_date"]
    search_fields = ["name", "kvk_number", "vat_number", "contact_person", "billing_email"]
    date_hierarchy = "framework_agreement_date"
