"""Load the demo data (idempotent): `manage.py seed_demo`. Each app adds its own part."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, seed_users
from members.demo import seed_members


class Command(BaseCommand):
    help = "Loads the demo data: regions, municipalities, frameworks, contracts, one user per role."

    def handle(self, *args, **options):
        today = timezone.localdate()
        with transaction.atomic():
            municipalities = seed_members(today=today)
            accounts = seed_users(municipalities=municipalities)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for role, email in accounts:
            self.stdout.write(f"  {role:<14} {email}")
        self.stdout.write(
            "Back office and treasurer use two-factor authentication: "
            "`make totp EMAIL=treasurer@demo.nvsi.nl` prints the current code."
        )
