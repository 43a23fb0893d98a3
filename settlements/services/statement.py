"""The PDF statement of an approved settlement: rendered once, by a worker, and stored.

`settlement_statement_store(settlement_id=...)` is what the approval task calls. It is safe to
run twice and concurrently, like the invoice PDFs (billing.pdf):

1. nothing to do if the settlement is not approved; the stored statement if there is one;
2. the stored fingerprint is checked against the figures (they cannot have changed: the
   triggers of migration 0002 refuse it; a mismatch means someone went around them, and no
   statement is made of such figures);
3. render outside any transaction (WeasyPrint takes about half a second a page);
4. in one short transaction, lock the settlement row, look again, and store the file and
   the row only if no other worker did meanwhile (the loser's rendering is thrown away).
   The OneToOne on the statement backs the lock up; its trigger refuses any later change.

The statement is always in Dutch, to a Dutch municipality: its text is written in Dutch in
the template (templates/settlements/pdf/statement.html), rendered under
`translation.override("nl")` for the Dutch month names and the number formats
(€ 1.234,56, 31-12-2026).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from core.pdf import html_to_pdf, issuer, render_html
from core.services import audit_record
from settlements.models import Settlement, SettlementLine, SettlementStatement
from settlements.services.payments import END_TO_END_LETTER, remittance
from settlements.services.settlements import settlement_fingerprint

TEMPLATE = "settlements/pdf/statement.html"


def period_label(period) -> str:
    """'1e halfjaar 2026' (the year as a year, not as a Dutch number 2.026)."""
    return f"{period.half}e halfjaar {period.year}"


def _totals(lines) -> dict:
    return {
        "hours": sum(line.hours for line in lines),
        "gross": sum(line.gross for line in lines),
        "premiums": sum(line.premiums for line in lines),
    }


def settlement_statement_context(settlement: Settlement) -> dict:
    lines = list(settlement.lines.order_by("kind", "month", "client_name", "pk"))
    months = [line for line in lines if line.kind == SettlementLine.Kind.MONTH]
    clients = sorted(
        (line for line in lines if line.kind == SettlementLine.Kind.CLIENT),
        key=lambda line: (line.client_name.casefold(), line.pk),
    )
    reference = f"AF{settlement.pk}"
    return {
        "settlement": settlement,
        "municipality": settlement.municipality,
        "period": settlement.period,
        "period_label": period_label(settlement.period),
        "reference": reference,
        "issuer": issuer(),
        "operator_name": settings.OPERATOR_NAME,
        "months": months,
        "month_totals": _totals(months),
        "clients": clients,
        "client_totals": _totals(clients),
        "owed": -settlement.result if settlement.result < 0 else None,
        "remittance": remittance(settlement),
        "end_to_end_municipality": f"NVSI-{reference}-{END_TO_END_LETTER['municipality']}",
    }


def settlement_statement_html(settlement: Settlement, *, concept: bool = False) -> str:
    """The statement as HTML (what WeasyPrint renders), in Dutch; `concept` marks a preview
    of a settlement not yet approved."""
    context = {**settlement_statement_context(settlement), "concept": concept}
    return render_html(template_name=TEMPLATE, context=context)


def settlement_statement_pdf(settlement: Settlement, *, concept: bool = False) -> bytes:
    return html_to_pdf(settlement_statement_html(settlement, concept=concept)).content


PREVIEW_ACTION = "settlement.preview"


def settlement_preview_pdf(*, settlement: Settlement, actor) -> bytes:
    """The statement of a settlement not yet approved, marked CONCEPT on every page, for the
    treasurer to read before deciding. Rendered in the request (nothing is stored); the
    download is recorded in the audit trail before the file is handed over."""
    if settlement.status == Settlement.Status.APPROVED:
        raise ValidationError(
            "An approved settlement has its statement; it has no preview.", code="approved"
        )
    content = settlement_statement_pdf(settlement, concept=True)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=PREVIEW_ACTION,
            obj=settlement,
            summary=f"Conceptafrekening {settlement} gedownload ({settlement.get_status_display()})",
        )
    return content


def _file_name(settlement: Settlement) -> str:
    return f"afrekening-{settlement.municipality.cbs_code}-{settlement.period}.pdf"


def settlement_statement_store(*, settlement_id: int) -> SettlementStatement | None:
    """Render and store an approved settlement's statement once; returns the statement (the
    one stored before, by this call or by a worker that won a race), None if not approved."""
    settlement = Settlement.objects.select_related(
        "municipality", "submitted_by", "decided_by"
    ).get(pk=settlement_id)
    if settlement.status != Settlement.Status.APPROVED:
        return None
    existing = SettlementStatement.objects.filter(settlement_id=settlement_id).first()
    if existing is not None:
        return existing
    if settlement_fingerprint(settlement) != settlement.fingerprint:
        raise ValidationError(
            f"Settlement {settlement.pk}: the figures no longer match the approved "
            "fingerprint; no statement is made.",
            code="fingerprint_mismatch",
        )
    content = settlement_statement_pdf(settlement)
    try:
        with transaction.atomic():
            Settlement.objects.select_for_update(of=("self",)).filter(pk=settlement_id).values(
                "pk"
            ).get()
            existing = SettlementStatement.objects.filter(settlement_id=settlement_id).first()
            if existing is not None:
                return existing
            statement = SettlementStatement(
                settlement=settlement, fingerprint=settlement.fingerprint
            )
            statement.pdf.save(_file_name(settlement), ContentFile(content), save=False)
            statement.save()
    except IntegrityError:
        # Only if a writer went around the lock: the OneToOne kept the first statement.
        return SettlementStatement.objects.get(settlement_id=settlement_id)
    return statement
