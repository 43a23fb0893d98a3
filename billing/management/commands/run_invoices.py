"""`manage.py run_invoices --month 2026-05 [--date 2026-06-02]`: the monthly invoice run,
in this process (the admin queues the same run for a worker)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.services import invoice_run_month


def _month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"--month takes YYYY-MM, not {value!r}.") from None


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date takes YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Invoice every client with approved, not yet invoiced hours in the month: one issued "
        "invoice each. Running it again invoices only what is left."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, type=_month, help="YYYY-MM")
        parser.add_argument(
            "--date", type=_date, default=None, help="Invoice date, YYYY-MM-DD (default today)"
        )

    def handle(self, *args, month, date, **options):
        invoice_date = date or timezone.localdate()
        try:
            run = invoice_run_month(month=month, invoice_date=invoice_date, actor=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"{run}: {run.get_status_display()}, "
            f"{run.clients_done} of {run.clients_total} clients invoiced."
        )
