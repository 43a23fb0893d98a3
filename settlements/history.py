"""Reads: the history of a settlement that went back and forth between the back office and
the treasurer, from the audit trail (core.AuditEvent) of the settlement.

Every service of settlements.services.settlements writes its audit event in its own
transaction: `settlement.compute` with the figures that changed (before and after),
`settlement.submit` (since this history exists, with the figures as submitted),
`settlement.reject` (who, when, and the reason) and `settlement.approve`. The history replays
those events in order:

- the figures of a submission are the snapshot in its submit event; a submission from before
  the snapshots were kept gets the figures the compute events had written up to then (each
  compute event holds the fields it changed, so replaying them gives the figures as they
  stood);
- a rejection belongs to the submission before it;
- the changes between submissions are each figure of one submission against the next, and,
  while a rejected settlement waits to be submitted again, the current figures against the
  rejected submission.

The settlement is already in the user's scope (fetched through settlements.selectors).
"""

import dataclasses
import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent
from core.templatetags.portal import euro, number, percent
from settlements.models import Settlement

ACTIONS = ("settlement.compute", "settlement.submit", "settlement.reject", "settlement.approve")

# (field, label): the figures compared between submissions, in the order of the statement.
COMPARED = (
    ("hours", _("Hours")),
    ("gross", _("Gross revenue (G)")),
    ("premiums", _("Premiums (P)")),
    ("fee", _("Operator fee (F)")),
    ("contribution_municipality", _("Contribution borne by the municipality (Cm)")),
    ("contribution_operator", _("Contribution borne by the operator (Co)")),
    ("result", _("Result for the municipality")),
    ("fee_percentage", _("Operator fee (%)")),
    ("contribution_municipality_percentage", _("Contribution borne by the municipality (%)")),
    ("contribution_operator_percentage", _("Contribution borne by the operator (%)")),
)
PERCENTAGES = {"fee_percentage", "contribution_municipality_percentage"} | {
    "contribution_operator_percentage"
}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def shown(field: str, value: Decimal | None) -> str:
    """A figure as the page shows it: hours as a number, percentages, money in euros."""
    if field == "hours":
        return number(value)
    if field in PERCENTAGES:
        return percent(value)
    return euro(value)


def shown_difference(field: str, difference: Decimal | None) -> str:
    """A change with its sign: '+ € 12,00', '− € 3,50'."""
    if not difference:
        return ""
    sign = "+" if difference > 0 else "\u2212"
    return f"{sign}\u00a0{shown(field, abs(difference))}"


def _person(user) -> str:
    if user is None:
        return str(_("the system"))
    return user.get_full_name() or user.email


@dataclasses.dataclass
class Decision:
    by: str
    at: datetime.datetime
    reason: str = ""


@dataclasses.dataclass
class Submission:
    number: int
    by: str
    at: datetime.datetime
    figures: dict[str, Decimal | None]
    rejected: Decision | None = None
    approved: Decision | None = None


@dataclasses.dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Decimal | None
    after: Decimal | None
    is_percentage: bool

    @property
    def difference(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def before_text(self) -> str:
        return shown(self.field, self.before)

    @property
    def after_text(self) -> str:
        return shown(self.field, self.after)

    @property
    def difference_text(self) -> str:
        return shown_difference(self.field, self.difference)


@dataclasses.dataclass(frozen=True)
class Row:
    """One figure across the submissions: a cell per submission, with its change against the
    submission before it (None for the first, or when unchanged)."""

    field: str
    label: str
    cells: list[tuple[Decimal | None, Decimal | None]]
    is_percentage: bool

    @property
    def changed(self) -> bool:
        return any(difference for _value, difference in self.cells)

    @property
    def shown_cells(self) -> list[tuple[str, str]]:
        return [
            (shown(self.field, value), shown_difference(self.field, difference))
            for value, difference in self.cells
        ]


@dataclasses.dataclass
class History:
    submissions: list[Submission]
    rows: list[Row]
    # While a rejected (or recomputed) settlement waits: its figures now against the rejected
    # submission; empty when nothing changed yet.
    pending_changes: list[Change]
    pending: bool

    @property
    def rejections(self) -> list[Submission]:
        return [submission for submission in self.submissions if submission.rejected]

    @property
    def went_back_and_forth(self) -> bool:
        return bool(self.rejections)


def _changes(before: dict, after: dict) -> list[Change]:
    changes = []
    for field, label in COMPARED:
        old, new = before.get(field), after.get(field)
        if old != new:
            changes.append(Change(field, str(label), old, new, field in PERCENTAGES))
    return changes


def _rows(submissions: list[Submission]) -> list[Row]:
    rows = []
    for field, label in COMPARED:
        cells, previous = [], None
        for index, submission in enumerate(submissions):
            value = submission.figures.get(field)
            difference = None
            if index and value is not None and previous is not None and value != previous:
                difference = value - previous
            cells.append((value, difference))
            previous = value
        row = Row(field, str(label), cells, field in PERCENTAGES)
        # The percentages are shown only when they changed between submissions.
        if field not in PERCENTAGES or row.changed:
            rows.append(row)
    return rows


def settlement_history(settlement: Settlement) -> History:
    """The submissions of a settlement (already in scope) with their figures, rejections and
    approval, and what changed from one submission to the next; by the audit trail."""
    events = (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Settlement),
            object_id=str(settlement.pk),
            action__in=ACTIONS,
        )
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    figures: dict[str, Decimal | None] = {}
    submissions: list[Submission] = []
    for event in events:
        after = {key: pair[1] for key, pair in (event.changes or {}).items() if len(pair) == 2}
        if event.action == "settlement.compute":
            figures.update({key: _decimal(value) for key, value in after.items()})
        elif event.action == "settlement.submit":
            snapshot = {key: _decimal(value) for key, value in after.items()}
            submitted = {**figures, **snapshot} if snapshot else dict(figures)
            figures = dict(submitted)
            submissions.append(
                Submission(len(submissions) + 1, _person(event.actor), event.created_at, submitted)
            )
        elif submissions and event.action == "settlement.reject":
            reason = after.get("rejection_reason") or event.summary
            submissions[-1].rejected = Decision(_person(event.actor), event.created_at, reason)
        elif submissions and event.action == "settlement.approve":
            submissions[-1].approved = Decision(_person(event.actor), event.created_at)
    pending = bool(submissions) and settlement.status in (
        Settlement.Status.DRAFT,
        Settlement.Status.REJECTED,
    )
    current = {field: _decimal(getattr(settlement, field)) for field, _label in COMPARED}
    return History(
        submissions=submissions,
        rows=_rows(submissions),
        pending_changes=_changes(submissions[-1].figures, current) if pending else [],
        pending=pending,
    )
