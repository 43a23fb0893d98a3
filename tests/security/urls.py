"""Every URL pattern of the portal, read from the URL resolver, and how to fill its arguments
from the security world (tests/security/world.py)."""

import dataclasses

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver


@dataclasses.dataclass(frozen=True)
class Pattern:
    route: str  # the whole route, e.g. "kandidaten/<int:pk>/"
    name: str | None  # "placements:candidate_detail", "admin:placements_candidate_change"
    params: tuple[str, ...]

    @property
    def key(self) -> str:
        """The name, or the route of an unnamed pattern."""
        return self.name or self.route


def _walk(resolver, prefix: str = "", namespace: str | None = None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            params = tuple(entry.pattern.regex.groupindex)
            yield Pattern(prefix + str(entry.pattern), name, params)


def portal_patterns() -> list[Pattern]:
    """Every pattern the portal answers, admin included, in resolver order."""
    return list(_walk(get_resolver()))


ADMIN_MODEL_PAGES = ("changelist", "add", "history", "delete", "change")


def admin_model_page(pattern: Pattern):
    """(model, page) for a standard ModelAdmin page, else None."""
    if not pattern.name or not pattern.name.startswith("admin:"):
        return None
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        page = pattern.name.removeprefix(prefix)
        if pattern.name.startswith(prefix) and page in ADMIN_MODEL_PAGES:
            return model, page
    return None
