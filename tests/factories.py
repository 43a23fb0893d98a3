"""factory_boy factories for the test suite, seeded with the real figures of DOMAIN.md.

Factories write straight to the database (no services, no audit records): a test that is
about a service calls the service itself.
"""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from accounts.models import User
from accounts.roles import Role
from members.models import (
    Contract,
    Framework,
    LabourMarketRegion,
    Membership,
    Municipality,
    PremiumCap,
)
from members.reference_data import PREMIUM_CAPS

PASSWORD = "Flextensie-test-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(DjangoModelFactory):
    """`UserFactory(role=Role.COORDINATOR, municipalities=[m])`, `UserFactory(mfa=True)`."""

    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.nl")
    first_name = factory.Sequence(lambda n: f"Voornaam{n}")
    last_name = "Achternaam"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=Role(extracted).value))

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.coordinated_municipalities.add(*extracted)

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        """Enrol a TOTP authenticator (secret TOTP_SECRET) and recovery codes."""
        if create and extracted:
            from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
            from allauth.mfa.totp.internal.auth import TOTP

            TOTP.activate(self, TOTP_SECRET)
            RecoveryCodes.activate(self)


class LabourMarketRegionFactory(DjangoModelFactory):
    class Meta:
        model = LabourMarketRegion
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Regio {n}")


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    # Valid CBS codes (GM + four digits) that no real demo code uses.
    cbs_code = factory.Sequence(lambda n: f"GM{9000 + n % 1000:04d}")
    name = factory.Sequence(lambda n: f"Gemeente {n}")
    region = factory.SubFactory(LabourMarketRegionFactory)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    municipality = factory.SubFactory(MunicipalityFactory)
    status = Membership.Status.ACTIVE
    start_date = datetime.date(2025, 1, 1)
    end_date = None


class ContractFactory(DjangoModelFactory):
    """A municipality contract; `region=True` or `execution=True` for the other kinds."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    class Params:
        region_contract = factory.Trait(
            kind=Contract.Kind.REGION,
            municipality=None,
            region=factory.SubFactory(LabourMarketRegionFactory),
        )
        execution = factory.Trait(
            kind=Contract.Kind.EXECUTION,
            municipality=None,
            operator_fee_percentage=Decimal("30.00"),
        )

    kind = Contract.Kind.MUNICIPALITY
    reference = factory.Sequence(lambda n: f"NVSI-{n:04d}")
    municipality = factory.SubFactory(MunicipalityFactory)
    region = None
    start_date = datetime.date(2025, 1, 1)
    end_date = None

    @factory.post_generation
    def covered_municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.covered_municipalities.add(*extracted)


class FrameworkFactory(DjangoModelFactory):
    """A general version with the real figures from 1 January 2026; `local=True` for a
    municipality's version that sets nothing itself until a value is passed."""

    class Meta:
        model = Framework

    class Params:
        general = factory.Trait(scope=Framework.Scope.GENERAL, municipality=None)
        local = factory.Trait(
            scope=Framework.Scope.LOCAL,
            municipality=factory.SubFactory(MunicipalityFactory),
            client_hourly_rate_min=None,
            premium_per_hour=None,
            payout_moments=None,
            operator_fee_percentage=None,
            contribution_percentage=None,
            contribution_operator_percentage=None,
            vat_percentage=None,
            long_after_weeks=None,
            large_hours_per_week=None,
            large_concurrent_candidates=None,
        )

    scope = Framework.Scope.GENERAL
    municipality = None
    valid_from = datetime.date(2026, 1, 1)
    client_hourly_rate_min = Decimal("14.71")
    premium_per_hour = Decimal("2.00")
    payout_moments = factory.LazyFunction(lambda: ["06-30", "12-31"])
    operator_fee_percentage = Decimal("30.00")
    contribution_percentage = Decimal("2.00")
    contribution_operator_percentage = Decimal("1.00")
    vat_percentage = Decimal("21.00")
    long_after_weeks = 26
    large_hours_per_week = Decimal("32.00")
    large_concurrent_candidates = 10
    decision_reference = "Wettelijk minimumuurloon per 1 januari 2026"


class PremiumCapFactory(DjangoModelFactory):
    class Meta:
        model = PremiumCap
        django_get_or_create = ["valid_from"]

    valid_from = datetime.date(2026, 1, 1)
    amount = Decimal("3398.00")

    @classmethod
    def create_table(cls) -> list[PremiumCap]:
        """The whole statutory table, 2019 to 2026."""
        return [
            cls(valid_from=datetime.date.fromisoformat(day), amount=Decimal(amount))
            for day, amount in PREMIUM_CAPS
        ]
