"""Clients: create and change."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import audit_record, audit_snapshot
from placements.models import Client
from placements.validators import (
    kvk_normalise,
    vat_normalise,
)

CLIENT_FIELDS = [
    "name",
    "kvk_number",
    "vat_number",
    "billing_address",
    "billing_email",
    "contact_person",
    "invoice_reference",
    "framework_agreement_date",
]


def _apply_client_fields(client: Client, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown client fields: {', '.join(sorted(unknown))}")
    errors = {}
    if "kvk_number" in fields:
        try:
            fields["kvk_number"] = kvk_normalise(fields["kvk_number"])
        except ValidationError as error:
            errors["kvk_number"] = error.messages
    if fields.get("vat_number"):
        try:
            fields["vat_number"] = vat_normalise(fields["vat_number"])
        except ValidationError as error:
            errors["vat_number"] = error.messages
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(client, name, value)


def client_check(*, client: Client, **fields: Any) -> None:
    """Apply `fields` to `client` in memory and validate it, as the services below do (and
    the admin, on a copy). Raises ValidationError; writes nothing."""
    _apply_client_fields(client, fields)
    client.full_clean()


@transaction.atomic
def client_create(*, actor, **fields: Any) -> Client:
    client = Client()
    client_check(client=client, **fields)
    client.save()
    audit_record(
        actor=actor,
        action="client.create",
        obj=client,
        after=audit_snapshot(client, fields=CLIENT_FIELDS),
    )
    return client


@transaction.atomic
def client_update(*, client: Client, actor, **fields: Any) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = audit_snapshot(client, fields=CLIENT_FIELDS)
    client_check(client=client, **fields)
    client.save()
    audit_record(
        actor=actor,
        action="client.update",
        obj=client,
        before=before,
        after=audit_snapshot(client, fields=CLIENT_FIELDS),
    )
    return client
