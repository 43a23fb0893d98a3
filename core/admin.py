"""The admin foundation: what every back-office admin shares, written once and mixed in.

- `ReadOnlyAdminMixin`, `ReadOnlyInlineMixin`: rows written by services (documents, ledgers,
  logs) are listed and shown, never added, changed or deleted by hand. Without the change
  permission Django shows the change view read-only.
- `UndeletableAdminMixin`: rows that others refer to are ended, never deleted.
- `ServiceModelForm` and `ServiceAdminMixin`: a form validates through the service's check
  function while the admin validates it (writing nothing), and `save_model()` writes through
  the service. A rule the service refuses shows on the form, on the field it concerns.
  `run_each` is an action calling a service for each selected object.
- `admin_view` and `AdminViewsMixin`: an admin's extra pages (start a run, download a file)
  declared on the view method itself, instead of each admin writing `get_urls` out by hand.
- `YearDisplayMixin`: a year shown as 2026. Django's admin formats every number field with
  the thousands separator (2.026), so an admin lists and shows `year_display`, never the
  `year` field itself. Amounts a display method computes are returned through
  `core.formatting.amount` (15.800,01): the admin prints a read-only method's value as is.

The core app's own admins follow at the end.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core import formatting
from core.models import AuditEvent, SweepClaim, WorkerHeartbeat

# --- Read-only --------------------------------------------------------------------------------


class ReadOnlyAdminMixin:
    """No add, change or delete, for anyone: the change view shows the object read-only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin(ReadOnlyAdminMixin):
    """An inline that only shows its rows (mix in before TabularInline or StackedInline)."""

    extra = 0
    can_delete = False


class UndeletableAdminMixin:
    """No delete, for anyone: the row is ended (or deactivated) instead, because others refer
    to it. Each admin says in its docstring or a comment what ending it means."""

    def has_delete_permission(self, request, obj=None):
        return False


# --- Saving through a service -----------------------------------------------------------------


class ServiceModelForm(forms.ModelForm):
    """A model form whose rules and writes are its service's.

    `service_check()` calls the service's check function with the cleaned data: it raises
    ValidationError (or PermissionDenied) as the service would and writes nothing. It runs
    while the form validates, in place of the model validation (the check runs `full_clean`
    itself, as the service does). `service_save()` calls the service and returns the object
    it saved; `ServiceAdminMixin.save_model()` calls it. `actor` is the signed-in user.
    """

    actor = None
    service_field_names: dict[str, str] = {}  # the service's field name -> the form's

    def service_check(self) -> None:
        raise NotImplementedError

    def service_save(self):
        raise NotImplementedError

    def _post_clean(self):
        if self.errors:
            return
        try:
            self.service_check()
        except ValidationError as error:
            self.add_service_error(error)
        except PermissionDenied as error:
            self.add_error(None, str(error))

    def add_service_error(self, error: ValidationError) -> None:
        """Each message on the field it concerns (renamed), the rest above the form."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                field = self.service_field_names.get(field, field)
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error.messages)

    def changed_values(self, names) -> dict:
        """The cleaned values of `names`: all of them for a new object, else the changed ones."""
        data = {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}
        if self.instance.pk is None:
            return data
        return {name: value for name, value in data.items() if name in self.changed_data}


class ServiceAdminMixin:
    """An admin whose form is a `ServiceModelForm`: the form gets the user as `actor`,
    `save_model()` writes through the service. A `delete_model()` calling the delete service
    is written by the admin that allows deleting."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        saved = form.service_save()
        # The admin goes on with `obj` (its log entry, the redirect): make it the saved row.
        vars(obj).update(vars(saved))


def run_each(modeladmin, request, queryset, service, done_message) -> None:
    """An admin action that calls `service(obj)` for each selected object: a refusal is an
    error message naming the object, the others go on; `done_message(n)` reports the done."""
    done = 0
    for obj in queryset:
        try:
            service(obj)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            text = "; ".join(getattr(error, "messages", [str(error)]))
            modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)


# --- Extra pages ------------------------------------------------------------------------------


def admin_view(route: str, *, name: str):
    """Declare a model admin method as an extra page at `route` (below the model's admin URL),
    named `admin:<app>_<model>_<name>`. The admin mixes in `AdminViewsMixin`; the page is
    wrapped in `admin_site.admin_view` (signed-in staff, no caching, CSRF)."""

    def decorate(method):
        method.admin_view_route = (route, name)
        return method

    return decorate


class AdminViewsMixin:
    """Adds the `@admin_view` methods of the admin to its URLs, before the standard ones."""

    def get_urls(self):
        opts = self.model._meta
        extra = []
        seen = set()
        for klass in type(self).__mro__:
            for attribute, method in vars(klass).items():
                route = getattr(method, "admin_view_route", None)
                if route is None or attribute in seen:
                    continue
                seen.add(attribute)
                view = self.admin_site.admin_view(getattr(self, attribute))
                name = f"{opts.app_label}_{opts.model_name}_{route[1]}"
                extra.append(path(route[0], view, name=name))
        return [*extra, *super().get_urls()]


# --- Dutch numbers ---------------------------------------------------------------------------


class YearDisplayMixin:
    """`year_display`: the object's year as 2026 (for list_display, fields, readonly_fields)."""

    @admin.display(description=_("year"), ordering="year")
    def year_display(self, obj):
        return formatting.year(obj.year)


# --- The core app's admins --------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "content_type", "object_repr", "summary"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "summary", "actor__email", "object_id"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["token", "hostname", "created_at"]

    # Written by the workers; old heartbeats may be deleted.
    has_delete_permission = admin.ModelAdmin.has_delete_permission


@admin.register(SweepClaim)
class SweepClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the stalled-work sweeper requeued last (core.sweeps); each requeue is also an
    audit event `sweep.requeue` with the run and its progress."""

    list_display = ["key", "claimed_at", "times"]
    search_fields = ["key"]
