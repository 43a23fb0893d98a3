"""CI: a real Celery worker settles a whole half-year through the broker.

`manage.py settlement_smoke [--timeout 120]` writes a small, fixed data set for the
half-year 2000-H1 (idempotently: found by its natural keys the next time), starts the
settlement run of that half-year through `settlement_run_start` (so the run's task and a
task per municipality go through the broker to the workers), waits for the run to finish
and checks each settlement against figures worked out here independently.

The smoke data lives in the year 2000, which no real document uses, and cannot leak into a
real run: three municipalities GM0991-GM0993 ("Smoke-test ...") whose memberships began on
1 January 2000 and ended on 31 December 2000, one client, a general framework version and a
premium cap in force from 1 January 2000 (superseded by every real version), one candidate
and one issued invoice (PDF not rendered) per municipality. Meant for the CI database; the
settlements it makes stay drafts.
"""

import datetime
import time
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from billing.models import Invoice
from billing.services import invoice_draft_create, invoice_finalise
from billing.services.invoices import pdf_rendering_deferred
from members.models import Framework, LabourMarketRegion, Membership, Municipality, PremiumCap
from placements.models import Assignment, Candidate, Client, TimeEntry
from placements.services import time_entries_approve
from settlements.models import Period, Settlement, SettlementRun, SettlementRunItem
from settlements.services.runs import settlement_run_start

PERIOD = Period(2000, 1)
MONTH = datetime.date(2000, 2, 1)
MONTH_END = datetime.date(2000, 2, 29)
INVOICE_DATE = datetime.date(2000, 3, 2)
CENT = Decimal("0.01")
FEE = Decimal("30.00")
CONTRIBUTION_HALF = Decimal("1.00")
PREMIUM_PER_HOUR = Decimal("2.00")
# code, name, hours on consecutive days, hourly rate (half cents on purpose)
SMOKE = [
    ("GM0991", "Smoke-test Noord", ("8.00", "4.50"), "17.35"),
    ("GM0992", "Smoke-test Midden", ("7.25",), "16.01"),
    ("GM0993", "Smoke-test Zuid", ("3.00", "3.00", "2.75"), "21.11"),
]


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def expected_figures(hours: tuple[str, ...], rate: str) -> dict[str, Decimal]:
    """G, P, F, Cm, Co and the result of one smoke municipality, worked out by hand: one
    invoice line (all hours x rate), the premium per approved day."""
    total_hours = sum((Decimal(h) for h in hours), Decimal("0"))
    gross = _round(total_hours * Decimal(rate))
    premiums = sum((_round(Decimal(h) * PREMIUM_PER_HOUR) for h in hours), Decimal("0"))
    fee = _round(gross * FEE / 100)
    half = _round(gross * CONTRIBUTION_HALF / 100)
    return {
        "hours": total_hours,
        "gross": gross,
        "premiums": premiums,
        "fee": fee,
        "contribution_municipality": half,
        "contribution_operator": half,
        "result": gross - premiums - fee - half,
    }


def _smoke_terms() -> None:
    start = PERIOD.start
    PremiumCap.objects.get_or_create(valid_from=start, defaults={"amount": Decimal("2500.00")})
    if not Framework.objects.filter(scope=Framework.Scope.GENERAL, valid_from=start).exists():
        Framework.objects.create(
            scope=Framework.Scope.GENERAL,
            valid_from=start,
            client_hourly_rate_min=Decimal("10.00"),
            premium_per_hour=PREMIUM_PER_HOUR,
            payout_moments=["06-30", "12-31"],
            operator_fee_percentage=FEE,
            contribution_percentage=CONTRIBUTION_HALF * 2,
            contribution_operator_percentage=CONTRIBUTION_HALF,
            vat_percentage=Decimal("21.00"),
            long_after_weeks=26,
            large_hours_per_week=Decimal("32.00"),
            large_concurrent_candidates=10,
            decision_reference="settlement_smoke (CI only)",
        )


def _smoke_client() -> Client:
    client, _created = Client.objects.get_or_create(
        kvk_number="99999991",
        defaults={
            "name": "Smoke-test opdrachtgever B.V.",
            "billing_address": "Smoke 1\n0000 AA Nergens",
            "billing_email": "smoke@example.invalid",
            "contact_person": "CI",
            "framework_agreement_date": datetime.date(1999, 12, 1),
        },
    )
    return client


def _smoke_municipality(region, code: str, name: str) -> Municipality:
    municipality, _created = Municipality.objects.get_or_create(
        cbs_code=code, defaults={"name": name, "region": region}
    )
    Membership.objects.get_or_create(
        municipality=municipality,
        start_date=PERIOD.start,
        defaults={"status": Membership.Status.ENDED, "end_date": datetime.date(2000, 12, 31)},
    )
    return municipality


def _smoke_invoice(municipality: Municipality, client: Client, hours, rate: str) -> None:
    """One candidate with approved February hours, invoiced and issued: once."""
    if Invoice.objects.filter(
        client=client, status=Invoice.Status.ISSUED, lines__municipality=municipality
    ).exists():
        return
    candidate, _created = Candidate.objects.get_or_create(
        municipality=municipality,
        client_number=f"SMOKE-{municipality.cbs_code}",
        defaults={
            "first_name": "Smoke",
            "last_name": municipality.name,
            "birth_date": datetime.date(1970, 1, 1),
            "status": Candidate.Status.ACTIVE,
        },
    )
    assignment, _created = Assignment.objects.get_or_create(
        candidate=candidate,
        client=client,
        start_date=MONTH,
        defaults={
            "end_date": MONTH_END,
            "hours_per_week": Decimal("20.00"),
            "work_description": "Smoke test",
            "hourly_rate": Decimal(rate),
            "status": Assignment.Status.ACTIVE,
            "decided_at": timezone.now(),
        },
    )
    entries = [
        TimeEntry.objects.get_or_create(
            assignment=assignment,
            work_date=MONTH + datetime.timedelta(days=day),
            defaults={"hours": Decimal(h), "status": TimeEntry.Status.ENTERED},
        )[0]
        for day, h in enumerate(hours)
    ]
    time_entries_approve(entries=entries, actor=None)
    invoice = invoice_draft_create(client=client, month=MONTH, actor=None)
    if invoice is not None:
        invoice_finalise(invoice=invoice, actor=None, invoice_date=INVOICE_DATE)


def smoke_data() -> list[tuple[Municipality, dict]]:
    """The smoke data set, made once; each municipality with its expected figures."""
    with pdf_rendering_deferred(), transaction.atomic():
        _smoke_terms()
        region, _created = LabourMarketRegion.objects.get_or_create(name="Smoke-test regio")
        client = _smoke_client()
        result = []
        for code, name, hours, rate in SMOKE:
            municipality = _smoke_municipality(region, code, name)
            _smoke_invoice(municipality, client, hours, rate)
            result.append((municipality, expected_figures(hours, rate)))
    return result


class Command(BaseCommand):
    help = (
        "CI: a real Celery worker settles the half-year 2000-H1 of three smoke-test "
        "municipalities through the broker; the figures are checked to the cent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=120.0)

    def handle(self, *args, timeout: float, **options):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("No broker configured: set REDIS_URL or CELERY_BROKER_URL.")
        expected = smoke_data()
        started = time.monotonic()
        run = settlement_run_start(period=PERIOD, actor=None)  # queued on commit
        self.stdout.write(f"Run {run.pk} of {PERIOD} queued: {run.total} municipalities.")
        deadline = started + timeout
        while True:
            run.refresh_from_db()
            if run.status != SettlementRun.Status.RUNNING:
                break
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Run {run.pk} not finished within {timeout:.0f} s: "
                    f"{run.done} of {run.total} done. Is a worker running?"
                )
            time.sleep(0.25)
        if run.status != SettlementRun.Status.DONE:
            raise CommandError(f"Run {run.pk} failed:\n{run.error}")
        problems = self._check(run, expected)
        if problems:
            raise CommandError("Settlement smoke check failed:\n" + "\n".join(problems))
        self.stdout.write(
            f"Run {run.pk} done by the workers in {time.monotonic() - started:.1f} s: "
            f"{run.done} of {run.total} municipalities, figures as expected."
        )

    def _check(self, run: SettlementRun, expected) -> list[str]:
        problems = []
        if run.total != len(SMOKE) or run.done != run.total:
            problems.append(f"run counted {run.done} of {run.total}, expected {len(SMOKE)}")
        statuses = set(run.items.values_list("status", flat=True))
        if statuses != {SettlementRunItem.Status.COMPUTED}:
            problems.append(f"run items {sorted(statuses)}, expected all computed")
        for municipality, figures in expected:
            settlements = list(
                Settlement.objects.filter(
                    municipality=municipality, year=PERIOD.year, half=PERIOD.half
                )
            )
            if len(settlements) != 1:
                problems.append(f"{municipality.cbs_code}: {len(settlements)} settlements")
                continue
            settlement = settlements[0]
            if settlement.run_id != run.pk:
                problems.append(f"{municipality.cbs_code}: not computed by run {run.pk}")
            for field, value in figures.items():
                if getattr(settlement, field) != value:
                    problems.append(
                        f"{municipality.cbs_code}: {field} {getattr(settlement, field)}, "
                        f"expected {value}"
                    )
            self.stdout.write(
                f"{municipality.cbs_code}: G {settlement.gross} P {settlement.premiums} "
                f"F {settlement.fee} Cm {settlement.contribution_municipality} "
                f"Co {settlement.contribution_operator} result {settlement.result}"
            )
        return problems
