"""Clients: natural key the KvK number.

Each row goes through `client_create` or `client_update` (the KvK, VAT and e-mail rules are
theirs). A row equal to the stored client is unchanged; a different one updates it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from placements.imports.base import (
    ABSENT,
    Column,
    ImportResult,
    Row,
    add_validation_issues,
    parse_date,
    parse_kvk,
    text_max,
)
from placements.models import Client
from placements.services import client_create, client_update
from placements.validators import kvk_normalise, vat_normalise

FIELDS = [
    "name",
    "vat_number",
    "billing_address",
    "billing_email",
    "contact_person",
    "invoice_reference",
    "framework_agreement_date",
]


class ClientImporter:
    columns = (
        Column("kvk_number", True, parse_kvk),
        Column("name", True, text_max(200)),
        Column("vat_number", False, text_max(20), empty=""),
        Column("billing_address", True, text_max(1000)),
        Column("billing_email", True, text_max(254)),
        Column("contact_person", False, text_max(200), empty=""),
        Column("invoice_reference", False, text_max(50), empty="", may_be_absent=True),
        Column("framework_agreement_date", False, parse_date),
    )

    def process(self, rows: list[Row], *, actor, result: ImportResult) -> None:
        numbers = {}
        for row in rows:
            try:
                numbers[row.number] = kvk_normalise(row.values["kvk_number"])
            except ValidationError as error:
                numbers[row.number] = None
                result.add_issue(row.number, "kvk_number", error.messages[0])
        existing = {
            c.kvk_number: c
            for c in Client.objects.filter(kvk_number__in={n for n in numbers.values() if n})
        }
        seen: dict[str, int] = {}
        for row in rows:
            kvk = numbers[row.number]
            if kvk is None:
                continue
            if kvk in seen:
                result.add_issue(
                    row.number,
                    "kvk_number",
                    _("Row %(row)s has the same KvK number.") % {"row": seen[kvk]},
                )
                continue
            seen[kvk] = row.number
            fields = {name: row.values[name] for name in FIELDS if row.values[name] is not ABSENT}
            client = existing.get(kvk)
            try:
                with transaction.atomic():
                    if client is None:
                        client_create(actor=actor, kvk_number=kvk, **fields)
                        result.count(row, "create")
                        continue
                    changes = _changes(client, fields)
                    if not changes:
                        result.count(row, "unchanged")
                        continue
                    client_update(client=client, actor=actor, **changes)
                    result.count(row, "update")
            except ValidationError as error:
                add_validation_issues(
                    result, row.number, error, columns={}, default_column="kvk_number"
                )


def _changes(client: Client, fields: dict) -> dict:
    changes = {}
    for name, value in fields.items():
        compare = value
        if name == "vat_number" and value:
            try:
                compare = vat_normalise(value)
            except ValidationError:
                changes[name] = value  # the service reports it
                continue
        if name == "billing_address":
            compare = value.replace("\r\n", "\n")
            value = compare
        if getattr(client, name) != compare:
            changes[name] = value
    return changes
