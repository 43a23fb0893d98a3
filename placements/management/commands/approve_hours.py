"""`manage.py approve_hours --month YYYY-MM [--municipality GM0014] [--client KVK] --actor EMAIL`

Approves the entered hours worked in the month (of the candidates of one municipality, at one
client, when given) through `time_entries_approve`, the admin's bulk approval, so their
premium accrues and the audit trail names the actor. For back offices that script their
month end. Prints what was approved; exit code 1 with the reason when nothing matched, or
when the month, municipality, client or actor is unknown (the actor must be back office or
a superuser).
"""

import calendar
import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Sum

from accounts.roles import is_back_office
from members.models import Municipality
from placements.models import Client, TimeEntry
from placements.selectors import time_entry_list_for_user
from placements.services import time_entries_approve
from placements.validators import kvk_normalise


def _month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value.strip(), "%Y-%m").date()
    except ValueError:
        raise CommandError(f"--month takes YYYY-MM, not {value!r}.") from None


def _actor(email: str):
    user = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"--actor {email}: no user with this e-mail address.")
    if not user.is_active or not (user.is_superuser or is_back_office(user)):
        raise CommandError(
            f"--actor {email}: only an active back-office user or a superuser approves hours."
        )
    return user


def _municipality(code: str) -> Municipality:
    municipality = Municipality.objects.filter(cbs_code=code.strip().upper()).first()
    if municipality is None:
        raise CommandError(f"--municipality {code}: no municipality with this CBS code.")
    return municipality


def _client(kvk: str) -> Client:
    try:
        number = kvk_normalise(kvk)
    except ValidationError:
        raise CommandError(f"--client {kvk}: a KvK number has exactly eight digits.") from None
    client = Client.objects.filter(kvk_number=number).first()
    if client is None:
        raise CommandError(f"--client {kvk}: no client with this KvK number.")
    return client


class Command(BaseCommand):
    help = (
        "Approve the entered hours worked in a month (of one municipality's candidates, at "
        "one client), as the admin's bulk approval does: their premium accrues."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, type=_month, help="YYYY-MM")
        parser.add_argument(
            "--municipality", metavar="CBS_CODE", help="Only candidates of this municipality."
        )
        parser.add_argument("--client", metavar="KVK", help="Only hours at this client.")
        parser.add_argument(
            "--actor",
            required=True,
            metavar="EMAIL",
            help="The back-office user (or superuser) who approves; the audit trail names them.",
        )

    def handle(self, *args, month, municipality, client, actor, **options):
        user = _actor(actor)
        last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        hours = time_entry_list_for_user(user=user).filter(work_date__range=(month, last))
        parts = [f"worked in {month:%m-%Y}"]
        if municipality:
            found = _municipality(municipality)
            hours = hours.filter(assignment__candidate__municipality=found)
            parts.append(f"by candidates of {found.cbs_code} {found.name}")
        if client:
            found = _client(client)
            hours = hours.filter(assignment__client=found)
            parts.append(f"at {found.kvk_number} {found.name}")
        scope = ", ".join(parts)

        with transaction.atomic():
            pks = list(
                hours.filter(status=TimeEntry.Status.ENTERED)
                .order_by()
                .values_list("pk", flat=True)
            )
            try:
                count = (
                    time_entries_approve(entries=TimeEntry.objects.filter(pk__in=pks), actor=user)
                    if pks
                    else 0
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            if not count:
                done = hours.exclude(status=TimeEntry.Status.ENTERED).count()
                raise CommandError(
                    f"No entered hours {scope}: nothing approved"
                    + (f" ({done} time entries are approved or invoiced already)." if done else ".")
                )
            totals = TimeEntry.objects.filter(
                pk__in=pks, status=TimeEntry.Status.APPROVED, approved_by=user
            ).aggregate(
                hours=Sum("hours"),
                assignments=Count("assignment", distinct=True),
                candidates=Count("assignment__candidate", distinct=True),
            )
        self.stdout.write(
            f"{count} time entries approved ({scope}): {totals['hours']} hours, "
            f"{totals['assignments']} assignments, {totals['candidates']} candidates."
        )
