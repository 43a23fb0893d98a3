"""Writes for settlements: compute (draft), submit, approve, reject.

Formulas in settlements.models; figures read by settlements.figures. Every service runs in
one transaction. Computing a municipality's half-year takes a PostgreSQL advisory lock on
(municipality, half-year) first, so runs at the same time queue per key and the unique
constraint never has to break a tie; the second run recomputes the same draft.

A submitted or approved settlement is never recomputed; a rejected one is, and becomes a
draft again (the rejection stays in the audit trail).
"""

import hashlib
import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_back_office, is_treasurer
from accounts.services import approver_independence_check
from core.db import require_atomic
from core.money import percentage_of
from core.services import audit_record
from core.signals import announce_on_commit
from members.models import Municipality
from members.selectors import FrameworkNotInForce, framework_in_force
from settlements.figures import settlement_figures
from settlements.models import Period, Settlement, SettlementLine
from settlements.signals import (
    settlement_approved,
    settlement_rejected,
    settlement_submitted,
)

ADVISORY_NAMESPACE = 0x5E771E  # "settle": the first key of every settlement advisory lock
FIGURE_FIELDS = (
    "hours",
    "gross",
    "premiums",
    "fee",
    "contribution_municipality",
    "contribution_operator",
    "result",
    "fee_percentage",
    "contribution_municipality_percentage",
    "contribution_operator_percentage",
)


SNAPSHOT_FIELDS = (*FIGURE_FIELDS, "invoice_line_count", "credit_line_count")


def submission_snapshot(settlement: Settlement) -> dict[str, str]:
    """The figures of a settlement as text, as the audit trail keeps them."""
    return {field: str(getattr(settlement, field)) for field in SNAPSHOT_FIELDS}


class InvariantBroken(ValidationError):
    """The figures do not add up: nothing is saved."""


def _lock_key(municipality_id: int, period: Period) -> int:
    return municipality_id * 100_000 + period.year * 10 + period.half


def lock_settlement_key(*, municipality_id: int, period: Period) -> None:
    """Serialise work on one (municipality, half-year) until the transaction ends."""
    require_atomic()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [ADVISORY_NAMESPACE, _lock_key(municipality_id, period)],
        )


def _lock_settlement(pk: int) -> Settlement:
    return (
        Settlement.objects.select_for_update(of=("self",)).select_related("municipality").get(pk=pk)
    )


def settlement_amounts(*, gross: Decimal, premiums: Decimal, terms) -> dict:
    """F, Cm, Co and the result from G, P and the percentages in force; each rounded once.

    Raises InvariantBroken if P + (F - Co) + (Cm + Co) + result != G.
    """
    fee = percentage_of(gross, terms["fee_percentage"])
    cm = percentage_of(gross, terms["contribution_municipality_percentage"])
    co = percentage_of(gross, terms["contribution_operator_percentage"])
    result = gross - premiums - fee - cm
    if premiums + (fee - co) + (cm + co) + result != gross:
        raise InvariantBroken(
            _("The settlement does not add up: P + (F - Co) + (Cm + Co) + result != G.")
        )
    return {
        "gross": gross,
        "premiums": premiums,
        "fee": fee,
        "contribution_municipality": cm,
        "contribution_operator": co,
        "result": result,
        **terms,
    }


def settlement_terms(*, municipality: Municipality, period: Period) -> dict:
    """The percentages of the settlement and the day they are taken from: those of the
    framework and execution contract in force on the first day of the half-year. A percentage
    changes only on 1 January or 1 July (members.services.framework_percentage_errors and
    contract_errors), so they hold for the whole half-year."""
    terms_date = period.start
    try:
        terms = framework_in_force(municipality=municipality, on=terms_date)
    except FrameworkNotInForce as error:
        raise ValidationError(str(error), code="framework_not_in_force") from error
    return {
        "terms_date": terms_date,
        "fee_percentage": terms.operator_fee_percentage,
        "contribution_municipality_percentage": terms.contribution_municipality_percentage,
        "contribution_operator_percentage": terms.contribution_operator_percentage,
    }


def _breakdown_lines(settlement: Settlement, figures) -> list[SettlementLine]:
    lines = [
        SettlementLine(
            settlement=settlement,
            kind=SettlementLine.Kind.MONTH,
            month=month,
            hours=part.hours,
            gross=part.gross,
            premiums=part.premiums,
        )
        for month, part in sorted(figures.by_month.items())
    ]
    lines += [
        SettlementLine(
            settlement=settlement,
            kind=SettlementLine.Kind.CLIENT,
            client_id=client_id,
            client_name=figures.client_names.get(client_id, ""),
            hours=part.hours,
            gross=part.gross,
            premiums=part.premiums,
        )
        for client_id, part in sorted(
            figures.by_client.items(), key=lambda item: figures.client_names.get(item[0], "")
        )
    ]
    return lines


def _check_parts(figures, amounts: dict) -> None:
    """The month rows and the client rows each add up to the stored totals."""
    for rows in (figures.by_month.values(), figures.by_client.values()):
        for field in ("gross", "premiums", "hours"):
            if sum((getattr(row, field) for row in rows), Decimal("0")) != (
                amounts[field] if field != "hours" else figures.hours
            ):
                raise InvariantBroken(_("The breakdown does not add up to the totals."))


@transaction.atomic
def settlement_compute(
    *, municipality: Municipality, period: Period, actor=None, run=None
) -> tuple[Settlement, bool]:
    """Compute (or recompute) the draft of one municipality's half-year.

    Returns (settlement, computed): a submitted or approved settlement is returned unchanged
    with computed False. One transaction: a crash leaves the old draft or the new one.
    """
    lock_settlement_key(municipality_id=municipality.pk, period=period)
    settlement = Settlement.objects.filter(
        municipality=municipality, year=period.year, half=period.half
    ).first()
    if settlement is not None and settlement.status in (
        Settlement.Status.SUBMITTED,
        Settlement.Status.APPROVED,
    ):
        return settlement, False

    figures = settlement_figures(municipality_id=municipality.pk, period=period)
    terms = settlement_terms(municipality=municipality, period=period)
    amounts = settlement_amounts(gross=figures.gross, premiums=figures.premiums, terms=terms)
    _check_parts(figures, amounts)

    values = {
        **amounts,
        "hours": figures.hours,
        "invoice_line_count": figures.invoice_line_count,
        "credit_line_count": figures.credit_line_count,
        "computed_at": timezone.now(),
        "run": run,
        "status": Settlement.Status.DRAFT,
        "submitted_by": None,
        "submitted_at": None,
        "decided_by": None,
        "decided_at": None,
    }
    # Fields are validated here; the unique and check constraints (five queries each time)
    # are left to PostgreSQL, which enforces them on write, and the invariant is checked above.
    before = {}
    if settlement is None:
        settlement = Settlement(
            municipality=municipality, year=period.year, half=period.half, **values
        )
        settlement.full_clean(validate_unique=False, validate_constraints=False)
        settlement.save()
    else:
        before = {field: getattr(settlement, field) for field in FIGURE_FIELDS}
        before["status"] = settlement.status
        for field, value in values.items():
            setattr(settlement, field, value)
        settlement.full_clean(validate_unique=False, validate_constraints=False)
        settlement.save(update_fields=list(values))
        settlement.lines.all().delete()
    SettlementLine.objects.bulk_create(_breakdown_lines(settlement, figures))
    audit_record(
        actor=actor,
        action="settlement.compute",
        obj=settlement,
        summary=f"{period}: G {settlement.gross}, P {settlement.premiums}, "
        f"result {settlement.result}.",
        before={key: str(value) for key, value in before.items()},
        after={key: str(getattr(settlement, key)) for key in (*FIGURE_FIELDS, "status")},
    )
    return settlement, True


@transaction.atomic
def settlement_submit(*, settlement: Settlement, actor) -> Settlement:
    """The back office submits a draft to the treasurer. Submitting twice changes nothing."""
    if not is_back_office(actor):
        raise PermissionDenied(_("Only the back office submits settlements."))
    settlement = _lock_settlement(settlement.pk)
    if settlement.status == Settlement.Status.SUBMITTED:
        return settlement
    if settlement.status != Settlement.Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be submitted; this settlement is %(status)s.")
            % {"status": settlement.get_status_display().lower()},
            code="not_draft",
        )
    settlement.status = Settlement.Status.SUBMITTED
    settlement.submitted_by = actor
    settlement.submitted_at = timezone.now()
    settlement.rejection_reason = ""
    settlement.save(update_fields=["status", "submitted_by", "submitted_at", "rejection_reason"])
    # The figures as submitted, kept with the submission (the history compares submissions).
    audit_record(
        actor=actor,
        action="settlement.submit",
        obj=settlement,
        summary=str(settlement),
        after=submission_snapshot(settlement),
    )
    announce_on_commit(
        settlement_submitted, sender=Settlement, object_id=settlement.pk, actor=actor
    )
    return settlement


def _decide_check(settlement: Settlement, actor) -> None:
    if not is_treasurer(actor):
        raise PermissionDenied(_("Only the treasurer approves or rejects settlements."))
    if settlement.submitted_by_id == actor.pk:
        raise PermissionDenied(
            _("You submitted this settlement; another treasurer must approve or reject it.")
        )
    approver_independence_check(approver=actor, preparer=settlement.submitted_by)


def settlement_fingerprint(settlement: Settlement) -> str:
    """SHA-256 over the stored figures and breakdown, printed on the statement: anyone can
    recompute it from the figures (`show_settlement --json`)."""
    payload = {
        "municipality": settlement.municipality.cbs_code,
        "period": str(settlement.period),
        **{field: str(getattr(settlement, field)) for field in FIGURE_FIELDS},
        "lines": [
            [
                line.kind,
                line.month.isoformat() if line.month else "",
                line.client_id or "",
                str(line.hours),
                str(line.gross),
                str(line.premiums),
            ]
            for line in settlement.lines.order_by("kind", "month", "client_id")
        ],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@transaction.atomic
def settlement_approve(*, settlement: Settlement, actor) -> Settlement:
    """The treasurer (not the submitter) approves: the settlement is final. The statement
    and the payment instructions are made by a task queued on commit. Approving twice
    changes nothing."""
    settlement = _lock_settlement(settlement.pk)
    _decide_check(settlement, actor)
    if settlement.status == Settlement.Status.APPROVED:
        return settlement
    if settlement.status != Settlement.Status.SUBMITTED:
        raise ValidationError(
            _("Only a submitted settlement can be approved; this one is %(status)s.")
            % {"status": settlement.get_status_display().lower()},
            code="not_submitted",
        )
    settlement.status = Settlement.Status.APPROVED
    settlement.decided_by = actor
    settlement.decided_at = timezone.now()
    settlement.fingerprint = settlement_fingerprint(settlement)
    settlement.save(update_fields=["status", "decided_by", "decided_at", "fingerprint"])
    audit_record(
        actor=actor,
        action="settlement.approve",
        obj=settlement,
        summary=f"{settlement}: result {settlement.result}, fingerprint {settlement.fingerprint}.",
    )
    from settlements.tasks import settlement_approved_task

    pk = settlement.pk
    # Robust: the approval stands even if the statement cannot be made now (the error is
    # logged); the daily catch-up task makes what is missing.
    transaction.on_commit(lambda: settlement_approved_task.delay(pk), robust=True)
    announce_on_commit(settlement_approved, sender=Settlement, object_id=pk, actor=actor)
    return settlement


@transaction.atomic
def settlement_reject(*, settlement: Settlement, actor, reason: str) -> Settlement:
    """The treasurer (not the submitter) rejects with a reason; the next run recomputes it."""
    reason = (reason or "").strip()
    settlement = _lock_settlement(settlement.pk)
    _decide_check(settlement, actor)
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the settlement is rejected.")}, code="reason_required"
        )
    if settlement.status != Settlement.Status.SUBMITTED:
        raise ValidationError(
            _("Only a submitted settlement can be rejected; this one is %(status)s.")
            % {"status": settlement.get_status_display().lower()},
            code="not_submitted",
        )
    settlement.status = Settlement.Status.REJECTED
    settlement.decided_by = actor
    settlement.decided_at = timezone.now()
    settlement.rejection_reason = reason
    settlement.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    audit_record(
        actor=actor,
        action="settlement.reject",
        obj=settlement,
        summary=reason,
        after={"rejection_reason": reason},
    )
    announce_on_commit(settlement_rejected, sender=Settlement, object_id=settlement.pk, actor=actor)
    return settlement
