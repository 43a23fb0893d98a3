"""factory_boy factories for the placements tests.

Self-contained (users, municipalities and the framework are made here too), so these tests
do not depend on the shared fixtures. Factories write straight to the database, without
services or audit records: a test about a service calls the service.
"""

import datetime
import itertools
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from accounts.models import User
from accounts.roles import Role
from members.models import Framework, LabourMarketRegion, Municipality, PremiumCap
from placements.bsn import bsn_encrypt, bsn_lookup_hash
from placements.models import Assignment, Candidate, Client, DisplacementCheck, TimeEntry

_bsn_counter = itertools.count(100_000_00)


def valid_bsn() -> str:
    """A fresh nine-digit number passing the 11-proof."""
    while True:
        head = f"{next(_bsn_counter):08d}"
        total = sum(int(d) * w for d, w in zip(head, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10:
            return head + str(last)


def valid_kvk(n: int) -> str:
    return f"{10_000_000 + n:08d}"


class PlacementsUserFactory(DjangoModelFactory):
    """`PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[m])`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"placements.user{n}@example.nl")
    first_name = factory.Sequence(lambda n: f"Voornaam{n}")
    last_name = "Achternaam"

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=Role(extracted).value))

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.coordinated_municipalities.add(*extracted)


class PlacementsRegionFactory(DjangoModelFactory):
    class Meta:
        model = LabourMarketRegion
        django_get_or_create = ["name"]

    name = "Placements regio"


class PlacementsMunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    cbs_code = factory.Sequence(lambda n: f"GM{8000 + n % 1000:04d}")
    name = factory.Sequence(lambda n: f"Plaatsgemeente {n}")
    region = factory.SubFactory(PlacementsRegionFactory)


def general_framework(**overrides) -> Framework:
    """The general framework of 2025 and 2026 (minimum rates 14.06 and 14.71) and caps."""
    values = {
        "scope": Framework.Scope.GENERAL,
        "premium_per_hour": Decimal("2.00"),
        "payout_moments": ["06-30", "12-31"],
        "operator_fee_percentage": Decimal("30.00"),
        "contribution_percentage": Decimal("2.00"),
        "contribution_operator_percentage": Decimal("1.00"),
        "vat_percentage": Decimal("21.00"),
        "long_after_weeks": 26,
        "large_hours_per_week": Decimal("32.00"),
        "large_concurrent_candidates": 10,
    }
    values.update(overrides)
    for day, amount in [("2025-01-01", "3263"), ("2026-01-01", "3398")]:
        PremiumCap.objects.get_or_create(
            valid_from=datetime.date.fromisoformat(day), defaults={"amount": Decimal(amount)}
        )
    Framework.objects.create(
        valid_from=datetime.date(2025, 1, 1), client_hourly_rate_min=Decimal("14.06"), **values
    )
    return Framework.objects.create(
        valid_from=datetime.date(2026, 1, 1), client_hourly_rate_min=Decimal("14.71"), **values
    )


class CandidateFactory(DjangoModelFactory):
    """`CandidateFactory(bsn="111222333")` stores the BSN as the service would."""

    class Meta:
        model = Candidate
        skip_postgeneration_save = True

    municipality = factory.SubFactory(PlacementsMunicipalityFactory)
    client_number = factory.Sequence(lambda n: f"K{n:06d}")
    first_name = factory.Sequence(lambda n: f"Kandidaat{n}")
    last_name = "Jansen"
    birth_date = datetime.date(1980, 5, 17)
    iban = "NL91ABNA0417164300"
    status = Candidate.Status.ACTIVE

    @factory.post_generation
    def bsn(self, create, extracted, **kwargs):
        if extracted:
            self.bsn_encrypted = bsn_encrypt(extracted)
            self.bsn_hash = bsn_lookup_hash(extracted)
            self.bsn_last_digits = extracted[-4:]
            if create:
                self.save()


class ClientFactory(DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Opdrachtgever {n} B.V.")
    kvk_number = factory.Sequence(valid_kvk)
    vat_number = ""
    billing_address = "Grote Markt 1\n9711 LV Groningen"
    billing_email = factory.Sequence(lambda n: f"facturen{n}@opdrachtgever.example.nl")
    contact_person = "P. de Vries"
    framework_agreement_date = datetime.date(2025, 12, 1)


class AssignmentFactory(DjangoModelFactory):
    """A requested assignment in March-May 2026; `approved=True` / `active=True` traits."""

    class Meta:
        model = Assignment

    class Params:
        approved = factory.Trait(
            status=Assignment.Status.APPROVED,
            decided_at=factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC)),
        )
        active = factory.Trait(
            status=Assignment.Status.ACTIVE,
            decided_at=factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC)),
        )

    candidate = factory.SubFactory(CandidateFactory)
    client = factory.SubFactory(ClientFactory)
    start_date = datetime.date(2026, 3, 2)
    end_date = datetime.date(2026, 5, 29)
    hours_per_week = Decimal("20.00")
    work_description = "Magazijnwerk"
    hourly_rate = Decimal("16.50")
    status = Assignment.Status.REQUESTED


class DisplacementCheckFactory(DjangoModelFactory):
    """A complete check; pass `performed_by`."""

    class Meta:
        model = DisplacementCheck

    assignment = factory.SubFactory(AssignmentFactory)
    temporary_or_peak_work = True
    no_open_vacancy = True
    no_recent_layoffs = True
    works_council_informed = True
    client_signatory_name = "J. Bakker"
    client_signed_on = datetime.date(2026, 2, 20)
    performed_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


class TimeEntryFactory(DjangoModelFactory):
    class Meta:
        model = TimeEntry

    assignment = factory.SubFactory(AssignmentFactory, active=True)
    work_date = datetime.date(2026, 3, 3)
    hours = Decimal("8.00")
    status = TimeEntry.Status.ENTERED
