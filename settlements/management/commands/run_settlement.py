"""`manage.py run_settlement --period 2026-H1 [--municipality GM0014] [--queue]`: compute the
half-year's settlements (drafts; submitted and approved ones are left as they are)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from members.models import Municipality
from settlements.models import Period, SettlementRun, SettlementRunItem
from settlements.services.runs import settlement_run_period, settlement_run_start


def _period(value: str) -> Period:
    try:
        return Period.parse(value)
    except ValueError as error:
        raise CommandError(f"--period: {error}") from None


class Command(BaseCommand):
    help = (
        "Compute the settlements of a half-year for every member municipality (or one), one "
        "transaction per municipality, in this process; --queue hands the run to the workers. "
        "Drafts and rejected settlements are recomputed; submitted and approved ones are left "
        "as they are. Exits 1 if a municipality failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="e.g. 2026-H1")
        parser.add_argument("--municipality", default="", help="CBS code, e.g. GM0014")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the run for the Celery workers and return (progress in the admin).",
        )

    def handle(self, *args, period: str, municipality: str, queue: bool, **options):
        period = _period(period)
        town = None
        if municipality:
            town = Municipality.objects.filter(cbs_code=municipality.strip().upper()).first()
            if town is None:
                raise CommandError(f"No municipality with CBS code {municipality!r}.")
        try:
            if queue:
                run = settlement_run_start(period=period, actor=None, municipality=town)
                self.stdout.write(f"Run {run.pk} of {period} queued: {run.total} municipalities.")
                return
            run = settlement_run_period(
                period=period, actor=None, municipality=town, progress=self._progress
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Run {run.pk} of {period}: {run.status}, "
            f"{run.done} of {run.total} municipalities done "
            f"({run.skipped} submitted or approved, left as they were)."
        )
        if run.status != SettlementRun.Status.DONE:
            raise CommandError(f"Run {run.pk} failed:\n{run.error}")

    def _progress(self, run: SettlementRun, item: SettlementRunItem, handled: int) -> None:
        line = (
            f"{handled}/{run.total} {item.municipality.cbs_code} {item.municipality.name}: "
            f"{item.status}"
        )
        if item.status == SettlementRunItem.Status.FAILED:
            self.stderr.write(f"{line}: {item.error}")
        else:
            self.stdout.write(line)
