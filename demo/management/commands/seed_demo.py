"""Load the demo data (idempotent): `manage.py seed_demo`. One module of `demo` per app."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from core.db import statistics_refresh
from demo.accounts import DEMO_BACK_OFFICE_EMAIL, DEMO_PASSWORD, seed_users
from demo.billing import queue_pdfs_on_commit, seed_billing
from demo.catalogue import seed_catalogue
from demo.governance import seed_governance
from demo.members import seed_members
from demo.placements import seed_placements
from demo.placements_data import EXTRA_COORDINATORS
from demo.premiums import seed_premiums
from demo.settlements import seed_settlements
from notifications.receivers import notifications_muted


def demo_day():
    """The day the demo is built around: the day it was first loaded into this database (the
    demo back-office account's sign-up), else today. The demo's dates are drawn relative to
    it, so loading it again on a later day finds the same rows instead of new ones."""
    from accounts.models import User

    joined = (
        User.objects.filter(email=DEMO_BACK_OFFICE_EMAIL)
        .values_list("date_joined", flat=True)
        .first()
    )
    return timezone.localdate(joined) if joined else timezone.localdate()


class Command(BaseCommand):
    help = (
        "Loads the demo data: regions, municipalities, frameworks, contracts, one user per role, "
        "NVSI's product catalogue with one pending request, "
        "proposals on the general framework (one decided, one open for voting, one advised), "
        "candidates, clients, assignments, a year of hours and a year of invoices with their "
        "payments, a year of premiums with a paid and a prepared payout run, and the "
        "half-yearly settlements (two half-years approved, one waiting for the treasurer, the "
        "running one provisional)."
    )

    def handle(self, *args, **options):
        # Months of history at once: nobody is mailed about it (notifications.receivers).
        with notifications_muted():
            self._seed()

    def _seed(self):
        today = demo_day()
        # Each part bulk-loads rows the next part queries: the planner's statistics are
        # refreshed after each (core.db), so it plans with the tables' real sizes.
        with transaction.atomic():
            municipalities = seed_members(today=today)
            accounts = seed_users(municipalities=municipalities)
            catalogue = seed_catalogue(municipalities=municipalities)
            # The board members and representatives come from seed_users.
            governance = seed_governance(today=today)
            counts = seed_placements(today=today, municipalities=municipalities)
            statistics_refresh()
        with transaction.atomic():
            billing, pdf_invoices, pdf_notes = seed_billing(today=today)
            # The most recent month's PDFs and the credit note's, rendered once this commits
            # (in this process without a broker); the rest: render_missing_pdfs.
            queue_pdfs_on_commit(invoice_ids=pdf_invoices, credit_note_ids=pdf_notes)
            statistics_refresh()
        with transaction.atomic():
            premiums = seed_premiums(today=today)
            statistics_refresh()
        with transaction.atomic():
            # Approvals queue their statements and payment instructions on commit.
            settlements = seed_settlements(today=today)
            statistics_refresh()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded (dated around {today:%d-%m-%Y})."))
        self.stdout.write(", ".join(f"{count} {name}" for name, count in counts.items()) + ".")
        self.stdout.write(
            "Catalogue: " + ", ".join(f"{count} {name}" for name, count in catalogue.items()) + "."
        )
        self.stdout.write(
            "Governance: "
            + ", ".join(f"{count} {name}" for name, count in governance.items())
            + "."
        )
        self.stdout.write(
            "Billing: " + ", ".join(f"{count} {name}" for name, count in billing.items()) + "."
        )
        self.stdout.write(
            "Premiums: " + ", ".join(f"{count} {name}" for name, count in premiums.items()) + "."
        )
        self.stdout.write(
            "Settlements: "
            + ", ".join(f"{count} {name}" for name, count in settlements.items())
            + "."
        )
        if pdf_invoices or pdf_notes:
            self.stdout.write(
                f"PDFs of {len(pdf_invoices)} recent invoices and {len(pdf_notes)} credit notes "
                "rendered; the older ones: `python manage.py render_missing_pdfs` (in parallel "
                "on the workers when CELERY_BROKER_URL is set)."
            )
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for role, email in accounts:
            self.stdout.write(f"  {role:<18} {email}")
        for email, _first, _last, codes in EXTRA_COORDINATORS:
            self.stdout.write(f"  {Role.COORDINATOR.label:<18} {email} ({', '.join(codes)})")
        self.stdout.write(
            "Back office, treasurer and NVSI board use two-factor authentication: "
            "`make totp EMAIL=treasurer@demo.nvsi.nl` prints the current code."
        )
