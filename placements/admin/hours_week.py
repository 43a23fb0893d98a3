"""The hours per week of one assignment: the back office's grid (seven day fields, saved
together through the time-entry services), shown by AssignmentAdmin.hours_week_view."""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone

from placements.models import Assignment, TimeEntry
from placements.services import (
    HOURS_OPEN_STATUSES,
    time_entries_approve,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)

# The grid is shown for assignments that can carry hours (an ended one read-only).
HOURS_WEEK_STATUSES = frozenset({*HOURS_OPEN_STATUSES, Assignment.Status.ENDED})


def hours_week_monday(value: str | None, *, assignment: Assignment) -> datetime.date:
    """The Monday of an ISO week given as `2026-W48`; by default this week, within the
    assignment's dates (its first week before it starts, its last week after it ends)."""
    if value:
        try:
            year, week = value.upper().split("-W")
            return datetime.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            pass
    today = timezone.localdate()
    day = min(max(today, assignment.start_date), assignment.end_date)
    return day - datetime.timedelta(days=day.weekday())


class HoursField(forms.DecimalField):
    """Hours of one day: a decimal comma or point, whatever the language (7,5 and 7.5 are
    both seven and a half: hours never need a thousands separator)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except ArithmeticError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class HoursWeekGrid:
    """One assignment, one ISO week: the entries per day and which days may be changed.

    Saving goes through the time-entry services, day by day, inside one transaction: when
    any day is refused, every day's error is shown and nothing of the week is saved.

    Days after today (in the portal's time zone) have not been worked yet: their fields are
    shown disabled. A value posted for one anyway goes to the service, which refuses it
    (`time_entry_check`), so the week shows that day's error and saves nothing.
    """

    def __init__(self, *, assignment: Assignment, monday: datetime.date, may_edit: bool):
        self.assignment = assignment
        self.monday = monday
        self.today = timezone.localdate()
        self.days = [monday + datetime.timedelta(days=i) for i in range(7)]
        self.is_open = assignment.status in HOURS_OPEN_STATUSES
        self.may_edit = may_edit and self.is_open
        self.entries = self._entries()
        year, week, _weekday = monday.isocalendar()
        self.week_param = f"{year}-W{week:02d}"
        self.week_label = f"{week} ({year})"
        self.previous_week = (monday - datetime.timedelta(days=7)).strftime("%G-W%V")
        self.next_week = (monday + datetime.timedelta(days=7)).strftime("%G-W%V")
        self.other_hours = dict(
            TimeEntry.objects.filter(
                assignment__candidate_id=assignment.candidate_id,
                work_date__range=(self.days[0], self.days[-1]),
            )
            .exclude(assignment=assignment)
            .exclude(status=TimeEntry.Status.CREDITED)
            .values_list("work_date")
            .annotate(total=Sum("hours"))
        )

    def _entries(self) -> dict[datetime.date, TimeEntry]:
        # A credited entry is history: the day shows its correction (or nothing yet).
        qs = self.assignment.time_entries.filter(
            work_date__range=(self.days[0], self.days[-1])
        ).exclude(status=TimeEntry.Status.CREDITED)
        return {entry.work_date: entry for entry in qs}

    def in_assignment(self, day: datetime.date) -> bool:
        return self.assignment.start_date <= day <= self.assignment.end_date

    def is_future(self, day: datetime.date) -> bool:
        return day > self.today

    def _open(self, day: datetime.date, entry: TimeEntry | None) -> bool:
        """Whether the day could take hours, today aside."""
        return (
            self.may_edit
            and self.in_assignment(day)
            and not (entry is not None and entry.is_locked)
        )

    def editable(self, day: datetime.date) -> bool:
        return self._open(day, self.entries.get(day)) and not self.is_future(day)

    @staticmethod
    def field_name(day: datetime.date) -> str:
        return f"day_{day:%Y%m%d}"

    def form(self, data=None) -> forms.Form:
        fields = {}
        for day in self.days:
            entry = self.entries.get(day)
            fields[self.field_name(day)] = HoursField(
                label=formats.date_format(day, "l j F"),
                required=False,
                localize=True,
                disabled=not self.editable(day),
                initial=entry.hours if entry is not None else None,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "size": 5, "autocomplete": "off"}
                ),
            )
        return type("HoursWeekForm", (forms.Form,), fields)(data)

    def rows(self, form) -> list[dict]:
        return [
            {
                "day": day,
                "field": form[self.field_name(day)],
                "entry": self.entries.get(day),
                "in_assignment": self.in_assignment(day),
                # Would take hours, but not before that day: shown disabled, greyed.
                "not_yet": self.is_future(day) and self._open(day, self.entries.get(day)),
                "editable": self.editable(day),
                "other_hours": self.other_hours.get(day),
            }
            for day in self.days
        ]

    @property
    def total(self) -> Decimal:
        return sum((entry.hours for entry in self.entries.values()), Decimal("0"))

    def save(self, form, *, actor, approve: bool = False) -> bool:
        """Apply the week (after `form.is_valid()`); False, with every day's error on the form
        and nothing saved, when any day does not parse or is refused by the services."""
        with transaction.atomic():
            entries = self._entries()  # afresh; each service locks what it changes
            for day in self.days:
                name = self.field_name(day)
                if name in form.errors:
                    continue
                if self.is_future(day) and self._open(day, entries.get(day)):
                    hours = self._posted_for_future(form, day, entries.get(day))
                    if hours is None:
                        continue
                elif form.fields[name].disabled:
                    continue
                else:
                    hours = form.cleaned_data[name]
                try:
                    with transaction.atomic():
                        self._save_day(day, entries.get(day), hours, actor=actor)
                except ValidationError as error:
                    form.add_error(name, error.messages)
            if form.errors:
                transaction.set_rollback(True)
                return False
            if approve:
                time_entries_approve(
                    entries=self.assignment.time_entries.filter(
                        work_date__range=(self.days[0], self.days[-1])
                    ),
                    actor=actor,
                )
        self.entries = self._entries()
        return True

    def _posted_for_future(
        self, form, day: datetime.date, entry: TimeEntry | None
    ) -> Decimal | None:
        """The hours posted for a day after today (its field is disabled, so the form ignores
        them): None when nothing was posted or they are the stored ones, else the number, for
        the service to refuse. A value that does not parse is an error on the day."""
        name = self.field_name(day)
        raw = form.data.get(form.add_prefix(name))
        if raw is None or not str(raw).strip():
            return None
        try:
            hours = form.fields[name].clean(raw)
        except ValidationError as error:
            form.add_error(name, error.messages)
            return None
        if entry is not None and entry.hours == hours:
            return None
        return hours

    def _save_day(self, day, entry, hours, *, actor) -> None:
        """Empty (or 0) removes the day's hours, a number sets them; the same hours stay as
        they are (approved hours are not sent back for approval for nothing)."""
        if hours is None or hours == 0:
            if entry is not None:
                time_entry_delete(entry=entry, actor=actor)
        elif entry is None:
            time_entry_create(assignment=self.assignment, actor=actor, work_date=day, hours=hours)
        elif entry.hours != hours:
            time_entry_update(entry=entry, actor=actor, hours=hours)
