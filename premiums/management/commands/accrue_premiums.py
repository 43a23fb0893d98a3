"""`manage.py accrue_premiums`: accrue every approved or invoiced time entry without a premium
accrual (hours bulk-inserted by the demo, or approved before the premiums app existed).

Per candidate in work-date order, a batch of candidates per transaction with their rows
locked as an approval locks them. Safe to run again: an entry with an accrual is skipped.
"""

from django.core.management.base import BaseCommand

from premiums.services import premium_accruals_catch_up


class Command(BaseCommand):
    help = "Accrues the premium of every approved time entry that has none yet."

    def handle(self, *args, **options):
        written = premium_accruals_catch_up(actor=None)
        self.stdout.write(f"{written} premium accruals written.")
