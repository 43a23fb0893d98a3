"""Print the current TOTP code of a demo account (demo accounts only, DEBUG only)."""

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import DEMO_USERS, demo_totp_secret


class Command(BaseCommand):
    help = "Prints the current two-factor code of a demo account (only with DEBUG on)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        if not settings.DEBUG:
            raise CommandError("Only for the demo: run with DEBUG=1.")
        if email not in {row[0] for row in DEMO_USERS}:
            raise CommandError(f"{email} is not a demo account.")
        period = mfa_settings.TOTP_PERIOD
        now = int(time.time())
        code = format_hotp_value(hotp_value(demo_totp_secret(email), now // period))
        seconds_left = period - now % period
        self.stdout.write(f"{code}  (valid for {seconds_left} more seconds)")
