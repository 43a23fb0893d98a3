"""`manage.py approve_hours`: the month's entered hours approved through `time_entries_approve`
(premium accrued, audit per assignment), narrowed to a municipality and a client, and exit 1
with the reason when nothing matched or an option names nothing known."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from accounts.roles import Role
from core.models import AuditEvent
from placements.models import TimeEntry
from premiums.models import PremiumAccrual
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    ClientFactory,
    PlacementsUserFactory,
    TimeEntryFactory,
)

MARCH_3 = datetime.date(2026, 3, 3)
MARCH_31 = datetime.date(2026, 3, 31)
APRIL_1 = datetime.date(2026, 4, 1)


@pytest.fixture
def scene(town, other_town, framework):
    """Groningen: Anna at Groen (two March days, one April day, one March day approved
    already) and at Bouw (one March day); Bram at Groen (one March day). Assen: Cor at Groen
    (one March day)."""
    groen = ClientFactory(kvk_number="12345678", name="Groen B.V.")
    bouw = ClientFactory(kvk_number="23456789", name="Bouw B.V.")
    anna = CandidateFactory(municipality=town)
    bram = CandidateFactory(municipality=town)
    cor = CandidateFactory(municipality=other_town)
    anna_groen = AssignmentFactory(candidate=anna, client=groen, active=True)
    anna_bouw = AssignmentFactory(candidate=anna, client=bouw, active=True)
    bram_groen = AssignmentFactory(candidate=bram, client=groen, active=True)
    cor_groen = AssignmentFactory(candidate=cor, client=groen, active=True)

    def entry(assignment, day, hours, **kwargs):
        return TimeEntryFactory(
            assignment=assignment, work_date=day, hours=Decimal(hours), **kwargs
        )

    return {
        "groen": groen,
        "bouw": bouw,
        "entries": {
            "anna_groen_3": entry(anna_groen, MARCH_3, "8.00"),
            "anna_groen_31": entry(anna_groen, MARCH_31, "4.50"),
            "anna_groen_april": entry(anna_groen, APRIL_1, "8.00"),
            "anna_groen_approved": entry(
                anna_groen,
                datetime.date(2026, 3, 4),
                "6.00",
                status=TimeEntry.Status.APPROVED,
                approved_at=datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC),
            ),
            "anna_bouw": entry(anna_bouw, datetime.date(2026, 3, 5), "7.25"),
            "bram_groen": entry(bram_groen, datetime.date(2026, 3, 6), "6.00"),
            "cor_groen": entry(cor_groen, datetime.date(2026, 3, 9), "5.00"),
        },
    }


def _approve(*options, actor) -> str:
    out = io.StringIO()
    call_command("approve_hours", *options, "--actor", actor.email, stdout=out)
    return out.getvalue()


def _approved(scene) -> set[str]:
    return {
        name
        for name, entry in scene["entries"].items()
        if TimeEntry.objects.get(pk=entry.pk).status == TimeEntry.Status.APPROVED
    }


def test_the_whole_month_approved_with_counts_premium_and_audit(scene, back_office_user):
    out = _approve("--month", "2026-03", actor=back_office_user)
    assert out == (
        "5 time entries approved (worked in 03-2026): 30.75 hours, 4 assignments, 3 candidates.\n"
    )
    assert _approved(scene) == {
        "anna_groen_3",
        "anna_groen_31",
        "anna_groen_approved",
        "anna_bouw",
        "bram_groen",
        "cor_groen",
    }
    approved = TimeEntry.objects.filter(approved_by=back_office_user)
    assert approved.count() == 5
    # The premium accrued through the service: 2.00 an hour.
    accrued = PremiumAccrual.objects.filter(time_entry__in=approved)
    assert accrued.count() == 5
    assert accrued.aggregate(total=Sum("amount"))["total"] == Decimal("61.50")
    assert not PremiumAccrual.objects.filter(
        time_entry=scene["entries"]["anna_groen_approved"]
    ).exists()  # approved before, not by this command: left as it was
    audits = AuditEvent.objects.filter(action="time_entry.approve")
    assert audits.count() == 4  # one per assignment
    assert {event.actor for event in audits} == {back_office_user}


def test_one_municipality(scene, back_office_user):
    out = _approve("--month", "2026-03", "--municipality", "gm0014", actor=back_office_user)
    assert out == (
        "4 time entries approved (worked in 03-2026, by candidates of GM0014 Groningen): "
        "25.75 hours, 3 assignments, 2 candidates.\n"
    )
    assert "cor_groen" not in _approved(scene)


def test_one_municipality_at_one_client(scene, back_office_user):
    out = _approve(
        "--month",
        "2026-03",
        "--municipality",
        "GM0014",
        "--client",
        "1234 5678",
        actor=back_office_user,
    )
    assert out == (
        "3 time entries approved (worked in 03-2026, by candidates of GM0014 Groningen, at "
        "12345678 Groen B.V.): 18.50 hours, 2 assignments, 2 candidates.\n"
    )
    assert _approved(scene) == {
        "anna_groen_3",
        "anna_groen_31",
        "anna_groen_approved",
        "bram_groen",
    }


def test_a_superuser_may_approve(scene):
    admin = PlacementsUserFactory(is_staff=True, is_superuser=True)
    assert _approve("--month", "2026-04", actor=admin).startswith("1 time entries approved")


def test_nothing_matched_exits_1_and_writes_nothing(scene, back_office_user):
    with pytest.raises(CommandError) as error:
        _approve("--month", "2026-05", actor=back_office_user)
    assert error.value.returncode == 1
    assert str(error.value) == "No entered hours worked in 05-2026: nothing approved."
    _approve("--month", "2026-03", "--client", "23456789", actor=back_office_user)
    with pytest.raises(CommandError) as again:  # the second time: all approved already
        _approve("--month", "2026-03", "--client", "23456789", actor=back_office_user)
    assert str(again.value) == (
        "No entered hours worked in 03-2026, at 23456789 Bouw B.V.: nothing approved "
        "(1 time entries are approved or invoiced already)."
    )
    assert AuditEvent.objects.filter(action="time_entry.approve").count() == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--month", "03-2026"], "--month takes YYYY-MM, not '03-2026'."),
        (["--month", "2026-13"], "--month takes YYYY-MM, not '2026-13'."),
        (
            ["--month", "2026-03", "--municipality", "GM9999"],
            "--municipality GM9999: no municipality with this CBS code.",
        ),
        (
            ["--month", "2026-03", "--client", "99999999"],
            "--client 99999999: no client with this KvK number.",
        ),
        (
            ["--month", "2026-03", "--client", "1234"],
            "--client 1234: a KvK number has exactly eight digits.",
        ),
    ],
)
def test_unknown_month_municipality_or_client_exits_1(scene, back_office_user, options, message):
    with pytest.raises(CommandError) as error:
        _approve(*options, actor=back_office_user)
    assert str(error.value).endswith(message)
    assert not TimeEntry.objects.filter(approved_by=back_office_user).exists()


@pytest.mark.parametrize("who", ["unknown", "coordinator", "treasurer", "staff_only", "inactive"])
def test_only_the_back_office_or_a_superuser_approves(scene, town, who):
    email = "nobody@example.nl"
    if who != "unknown":
        user = {
            "coordinator": lambda: PlacementsUserFactory(
                role=Role.COORDINATOR, municipalities=[town]
            ),
            "treasurer": lambda: PlacementsUserFactory(role=Role.TREASURER),
            "staff_only": lambda: PlacementsUserFactory(is_staff=True),
            "inactive": lambda: PlacementsUserFactory(
                role=Role.BACK_OFFICE, is_staff=True, is_active=False
            ),
        }[who]()
        email = user.email
    with pytest.raises(CommandError) as error:
        call_command("approve_hours", "--month", "2026-03", "--actor", email)
    expected = (
        "no user with this e-mail address."
        if who == "unknown"
        else "only an active back-office user or a superuser approves hours."
    )
    assert str(error.value) == f"--actor {email}: {expected}"
    assert not TimeEntry.objects.filter(approved_by__isnull=False).exists()


def test_the_actor_is_required(scene):
    with pytest.raises(CommandError, match="--actor"):
        call_command("approve_hours", "--month", "2026-03")
