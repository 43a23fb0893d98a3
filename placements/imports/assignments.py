"""Assignments: natural key candidate (municipality + client number) + client (KvK) + start
date.

A new row goes through `assignment_request`: it arrives as requested (the rate defaults to
the framework minimum, a lower rate is refused, large-or-long is flagged), to be approved by
a coordinator after the displacement check like any other request. A row equal to the
stored assignment is unchanged; a different one goes through `assignment_update`, which
only a still-requested assignment accepts.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from placements.imports.base import (
    Column,
    ImportResult,
    Row,
    add_validation_issues,
    parse_code,
    parse_date,
    parse_decimal,
    parse_kvk,
    text_max,
)
from placements.imports.lookups import KeyLookup, NotFound
from placements.services import assignment_request, assignment_update

COLUMNS_OF_FIELDS = {"candidate": "client_number", "client": "kvk_number"}


class AssignmentImporter:
    columns = (
        Column("municipality", True, parse_code),
        Column("client_number", True, text_max(50)),
        Column("kvk_number", True, parse_kvk),
        Column("start_date", True, parse_date),
        Column("end_date", True, parse_date),
        Column("hours_per_week", True, parse_decimal),
        Column("work_description", True, text_max(5000)),
        Column("hourly_rate", False, parse_decimal),
    )

    def process(self, rows: list[Row], *, actor, result: ImportResult) -> None:
        lookup = KeyLookup(
            codes={row.values["municipality"] for row in rows},
            client_numbers={row.values["client_number"] for row in rows},
            kvk_numbers={row.values["kvk_number"] for row in rows},
        )
        lookup.load_assignments(start_dates={row.values["start_date"] for row in rows})
        seen: dict[tuple, int] = {}
        for row in rows:
            values = row.values
            try:
                candidate = lookup.candidate(values["municipality"], values["client_number"])
                client = lookup.client(values["kvk_number"])
            except NotFound as missing:
                result.add_issue(row.number, missing.column, missing.message)
                continue
            key = (candidate.pk, client.pk, values["start_date"])
            if key in seen:
                result.add_issue(
                    row.number,
                    "start_date",
                    _("Row %(row)s has the same candidate, client and start date.")
                    % {"row": seen[key]},
                )
                continue
            seen[key] = row.number
            fields = {
                name: values[name]
                for name in ("end_date", "hours_per_week", "work_description", "hourly_rate")
            }
            found = lookup.assignments(candidate, client, values["start_date"])
            try:
                with transaction.atomic():
                    if not found:
                        assignment_request(
                            actor=actor,
                            candidate=candidate,
                            client=client,
                            start_date=values["start_date"],
                            **fields,
                        )
                        result.count(row, "create")
                        continue
                    assignment = lookup.assignment(
                        candidate, client, values["start_date"], column="start_date"
                    )
                    if fields["hourly_rate"] is None:
                        del fields["hourly_rate"]  # empty: keep the stored rate
                    changes = {
                        name: value
                        for name, value in fields.items()
                        if getattr(assignment, name) != value
                    }
                    if not changes:
                        result.count(row, "unchanged")
                        continue
                    assignment_update(assignment=assignment, actor=actor, **changes)
                    result.count(row, "update")
            except NotFound as missing:
                result.add_issue(row.number, missing.column, missing.message)
            except ValidationError as error:
                add_validation_issues(
                    result,
                    row.number,
                    error,
                    columns=COLUMNS_OF_FIELDS,
                    default_column="start_date",
                )
