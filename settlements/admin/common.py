"""What the settlements' admins share: the half-year filter and how a refusal reads."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from settlements.models import Period


def error_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


class PeriodListFilter(admin.SimpleListFilter):
    """Filter on a half-year (`?period=2026-H1`), offering those that have rows."""

    title = _("half-year")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        pairs = (
            model_admin.get_queryset(request)
            .order_by("-year", "-half")
            .values_list("year", "half")
            .distinct()[:20]
        )
        return [(str(Period(year, half)), str(Period(year, half))) for year, half in pairs]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            period = Period.parse(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(year=period.year, half=period.half)
