"""The premium letter: one page per candidate per payout, in plain Dutch, for the municipality
to hand or send to the candidate.

Rendered on demand, not stored. Everything on it comes from rows that never change once a
run is approved: the payout line (name, IBAN, hours, amount, the payout in the year), the
run's payout date and municipality, the candidate's earlier lines of the year, and the
annual cap in force on the payout date (effective-dated: a later cap never rewrites an
earlier date). So the letter downloaded today and next year say the same; nothing needs a
file, a task or a hook in `payout_run_approve`. The letter is dated the day the run was
approved and signed with the approving coordinator's contact details; the period is that of
the work dates of the hours paid. Only the candidate's postal address is read as it stands
today: the letter goes to where the candidate lives now.

`payout_run_letters_pdf_bytes(run)` puts every letter of a run in one PDF, a letter per page,
for printing and posting at once.
"""

import dataclasses
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.text import slugify

from core.pdf import issuer, render_pdf
from members.selectors import FrameworkNotInForce, framework_in_force
from premiums.models import PayoutLine, PayoutRun, PremiumAccrual
from premiums.selectors import ZERO, payout_line_paid_in_year

TEMPLATE = "premiums/pdf/letter.html"
RUN_TEMPLATE = "premiums/pdf/letters.html"


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


def _annual_cap(run: PayoutRun) -> Decimal:
    try:
        terms = framework_in_force(municipality=run.municipality, on=run.payout_date)
    except FrameworkNotInForce as error:  # a run is only prepared on a date with a framework
        raise ValidationError(str(error), code="framework_not_in_force") from error
    return terms.annual_premium_cap


def _letter_date(run: PayoutRun):
    """The day the run was approved (letters exist only then); fixed, like the rest."""
    return timezone.localdate(run.approved_at) if run.approved_at else timezone.localdate()


def _letter(line: PayoutLine, *, annual_cap: Decimal) -> dict:
    """What one letter says about one line."""
    period = PremiumAccrual.objects.filter(payout_line=line).aggregate(
        first=Min("work_date"), last=Max("work_date")
    )
    return {
        "line": line,
        "candidate": line.candidate,
        "address_lines": line.candidate.address_lines,
        "iban_end": line.iban[-4:],
        "period_first": period["first"],
        "period_last": period["last"],
        "figures": LetterFigures(
            hours=line.hours,
            amount=line.amount,
            annual_cap=annual_cap,
            paid_in_year=payout_line_paid_in_year(line=line),
        ),
    }


def _run_context(run: PayoutRun) -> dict:
    return {
        "run": run,
        "municipality": run.municipality,
        "letter_date": _letter_date(run),
        "coordinator": run.approved_by,
        "issuer": issuer(),
    }


def payout_letter_context(line: PayoutLine) -> dict:
    run = line.run
    return {**_run_context(run), **_letter(line, annual_cap=_annual_cap(run))}


def payout_letter_pdf_bytes(line: PayoutLine) -> bytes:
    return render_pdf(template_name=TEMPLATE, context=payout_letter_context(line))


def payout_run_letters_context(run: PayoutRun) -> dict:
    annual_cap = _annual_cap(run)
    lines = run.lines.select_related("candidate").order_by("candidate_name", "pk")
    return {
        **_run_context(run),
        "letters": [_letter(line, annual_cap=annual_cap) for line in lines],
    }


def payout_run_letters_pdf_bytes(run: PayoutRun) -> bytes:
    """Every letter of the run in one PDF, one letter per page, in the order of the names."""
    return render_pdf(template_name=RUN_TEMPLATE, context=payout_run_letters_context(run))


def payout_run_letters_filename(run: PayoutRun) -> str:
    return f"premiebrieven-{run.municipality.cbs_code}-{run.payout_date:%Y-%m-%d}.pdf"


def payout_letter_filename(line: PayoutLine) -> str:
    name = slugify(line.candidate_name) or f"regel-{line.pk}"
    return f"premiebrief-{name}-{line.run.payout_date:%Y-%m-%d}.pdf"
