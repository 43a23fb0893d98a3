"""`manage.py show_settlement --municipality GM0014 --period 2026-H1 [--json]`: the stored
figures of one settlement, for audits and scripts (amounts as strings, never floats)."""

import json

from django.core.management.base import BaseCommand, CommandError

from members.models import Municipality
from settlements.models import Period, Settlement
from settlements.services import settlement_fingerprint


def _period(value: str) -> Period:
    try:
        return Period.parse(value)
    except ValueError as error:
        raise CommandError(f"--period: {error}") from None


def _text(value) -> str | None:
    return None if value is None else str(value)


def _when(value) -> str | None:
    return value.isoformat() if value else None


def settlement_as_dict(settlement: Settlement) -> dict:
    """The stored figures; `fingerprint_matches` recomputes the hash of an approved one."""
    fingerprint = settlement.fingerprint or None
    lines = list(settlement.lines.order_by("kind", "month", "client_name", "pk"))
    return {
        "municipality": settlement.municipality.cbs_code,
        "municipality_name": settlement.municipality.name,
        "period": str(settlement.period),
        "status": settlement.status,
        "hours": str(settlement.hours),
        "G": str(settlement.gross),
        "P": str(settlement.premiums),
        "F": str(settlement.fee),
        "Cm": str(settlement.contribution_municipality),
        "Co": str(settlement.contribution_operator),
        "result": str(settlement.result),
        "operator_receives": str(settlement.operator_receives),
        "nvsi_receives": str(settlement.nvsi_receives),
        "fee_percentage": str(settlement.fee_percentage),
        "contribution_municipality_percentage": str(
            settlement.contribution_municipality_percentage
        ),
        "contribution_operator_percentage": str(settlement.contribution_operator_percentage),
        "terms_date": settlement.terms_date.isoformat(),
        "invoice_lines": settlement.invoice_line_count,
        "credit_note_lines": settlement.credit_line_count,
        "computed_at": _when(settlement.computed_at),
        "run": settlement.run_id,
        "submitted_by": _text(settlement.submitted_by),
        "submitted_at": _when(settlement.submitted_at),
        "decided_by": _text(settlement.decided_by),
        "decided_at": _when(settlement.decided_at),
        "rejection_reason": settlement.rejection_reason or None,
        "fingerprint": fingerprint,
        "fingerprint_matches": (
            None if fingerprint is None else settlement_fingerprint(settlement) == fingerprint
        ),
        "by_month": [
            {
                "month": f"{line.month:%Y-%m}",
                "hours": str(line.hours),
                "G": str(line.gross),
                "P": str(line.premiums),
            }
            for line in lines
            if line.kind == line.Kind.MONTH
        ],
        "by_client": [
            {
                "client": line.client_name,
                "client_id": line.client_id,
                "hours": str(line.hours),
                "G": str(line.gross),
                "P": str(line.premiums),
            }
            for line in lines
            if line.kind == line.Kind.CLIENT
        ],
    }


ROWS = [
    ("Municipality", lambda d: f"{d['municipality_name']} ({d['municipality']})"),
    ("Half-year", lambda d: d["period"]),
    ("Status", lambda d: d["status"]),
    ("Hours", lambda d: d["hours"]),
    ("G  gross revenue", lambda d: d["G"]),
    ("P  premiums", lambda d: d["P"]),
    ("F  operator fee", lambda d: f"{d['F']}  ({d['fee_percentage']}%)"),
    (
        "Cm contribution, municipality",
        lambda d: f"{d['Cm']}  ({d['contribution_municipality_percentage']}%)",
    ),
    (
        "Co contribution, operator",
        lambda d: f"{d['Co']}  ({d['contribution_operator_percentage']}%)",
    ),
    ("Result for the municipality", lambda d: d["result"]),
    ("Operator receives (F - Co)", lambda d: d["operator_receives"]),
    ("NVSI receives (Cm + Co)", lambda d: d["nvsi_receives"]),
    ("Computed at", lambda d: d["computed_at"]),
    ("Fingerprint", lambda d: d["fingerprint"] or "-"),
]


class Command(BaseCommand):
    help = "Print the stored figures of one municipality's settlement of a half-year."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="CBS code, e.g. GM0014")
        parser.add_argument("--period", required=True, help="e.g. 2026-H1")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="JSON, amounts as strings"
        )

    def handle(self, *args, municipality: str, period: str, as_json: bool, **options):
        period = _period(period)
        code = municipality.strip().upper()
        if not Municipality.objects.filter(cbs_code=code).exists():
            raise CommandError(f"No municipality with CBS code {municipality!r}.")
        settlement = (
            Settlement.objects.select_related("municipality", "submitted_by", "decided_by")
            .filter(municipality__cbs_code=code, year=period.year, half=period.half)
            .first()
        )
        if settlement is None:
            raise CommandError(f"There is no settlement of {code} for {period}.")
        data = settlement_as_dict(settlement)
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        width = max(len(label) for label, _value in ROWS)
        for label, value in ROWS:
            self.stdout.write(f"{label:<{width}}  {value(data)}")
        if data["by_month"]:
            self.stdout.write("\nBy month            hours          G          P")
            for row in data["by_month"]:
                self.stdout.write(
                    f"  {row['month']:<14}{row['hours']:>9}{row['G']:>11}{row['P']:>11}"
                )
        if data["by_client"]:
            self.stdout.write("\nBy client")
            for row in data["by_client"]:
                self.stdout.write(
                    f"  {row['client'][:40]:<40}{row['hours']:>9}{row['G']:>11}{row['P']:>11}"
                )
