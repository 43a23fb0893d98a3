"""Shared fixtures for the settlement tests.

The world: the general framework of 2025-2026 (fee 30%, contribution 1% + 1%, premium 2.00
an hour), and four municipalities with memberships:

- `town` (GM0014 Groningen, the root `municipality`) and `other_town` (GM0106 Assen, the
  root `other_municipality`): active members since 1 January 2025, with a settlement IBAN;
- `prospective_town` (GM0034 Almere): a prospective member, never settled by a run;
- `former_town` (GM0074 Heerenveen): a member from 1 January to 31 December 2025 (ended),
  so it is in the runs of 2025 and not in those of 2026.

Documents are made through the services, as in use: `issue_invoice(municipality=town)` is
a candidate of that municipality with approved March 2026 hours (premium accrued on
approval), invoiced and issued on 2 April 2026 (so it belongs to 2026-H1);
`credit_invoice(invoice, credit_date=...)` credits it. PDFs are not rendered here.

Users: `back_office_user`/`other_back_office_user` (staff, second factor enrolled),
`treasurer_user`/`other_treasurer_user` (portal users, second factor enrolled), and
`treasurer_staff_user` (a treasurer who may open the admin, where they can only view).
`*_client` fixtures are logged in. `draft`, `submitted` and `approved` make settlements of
2026-H1 through the services (the statement/payment task is not run: no on-commit).
"""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import translation

from accounts.roles import Role
from billing.services import credit_note_create, invoice_draft_create, invoice_finalise
from billing.services.invoices import pdf_rendering_deferred
from members.models import Membership, PremiumCap
from placements.models import TimeEntry
from placements.services import time_entries_approve
from settlements.models import Period
from settlements.services import settlement_approve, settlement_compute, settlement_submit
from tests.factories import MembershipFactory, MunicipalityFactory, UserFactory
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    ClientFactory,
    TimeEntryFactory,
    general_framework,
)

H1_2026 = Period(2026, 1)
H2_2025 = Period(2025, 2)
MARCH_2026 = datetime.date(2026, 3, 1)
SETTLEMENT_IBAN = "NL91ABNA0417164300"
OTHER_SETTLEMENT_IBAN = "NL02RABO0123456789"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def period() -> Period:
    return H1_2026


@pytest.fixture
def framework(db):
    general = general_framework()
    PremiumCap.objects.get_or_create(
        valid_from=datetime.date(2025, 7, 1), defaults={"amount": Decimal("3326")}
    )
    return general


# --- Municipalities with memberships ---------------------------------------------------------


@pytest.fixture
def town(municipality, framework):
    """GM0014 Groningen, an active member since 1 January 2025."""
    MembershipFactory(municipality=municipality, start_date=datetime.date(2025, 1, 1))
    municipality.settlement_iban = SETTLEMENT_IBAN
    municipality.save(update_fields=["settlement_iban"])
    return municipality


@pytest.fixture
def other_town(other_municipality, framework):
    """GM0106 Assen, an active member since 1 January 2025."""
    MembershipFactory(municipality=other_municipality, start_date=datetime.date(2025, 1, 1))
    other_municipality.settlement_iban = OTHER_SETTLEMENT_IBAN
    other_municipality.save(update_fields=["settlement_iban"])
    return other_municipality


@pytest.fixture
def prospective_town(framework):
    """GM0034 Almere: prospective, so no run settles it."""
    town = MunicipalityFactory(cbs_code="GM0034", name="Almere")
    MembershipFactory(
        municipality=town,
        status=Membership.Status.PROSPECTIVE,
        start_date=datetime.date(2026, 9, 1),
    )
    return town


@pytest.fixture
def former_town(framework):
    """GM0074 Heerenveen: a member in 2025 only."""
    town = MunicipalityFactory(cbs_code="GM0074", name="Heerenveen")
    MembershipFactory(
        municipality=town,
        status=Membership.Status.ENDED,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    return town


@pytest.fixture
def member_towns(town, other_town, prospective_town, former_town):
    """All four; the members of 2026-H1 are `town` and `other_town`."""
    return {
        "town": town,
        "other_town": other_town,
        "prospective_town": prospective_town,
        "former_town": former_town,
    }


# --- Users -------------------------------------------------------------------------------------


@pytest.fixture
def back_office_user(db):
    return UserFactory(
        email="settlements.backoffice@operator.example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        mfa=True,
    )


@pytest.fixture
def other_back_office_user(db):
    return UserFactory(
        email="settlements.backoffice2@operator.example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        mfa=True,
    )


@pytest.fixture
def treasurer_user(db):
    return UserFactory(email="settlements.treasurer@nvsi.example.nl", role=Role.TREASURER, mfa=True)


@pytest.fixture
def other_treasurer_user(db):
    return UserFactory(
        email="settlements.treasurer2@nvsi.example.nl", role=Role.TREASURER, mfa=True
    )


@pytest.fixture
def treasurer_staff_user(db):
    """A treasurer who may open the admin: there they can only view settlements."""
    return UserFactory(
        email="settlements.treasurer.staff@nvsi.example.nl",
        role=Role.TREASURER,
        is_staff=True,
        mfa=True,
    )


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def back_office_user_client(back_office_user):
    return _logged_in(back_office_user)


@pytest.fixture
def treasurer_user_client(treasurer_user):
    return _logged_in(treasurer_user)


@pytest.fixture
def treasurer_staff_client(treasurer_staff_user):
    return _logged_in(treasurer_staff_user)


# --- Documents through the services ------------------------------------------------------------


def month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def default_invoice_date(month: datetime.date) -> datetime.date:
    """The 2nd of the next month (a run for March is issued on 2 April)."""
    return month_end(month) + datetime.timedelta(days=2)


def make_invoice(
    *,
    municipality,
    actor,
    month: datetime.date = MARCH_2026,
    hours: tuple[str, ...] = ("8.00",),
    rate: str = "16.50",
    invoice_date: datetime.date | None = None,
    client=None,
    birth_date: datetime.date = datetime.date(1980, 5, 17),
):
    """One candidate of `municipality` at `client` (a new one by default) with approved hours
    on consecutive days of `month` (premium accrued on approval), invoiced and issued."""
    client = client or ClientFactory()
    assignment = AssignmentFactory(
        candidate=CandidateFactory(municipality=municipality, birth_date=birth_date),
        client=client,
        active=True,
        start_date=month,
        end_date=month_end(month),
        hourly_rate=Decimal(rate),
    )
    entries = [
        TimeEntryFactory(
            assignment=assignment,
            work_date=month + datetime.timedelta(days=i),
            hours=Decimal(h),
            status=TimeEntry.Status.ENTERED,
        )
        for i, h in enumerate(hours)
    ]
    with pdf_rendering_deferred(), transaction.atomic():
        time_entries_approve(entries=entries, actor=actor)
        invoice = invoice_draft_create(client=client, month=month, actor=actor)
        return invoice_finalise(
            invoice=invoice, actor=actor, invoice_date=invoice_date or default_invoice_date(month)
        )


def make_credit_note(invoice, *, actor, credit_date: datetime.date, lines=None):
    """Credit the whole invoice (or `lines`) on `credit_date`."""
    with pdf_rendering_deferred(), transaction.atomic():
        return credit_note_create(
            invoice=invoice, actor=actor, reason="Correctie", credit_date=credit_date, lines=lines
        )


@pytest.fixture
def issue_invoice(back_office_user):
    """`issue_invoice(municipality=town, hours=("8.00", "4.00"), rate="16.50")`."""

    def issue(**kwargs):
        kwargs.setdefault("actor", back_office_user)
        return make_invoice(**kwargs)

    return issue


@pytest.fixture
def credit_invoice(back_office_user):
    """`credit_invoice(invoice, credit_date=datetime.date(2026, 7, 3))`."""

    def credit(invoice, **kwargs):
        kwargs.setdefault("actor", back_office_user)
        return make_credit_note(invoice, **kwargs)

    return credit


@pytest.fixture
def town_documents(town, other_town, issue_invoice):
    """2026-H1 documents: town 8 + 4 hours at 16.50 (G 198.00, P 24.00) and 10 hours at
    20.00 (G 200.00, P 20.00); other_town 6 hours at 15.00 (G 90.00, P 12.00)."""
    return {
        "town": [
            issue_invoice(municipality=town, hours=("8.00", "4.00"), rate="16.50"),
            issue_invoice(municipality=town, hours=("10.00",), rate="20.00"),
        ],
        "other_town": [issue_invoice(municipality=other_town, hours=("6.00",), rate="15.00")],
    }


# --- Settlements of 2026-H1 through the services ---------------------------------------------


@pytest.fixture
def draft(town, town_documents):
    settlement, _computed = settlement_compute(municipality=town, period=H1_2026, actor=None)
    return settlement


@pytest.fixture
def submitted(draft, back_office_user):
    return settlement_submit(settlement=draft, actor=back_office_user)


@pytest.fixture
def approved(submitted, treasurer_user):
    return settlement_approve(settlement=submitted, actor=treasurer_user)
