"""Hours: natural key the assignment (municipality + client number + KvK + its start date)
plus the work date.

Validated for the whole file at once, with the rules of `time_entry_create` itself
(`placements.services.time_entry_check`): approved or active assignment, date within it and
not after today (one today for the whole file, in the portal's time zone), 0 < hours <= 24
with two decimals, at most 24 a day per candidate counting the hours stored
and the file's earlier rows. The candidates concerned are locked first (as the services do),
their stored hours read in one query, the new entries written with one COPY (PostgreSQL;
bulk_create elsewhere): the table's own constraints still hold them.

Re-import: a row with the stored hours is unchanged. Different hours replace the stored
ones, which go back to "entered" for re-approval with their premium reversed (as
`time_entry_update` does); invoiced hours are locked, so a different figure on them is
refused. Credited hours are history and do not count: a row on their date adds the
correction as a new entry.
"""

from collections import defaultdict
from contextlib import ExitStack
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Municipality
from placements.imports.base import (
    CellError,
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
from placements.imports.lookups import KeyLookup, NotFound, references_report
from placements.models import Assignment, Candidate, TimeEntry
from placements.services import time_entry_check, time_entry_refuse_invoiced
from placements.services.hours import _hours_errors
from placements.signals import time_entries_withdrawn

KEY_COLUMN = "assignment_start_date"


def parse_hours(value) -> Decimal:
    """Hours of a day: more than 0, at most 24, two decimals (the rules of the services, checked
    per cell, so a row names this together with its other errors)."""
    hours = parse_decimal(value)
    errors = _hours_errors(hours)
    if errors:
        raise CellError(errors[0])
    return hours


BATCH_SIZE = 5000
CENT = Decimal("0.01")


class HoursImporter:
    columns = (
        Column("municipality", True, parse_code),
        Column("client_number", True, text_max(50)),
        Column("kvk_number", True, parse_kvk),
        Column(KEY_COLUMN, True, parse_date),
        Column("work_date", True, parse_date),
        Column("hours", True, parse_hours),
    )

    def references_check(self, rows: list[Row], *, result: ImportResult) -> None:
        references_report(rows, result)

    def __init__(self):
        self._approvers: dict[int, str] = {}  # per candidate: who must approve first

    def process(self, rows: list[Row], *, actor, result: ImportResult) -> None:
        resolved = self._resolve(rows, result)
        if not resolved:
            return
        candidate_ids = sorted({assignment.candidate_id for _row, assignment in resolved})
        # Lock the candidates (as time_entry_create does), so the day totals stay true.
        list(
            Candidate.objects.select_for_update()
            .filter(pk__in=candidate_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        dates = [row.values["work_date"] for row, _assignment in resolved]
        stored: dict[tuple[int, object], tuple[int, Decimal, str]] = {}
        day_totals: dict[tuple[int, object], Decimal] = defaultdict(Decimal)
        for pk, assignment_id, candidate_id, work_date, hours, status in (
            TimeEntry.objects.filter(
                assignment__candidate_id__in=candidate_ids,
                work_date__range=(min(dates), max(dates)),
            )
            .exclude(status=TimeEntry.Status.CREDITED)  # history: no longer counts
            .values_list(
                "pk", "assignment_id", "assignment__candidate_id", "work_date", "hours", "status"
            )
            .iterator(chunk_size=10_000)
        ):
            stored[(assignment_id, work_date)] = (pk, hours, status)
            day_totals[(candidate_id, work_date)] += hours

        seen: dict[tuple[int, object], int] = {}
        changed: list[tuple[int, Decimal, int]] = []
        entered_by = actor if actor is not None and actor.is_authenticated else None
        new = _NewEntries(result=result, entered_by=entered_by)
        today = timezone.localdate()
        try:
            self._check(resolved, stored, day_totals, seen, new, changed, result, today=today)
        finally:
            new.close()
        if result.ok and not result.dry_run and changed:
            _update(changed, actor=actor, result=result)

    def _check(self, resolved, stored, day_totals, seen, new, changed, result, *, today) -> None:
        for row, assignment in resolved:
            work_date = row.values["work_date"]
            hours = row.values["hours"]
            key = (assignment.pk, work_date)
            if key in seen:
                result.add_issue(
                    row.number,
                    "work_date",
                    _("Row %(row)s has hours for the same assignment and work date.")
                    % {"row": seen[key]},
                )
                continue
            seen[key] = row.number
            existing = stored.get(key)
            if existing is not None and existing[1] == hours:
                result.count(row, "unchanged")
                continue
            day_key = (assignment.candidate_id, work_date)
            other = day_totals[day_key] - (existing[1] if existing else 0)
            try:
                if existing is not None:
                    time_entry_refuse_invoiced(TimeEntry(status=existing[2]))
                hours = time_entry_check(
                    assignment=assignment,
                    work_date=work_date,
                    hours=hours,
                    other_hours=lambda other=other: other,
                    today=today,
                )
            except ValidationError as error:
                if assignment.status == Assignment.Status.REQUESTED:
                    result.add_issue(row.number, KEY_COLUMN, self._awaiting_approval(assignment))
                    continue
                add_validation_issues(
                    result, row.number, error, columns={}, default_column=KEY_COLUMN
                )
                continue
            hours = hours.quantize(CENT)  # as stored: 8 is 8.00
            day_totals[day_key] = other + hours
            if existing is None:
                new.add(assignment.pk, work_date, hours)
                result.count(row, "create")
            else:
                changed.append((existing[0], hours, row.number))
                result.count(row, "update")

    def _awaiting_approval(self, assignment: Assignment) -> str:
        """Hours on a requested assignment: who must approve it first, by name."""
        cache = self._approvers
        if assignment.candidate_id not in cache:
            municipality = Municipality.objects.get(candidates__pk=assignment.candidate_id)
            names = [
                user.get_full_name() or user.email
                for user in municipality.coordinators.filter(is_active=True).order_by(
                    "last_name", "first_name", "pk"
                )
            ]
            if names:
                message = _(
                    "This assignment awaits approval: hours can be imported once a coordinator "
                    "of %(municipality)s has approved it (%(names)s)."
                ) % {"municipality": municipality.name, "names": ", ".join(names)}
            else:
                message = _(
                    "This assignment awaits approval by a coordinator of %(municipality)s, "
                    "which has no coordinator in the portal yet: ask NVSI to invite one."
                ) % {"municipality": municipality.name}
            cache[assignment.candidate_id] = message
        return cache[assignment.candidate_id]

    def _resolve(self, rows: list[Row], result: ImportResult) -> list[tuple[Row, Assignment]]:
        """Each row's assignment by its natural key; rows naming none are reported."""
        lookup = KeyLookup(
            codes={row.values["municipality"] for row in rows},
            client_numbers={row.values["client_number"] for row in rows},
            kvk_numbers={row.values["kvk_number"] for row in rows},
        )
        lookup.load_assignments(start_dates={row.values[KEY_COLUMN] for row in rows})
        found: dict[tuple, Assignment | list[NotFound]] = {}
        resolved = []
        for row in rows:
            values = row.values
            key = (
                values["municipality"],
                values["client_number"],
                values["kvk_number"],
                values[KEY_COLUMN],
            )
            assignment = found.get(key)
            if assignment is None:
                missing = lookup.missing(values)
                if missing:  # the candidate and the client: both named when both are wrong
                    assignment = missing
                else:
                    try:
                        assignment = lookup.assignment(
                            lookup.candidate(values["municipality"], values["client_number"]),
                            lookup.client(values["kvk_number"]),
                            values[KEY_COLUMN],
                            column=KEY_COLUMN,
                        )
                    except NotFound as error:
                        assignment = [error]
                found[key] = assignment
            if isinstance(assignment, list):
                for error in assignment:
                    result.add_issue(row.number, error.column, error.message)
                continue
            resolved.append((row, assignment))
        return resolved


def _update(changed: list[tuple[int, Decimal, int]], *, actor, result: ImportResult) -> None:
    """Changed hours go back to entered, as time_entry_update does: the entries locked (after
    their candidates), the premium accrued on approved ones reversed, then the new hours.

    The statuses were read before the entries were locked: an entry invoiced in between (by
    an invoice run, which does not wait for the candidates) is an error on its row, and the
    runner then writes nothing."""
    ids = sorted(pk for pk, _hours, _row in changed)
    locked = dict(
        TimeEntry.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "status")
    )
    open_statuses = (TimeEntry.Status.ENTERED, TimeEntry.Status.APPROVED)
    for pk, _hours, row_number in changed:
        if locked.get(pk) not in open_statuses:
            result.add_issue(
                row_number,
                "hours",
                _("These hours were invoiced while the file was being imported; import again."),
            )
    if not result.ok:
        return
    time_entries_withdrawn.send(sender=TimeEntry, entry_ids=ids, actor=actor)
    now = timezone.now()
    entries = [
        TimeEntry(
            pk=pk,
            hours=hours,
            status=TimeEntry.Status.ENTERED,
            approved_by=None,
            approved_at=None,
            updated_at=now,
        )
        for pk, hours, _row in changed
    ]
    TimeEntry.objects.bulk_update(
        entries, ["hours", "status", "approved_by", "approved_at", "updated_at"], batch_size=500
    )


class _NewEntries:
    """The new entries, status entered, written in the import's transaction.

    On PostgreSQL they stream through COPY while the rest of the file is still being checked,
    so the server inserts while Python validates; the table's constraints hold them as any
    insert. Once a row is refused nothing more is sent, and the runner rolls the transaction
    back. A dry run sends nothing. Elsewhere one bulk_create at the end.
    """

    def __init__(self, *, result: ImportResult, entered_by):
        self.result = result
        self.entered_by = entered_by
        self.sending = result.ok and not result.dry_run
        self.pending: list[tuple[int, object, Decimal]] = []
        self.stack = ExitStack()
        self.copy = None
        now = timezone.now().isoformat()
        user_id = str(entered_by.pk) if entered_by is not None else "\\N"
        # COPY's text format: every value is a number, an ISO date or time, or a fixed word,
        # so nothing needs escaping.
        self.tail = f"\t{TimeEntry.Status.ENTERED.value}\t{user_id}\t{now}\t{now}\n"

    def add(self, assignment_id: int, work_date, hours: Decimal) -> None:
        if not self.sending:
            return
        self.pending.append((assignment_id, work_date, hours))
        if len(self.pending) >= BATCH_SIZE and connection.vendor == "postgresql":
            self._send()

    def _send(self) -> None:
        if not self.result.ok:
            self.sending = False
        if not self.sending or not self.pending:
            self.pending = []
            return
        if self.copy is None:
            cursor = self.stack.enter_context(connection.cursor())
            columns = (
                "assignment_id, work_date, hours, status, entered_by_id, created_at, updated_at"
            )
            self.copy = self.stack.enter_context(
                cursor.cursor.copy(f"COPY {TimeEntry._meta.db_table} ({columns}) FROM STDIN")
            )
        tail = self.tail
        self.copy.write(
            "".join(
                f"{assignment_id}\t{work_date.isoformat()}\t{hours}{tail}"
                for assignment_id, work_date, hours in self.pending
            )
        )
        self.pending = []

    def close(self) -> None:
        try:
            if connection.vendor == "postgresql":
                self._send()
            elif self.sending and self.result.ok and self.pending:
                TimeEntry.objects.bulk_create(
                    [
                        TimeEntry(assignment_id=a, work_date=d, hours=h, entered_by=self.entered_by)
                        for a, d, h in self.pending
                    ],
                    batch_size=BATCH_SIZE,
                )
        finally:
            self.stack.close()
