"""Load the demo data (idempotent): `manage.py seed_demo`. Each app adds its own part."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, seed_users
from accounts.roles import Role
from members.demo import seed_members
from placements.demo import EXTRA_COORDINATORS, seed_placements


class Command(BaseCommand):
    help = (
        "Loads the demo data: regions, municipalities, frameworks, contracts, one user per role, "
        "candidates, clients, assignments and a year of hours."
    )

    def handle(self, *args, **options):
        today = timezone.localdate()
        with transaction.atomic():
            municipalities = seed_members(today=today)
            accounts = seed_users(municipalities=municipalities)
            counts = seed_placements(today=today, municipalities=municipalities)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(", ".join(f"{count} {name}" for name, count in counts.items()) + ".")
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for role, email in accounts:
            self.stdout.write(f"  {role:<14} {email}")
        for email, _first, _last, codes in EXTRA_COORDINATORS:
            self.stdout.write(f"  {Role.COORDINATOR.label:<14} {email} ({', '.join(codes)})")
        self.stdout.write(
            "Back office and treasurer use two-factor authentication: "
            "`make totp EMAIL=treasurer@demo.nvsi.nl` prints the current code."
        )
