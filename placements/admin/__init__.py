"""The back office for placements. Every save, delete and action goes through a service.

A form validates through its service's check function (which writes nothing) and the admin's
`save_model()` calls the service (core.admin: ServiceModelForm, ServiceAdminMixin), so a rule
the service refuses shows as an error on the form, on the field it concerns.
"""

from django.contrib import admin

from placements.admin import assignments, candidates, clients, hours  # noqa: F401 - registers
from placements.admin.imports import import_urls_install

# The import page (upload, preview, confirm) at <admin>/placements/import/.
import_urls_install(admin.site)
