"""Assignments: natural key candidate (municipality + client number) + client (KvK) + start
date. Two types share the columns, the lookups and the loop:

- `assignments`: a new row goes through `assignment_request`: it arrives as requested (the
  rate defaults to the framework minimum, a lower rate is refused, large-or-long is
  flagged), to be approved by a coordinator after the displacement check like any other
  request. A row equal to the stored assignment is unchanged; a different one goes through
  `assignment_update`, which only a still-requested assignment accepts.
- `approved_assignments` (go-live): running assignments approved before the portal took
  over, with the displacement check's date, the client's signatory and the approving
  coordinator. A new row goes through `assignment_approval_record`, which requests, checks
  and approves it by the same rules (and signs it off where large or long). A row equal to
  the stored approved assignment is unchanged; a decided assignment is never changed here.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from placements.imports.base import (
    Column,
    ImportResult,
    Row,
    add_validation_issues,
    day,
    parse_code,
    parse_date,
    parse_decimal,
    parse_email,
    parse_kvk,
    text_max,
)
from placements.imports.lookups import KeyLookup, NotFound, references_report
from placements.models import Assignment, DisplacementCheck
from placements.services import (
    assignment_approval_record,
    assignment_request,
    assignment_update,
)

COLUMNS_OF_FIELDS = {"candidate": "client_number", "client": "kvk_number"}
TERMS = ("end_date", "hours_per_week", "work_description", "hourly_rate")


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
    columns_of_fields = COLUMNS_OF_FIELDS

    def references_check(self, rows: list[Row], *, result: ImportResult) -> None:
        references_report(rows, result)

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
            missing = lookup.missing(values)
            if missing:  # the candidate and the client: both named when both are wrong
                for found in missing:
                    result.add_issue(row.number, found.column, found.message)
                continue
            candidate = lookup.candidate(values["municipality"], values["client_number"])
            client = lookup.client(values["kvk_number"])
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
            fields = {name: values[name] for name in TERMS}
            found = lookup.assignments(candidate, client, values["start_date"])
            try:
                with transaction.atomic():
                    if not found:
                        action = self.create(
                            row, candidate=candidate, client=client, fields=fields, actor=actor
                        )
                    else:
                        assignment = lookup.assignment(
                            candidate, client, values["start_date"], column="start_date"
                        )
                        if fields["hourly_rate"] is None:
                            del fields["hourly_rate"]  # empty: keep the stored rate
                        action = self.existing(row, assignment, fields=fields, actor=actor)
                    result.count(row, action)
            except NotFound as missing:
                result.add_issue(row.number, missing.column, missing.message)
            except ValidationError as error:
                add_validation_issues(
                    result,
                    row.number,
                    error,
                    columns=self.columns_of_fields,
                    default_column="start_date",
                )

    def create(self, row: Row, *, candidate, client, fields: dict, actor) -> str:
        assignment_request(
            actor=actor,
            candidate=candidate,
            client=client,
            start_date=row.values["start_date"],
            **fields,
        )
        return "create"

    def existing(self, row: Row, assignment: Assignment, *, fields: dict, actor) -> str:
        changes = _changes(assignment, fields)
        if not changes:
            return "unchanged"
        assignment_update(assignment=assignment, actor=actor, **changes)
        return "update"


def _changes(assignment: Assignment, fields: dict) -> dict:
    return {name: value for name, value in fields.items() if getattr(assignment, name) != value}


DECIDED = (Assignment.Status.APPROVED, Assignment.Status.ACTIVE, Assignment.Status.ENDED)


class ApprovedAssignmentImporter(AssignmentImporter):
    """Running assignments approved before go-live (docs/imports.md)."""

    columns = (
        *AssignmentImporter.columns,
        Column("displacement_check_date", True, parse_date),
        Column("client_signatory", True, text_max(200)),
        Column("approved_by", True, parse_email),
        Column("approved_on", False, parse_date),
    )
    columns_of_fields = {
        **COLUMNS_OF_FIELDS,
        "checked_on": "displacement_check_date",
        "client_signed_on": "displacement_check_date",
        "client_signatory_name": "client_signatory",
        "approved_by": "approved_by",
        "approved_on": "approved_on",
    }

    def process(self, rows: list[Row], *, actor, result: ImportResult) -> None:
        emails = {row.values["approved_by"] for row in rows}
        self.users = {
            user.email.lower(): user
            for user in get_user_model()
            .objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
        }
        self.source = f"{result.file_name} (import {result.kind})"
        self.today = timezone.localdate()
        super().process(rows, actor=actor, result=result)

    def _approver(self, row: Row):
        user = self.users.get(row.values["approved_by"])
        if user is None:
            raise ValidationError(
                {
                    "approved_by": _("No user has the e-mail address %(email)s.")
                    % {"email": row.values["approved_by"]}
                }
            )
        return user

    @staticmethod
    def _approved_on(row: Row):
        return row.values["approved_on"] or row.values["displacement_check_date"]

    def create(self, row: Row, *, candidate, client, fields: dict, actor) -> str:
        assignment_approval_record(
            actor=actor,
            candidate=candidate,
            client=client,
            start_date=row.values["start_date"],
            **fields,
            approved_by=self._approver(row),
            approved_on=self._approved_on(row),
            checked_on=row.values["displacement_check_date"],
            client_signatory_name=row.values["client_signatory"],
            source=self.source,
            today=self.today,
        )
        return "create"

    def existing(self, row: Row, assignment: Assignment, *, fields: dict, actor) -> str:
        """Unchanged when the stored assignment is decided with these terms, this approver
        on this day and this check; anything else is an error (decided terms stay)."""
        if assignment.status not in DECIDED:
            raise ValidationError(
                _(
                    "This assignment is “%(status)s” in the portal: only a coordinator decides "
                    "it there; this import adds approved assignments that are not in the "
                    "portal yet."
                )
                % {"status": assignment.get_status_display()}
            )
        check = DisplacementCheck.objects.filter(assignment=assignment).first()
        approver = self._approver(row)
        stored = {
            "approved_by": assignment.decided_by_id == approver.pk,
            "approved_on": assignment.decided_at is not None
            and timezone.localdate(assignment.decided_at) == self._approved_on(row),
            "displacement_check_date": check is not None
            and check.client_signed_on == row.values["displacement_check_date"],
            "client_signatory": check is not None
            and check.client_signatory_name == row.values["client_signatory"],
        }
        different = [*_changes(assignment, fields), *(c for c, same in stored.items() if not same)]
        if not different:
            return "unchanged"
        raise ValidationError(
            _(
                "This assignment is already in the portal (“%(status)s”, approved on "
                "%(date)s) with another %(columns)s: an approved assignment is not changed by "
                "an import."
            )
            % {
                "status": assignment.get_status_display(),
                "date": day(timezone.localdate(assignment.decided_at))
                if assignment.decided_at
                else "-",
                "columns": ", ".join(different),
            }
        )
