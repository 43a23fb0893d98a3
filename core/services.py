"""The audit trail: one function every service calls inside its own transaction."""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.models import AuditEvent

_MASKED_FIELDS = frozenset({"password", "bsn", "bsn_encrypted", "iban"})


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, str | int | bool | float) or value is None:
        return value
    return str(value)


def audit_snapshot(obj: models.Model, *, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of an object as plain values, personal data masked."""
    return {
        name: "***" if name in _MASKED_FIELDS else _plain(getattr(obj, name)) for name in fields
    }


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that `actor` did `action` to `obj`; only changed fields are kept."""
    before = before or {}
    after = after or {}
    changes = {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        summary=summary[:500],
        changes=changes,
    )


def audit_record_many(*, actor, action: str, records: Iterable[dict[str, Any]]) -> int:
    """audit_record for many objects in one INSERT: each record a dict with `obj` and
    optionally `summary`, `before` and `after`, kept as audit_record keeps them. Returns
    how many were written. For set-based services (a half-year's settlements)."""
    events = []
    content_types: dict[type, ContentType] = {}
    for record in records:
        obj = record["obj"]
        before = record.get("before") or {}
        after = record.get("after") or {}
        model = type(obj)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(obj)
        events.append(
            AuditEvent(
                actor=actor if actor is not None and actor.is_authenticated else None,
                action=action,
                content_type=content_types[model],
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                summary=record.get("summary", "")[:500],
                changes={
                    key: [before.get(key), after.get(key)]
                    for key in sorted(set(before) | set(after))
                    if before.get(key) != after.get(key)
                },
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def worker_heartbeat_record(*, token: str, hostname: str) -> bool:
    """Store a heartbeat once per token; True if this call stored it."""
    from core.models import WorkerHeartbeat

    _, created = WorkerHeartbeat.objects.get_or_create(token=token, defaults={"hostname": hostname})
    return created


def concrete_field_names(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def model_save_audited(
    *, obj: models.Model, actor, action_prefix: str, action: str | None = None
) -> models.Model:
    """Validate and save one object, recording the changed fields in the audit trail.

    For the plain records (regions, municipalities, memberships, contracts) that need no
    rule beyond their own validation and constraints. Call inside `transaction.atomic`.
    The audit action is `<prefix>.create` or `<prefix>.update` unless `action` names it.
    """
    fields = concrete_field_names(type(obj))
    before: dict[str, Any] = {}
    created = obj.pk is None
    if not created:
        stored = type(obj).objects.select_for_update().get(pk=obj.pk)
        before = audit_snapshot(stored, fields=fields)
    obj.full_clean()
    obj.save()
    audit_record(
        actor=actor,
        action=action or f"{action_prefix}.{'create' if created else 'update'}",
        obj=obj,
        before=before,
        after=audit_snapshot(obj, fields=fields),
    )
    return obj
