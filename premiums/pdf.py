"""The premium letter: one page per candidate per payout, in plain Dutch, for the municipality
to hand or send to the candidate.

Rendered on demand, not stored. Everything on it comes from rows that never change once a
run is approved: the payout line (name, IBAN, hours, amount, the payout in the year), the
run's payout date and municipality, the candidate's earlier lines of the year, and the
annual cap in force on the payout date (effective-dated: a later cap never rewrites an
earlier date). So the letter downloaded today and next year say the same; nothing needs a
file, a task or a hook in `payout_run_approve`.
"""

import dataclasses
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from core.pdf import issuer, render_pdf
from members.selectors import FrameworkNotInForce, framework_in_force
from premiums.models import PayoutLine
from premiums.selectors import ZERO, payout_line_paid_in_year

TEMPLATE = "premiums/pdf/letter.html"


@dataclasses.dataclass(frozen=True)
class LetterFigures:
    hours: Decimal
    amount: Decimal
    annual_cap: Decimal
    paid_in_year: Decimal

    @property
    def remaining(self) -> Decimal:
        """What can still be paid under the cap this year after this payout."""
        return max(self.annual_cap - self.paid_in_year, ZERO)


def payout_letter_context(line: PayoutLine) -> dict:
    run = line.run
    try:
        terms = framework_in_force(municipality=run.municipality, on=run.payout_date)
    except FrameworkNotInForce as error:  # a run is only prepared on a date with a framework
        raise ValidationError(str(error), code="framework_not_in_force") from error
    return {
        "line": line,
        "run": run,
        "municipality": run.municipality,
        "candidate": line.candidate,
        "iban_end": line.iban[-4:],
        "figures": LetterFigures(
            hours=line.hours,
            amount=line.amount,
            annual_cap=terms.annual_premium_cap,
            paid_in_year=payout_line_paid_in_year(line=line),
        ),
        "issuer": issuer(),
    }


def payout_letter_pdf_bytes(line: PayoutLine) -> bytes:
    return render_pdf(template_name=TEMPLATE, context=payout_letter_context(line))


def payout_letter_filename(line: PayoutLine) -> str:
    name = slugify(line.candidate_name) or f"regel-{line.pk}"
    return f"premiebrief-{name}-{line.run.payout_date:%Y-%m-%d}.pdf"
