"""Reads for the members app. Scope lives here: a coordinator sees only their municipalities."""

import calendar
import dataclasses
import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.roles import (
    is_back_office,
    is_coordinator,
    is_nvsi_board,
    is_representative,
    is_treasurer,
)
from members.models import Contract, Framework, Membership, Municipality, PremiumCap


class FrameworkNotInForce(Exception):
    """No general framework (or premium cap) covers the date asked for."""


# How a local value may differ from the general one: "at least" or "at most" the general value.
AT_LEAST = "at_least"
AT_MOST = "at_most"
LOCAL_RULES: dict[str, str] = {
    "client_hourly_rate_min": AT_LEAST,
    "premium_per_hour": AT_LEAST,
    "long_after_weeks": AT_MOST,
    "large_hours_per_week": AT_MOST,
    "large_concurrent_candidates": AT_MOST,
}
LOCAL_FIELDS = [*LOCAL_RULES, "payout_moments"]


@dataclasses.dataclass(frozen=True)
class FrameworkTerms:
    """Every framework value in force for one municipality on one date, with its sources."""

    municipality: Municipality | None
    on: datetime.date
    general: Framework
    local: Framework | None
    premium_cap: PremiumCap
    execution_contract: Contract | None
    client_hourly_rate_min: Decimal
    premium_per_hour: Decimal
    payout_moments: tuple[str, ...]
    annual_premium_cap: Decimal
    operator_fee_percentage: Decimal
    contribution_percentage: Decimal
    contribution_operator_percentage: Decimal
    contribution_municipality_percentage: Decimal
    vat_percentage: Decimal
    long_after_weeks: int
    large_hours_per_week: Decimal
    large_concurrent_candidates: int

    def source_of(self, field: str) -> str:
        """'local', 'general' or 'contract': where the value in force comes from."""
        if field == "operator_fee_percentage" and self.execution_contract is not None:
            return "contract"
        if self.local is not None and getattr(self.local, field, None) not in (None, []):
            local_value = getattr(self.local, field)
            if getattr(self, field) == (
                tuple(local_value) if isinstance(local_value, list) else local_value
            ):
                return "local"
        return "general"


def _stricter(rule: str, general_value, local_value):
    if local_value is None:
        return general_value
    return max(general_value, local_value) if rule == AT_LEAST else min(general_value, local_value)


def general_framework_in_force(*, on: datetime.date) -> Framework | None:
    return (
        Framework.objects.filter(scope=Framework.Scope.GENERAL, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )


def local_framework_in_force(*, municipality: Municipality, on: datetime.date) -> Framework | None:
    return (
        Framework.objects.filter(
            scope=Framework.Scope.LOCAL, municipality=municipality, valid_from__lte=on
        )
        .order_by("-valid_from")
        .first()
    )


def premium_cap_in_force(*, on: datetime.date) -> PremiumCap | None:
    return PremiumCap.objects.filter(valid_from__lte=on).order_by("-valid_from").first()


def execution_contract_in_force(*, on: datetime.date) -> Contract | None:
    return (
        Contract.objects.filter(kind=Contract.Kind.EXECUTION, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .first()
    )


def framework_in_force(*, municipality: Municipality | None, on: datetime.date) -> FrameworkTerms:
    """The framework in force for municipality M on date D: every calculation reads this.

    A local value applies where it is at least as strict as the general one; should a later
    general version overtake it (the minimum wage is indexed twice a year), the stricter
    general value applies. The operator fee comes from the execution contract in force,
    or from the general framework where no execution contract is in force.
    """
    general = general_framework_in_force(on=on)
    cap = premium_cap_in_force(on=on) if general is not None else None
    found = general is not None and cap is not None
    return _terms(
        municipality=municipality,
        on=on,
        general=general,
        cap=cap,
        local=local_framework_in_force(municipality=municipality, on=on)
        if found and municipality
        else None,
        contract=execution_contract_in_force(on=on) if found else None,
    )


def _terms(
    *,
    municipality: Municipality | None,
    on: datetime.date,
    general: Framework | None,
    cap: PremiumCap | None,
    local: Framework | None,
    contract: Contract | None,
) -> FrameworkTerms:
    """FrameworkTerms from the versions in force (framework_in_force, frameworks_in_force)."""
    if general is None:
        raise FrameworkNotInForce(
            _("No general framework is in force on %(date)s.") % {"date": f"{on:%d-%m-%Y}"}
        )
    if cap is None:
        raise FrameworkNotInForce(
            _("No annual premium cap is in force on %(date)s.") % {"date": f"{on:%d-%m-%Y}"}
        )
    values = {
        field: _stricter(rule, getattr(general, field), getattr(local, field, None))
        for field, rule in LOCAL_RULES.items()
    }
    payout_moments = (local.payout_moments if local and local.payout_moments else None) or (
        general.payout_moments
    )
    return FrameworkTerms(
        municipality=municipality,
        on=on,
        general=general,
        local=local,
        premium_cap=cap,
        execution_contract=contract,
        payout_moments=tuple(sorted(payout_moments)),
        annual_premium_cap=cap.amount,
        operator_fee_percentage=(
            contract.operator_fee_percentage if contract else general.operator_fee_percentage
        ),
        contribution_percentage=general.contribution_percentage,
        contribution_operator_percentage=general.contribution_operator_percentage,
        contribution_municipality_percentage=general.contribution_municipality_percentage,
        vat_percentage=general.vat_percentage,
        **values,
    )


# The versions in force for every (municipality, date) asked, in one statement: the same
# rules as the single look-ups above (latest version from on or before the date; the
# execution contract covering the date, latest start first, then by reference, which is
# Contract's ordering that `.first()` follows).
_IN_FORCE_SQL = """
SELECT q.m, q.d,
  (SELECT f.id FROM members_framework f
   WHERE f.scope = 'general' AND f.valid_from <= q.d ORDER BY f.valid_from DESC LIMIT 1),
  (SELECT f.id FROM members_framework f
   WHERE f.scope = 'local' AND f.municipality_id = q.m AND f.valid_from <= q.d
   ORDER BY f.valid_from DESC LIMIT 1),
  (SELECT c.id FROM members_premiumcap c WHERE c.valid_from <= q.d
   ORDER BY c.valid_from DESC LIMIT 1),
  (SELECT k.id FROM members_contract k
   WHERE k.kind = 'execution' AND k.start_date <= q.d
     AND (k.end_date IS NULL OR k.end_date >= q.d)
   ORDER BY k.start_date DESC, k.reference LIMIT 1)
FROM unnest(%s::bigint[], %s::date[]) AS q(m, d)
"""


def frameworks_in_force(
    *, asks: Iterable[tuple[Municipality | None, datetime.date]]
) -> dict[tuple[int | None, datetime.date], FrameworkTerms]:
    """framework_in_force for many (municipality, date) pairs at once, keyed by
    (municipality id or None, date): one statement finds the versions in force for every
    pair, and the distinct versions found are loaded once (a query per table, however many
    pairs). Equal to framework_in_force pair by pair; raises FrameworkNotInForce (naming
    the earliest such date) when a date has no general framework or premium cap."""
    towns: dict[int | None, Municipality | None] = {}
    pairs: set[tuple[int | None, datetime.date]] = set()
    for municipality, on in asks:
        key = municipality.pk if municipality is not None else None
        towns[key] = municipality
        pairs.add((key, on))
    if not pairs:
        return {}
    ordered = sorted(pairs, key=lambda pair: (pair[1], pair[0] is not None, pair[0] or 0))
    with connection.cursor() as cursor:
        cursor.execute(_IN_FORCE_SQL, [[key for key, _on in ordered], [on for _key, on in ordered]])
        rows = cursor.fetchall()
    frameworks = Framework.objects.in_bulk(
        {pk for row in rows for pk in (row[2], row[3]) if pk is not None}
    )
    caps = PremiumCap.objects.in_bulk({row[4] for row in rows if row[4] is not None})
    contracts = Contract.objects.in_bulk({row[5] for row in rows if row[5] is not None})
    found = {
        (key, on): (general, local, cap, contract)
        for key, on, general, local, cap, contract in rows
    }
    result = {}
    for key, on in ordered:  # earliest date first: the error names the earliest gap
        general, local, cap, contract = found[(key, on)]
        result[(key, on)] = _terms(
            municipality=towns[key],
            on=on,
            general=frameworks.get(general),
            cap=caps.get(cap),
            local=frameworks.get(local),
            contract=contracts.get(contract),
        )
    return result


# --- Scoped reads ---------------------------------------------------------------------------


def municipality_list_for_user(*, user) -> QuerySet[Municipality]:
    """Coordinators and representatives: their own municipalities. Treasurer, NVSI board and
    back office: all members."""
    qs = Municipality.objects.select_related("region").order_by("name")
    if not user.is_authenticated:
        return qs.none()
    if is_treasurer(user) or is_nvsi_board(user) or is_back_office(user):
        return qs
    return municipality_list_acting_for(user=user)


def municipality_list_acting_for(*, user) -> QuerySet[Municipality]:
    """The municipalities the user acts for: as their coordinator or their representative.
    Only these may record a local framework or ask to use an instrument."""
    qs = Municipality.objects.select_related("region").order_by("name")
    if not user.is_authenticated:
        return qs.none()
    own = Q(pk__in=[])
    if is_coordinator(user):
        own |= Q(pk__in=user.coordinated_municipalities.values("pk"))
    if is_representative(user):
        own |= Q(pk__in=user.represented_municipalities.values("pk"))
    return qs.filter(own)


def user_acts_for(*, user, municipality: Municipality) -> bool:
    return municipality_list_acting_for(user=user).filter(pk=municipality.pk).exists()


def municipality_get_for_user(*, user, cbs_code: str) -> Municipality:
    """One municipality in the user's scope; 404 otherwise."""
    return get_object_or_404(
        municipality_list_for_user(user=user).prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.order_by("-start_date"))
        ),
        cbs_code=cbs_code,
    )


def membership_current(*, municipality: Municipality, on: datetime.date) -> Membership | None:
    """The membership covering the date, else the most recent one."""
    memberships = list(municipality.memberships.all())
    for membership in memberships:
        if membership.start_date <= on and (
            membership.end_date is None or on <= membership.end_date
        ):
            return membership
    return memberships[0] if memberships else None


def contract_list_for_municipality(*, municipality: Municipality) -> QuerySet[Contract]:
    """The municipality's own contracts and the region contracts signed on its behalf."""
    return (
        Contract.objects.filter(
            Q(kind=Contract.Kind.MUNICIPALITY, municipality=municipality)
            | Q(kind=Contract.Kind.REGION, covered_municipalities=municipality)
        )
        .select_related("municipality", "region", "renews")
        .prefetch_related("renewals")
        .distinct()
        .order_by("-start_date")
    )


def contract_list_expiring(*, today: datetime.date) -> list[Contract]:
    """Every contract whose end lies within the warning period, soonest first."""
    contracts = Contract.objects.filter(end_date__gte=today).select_related(
        "municipality", "region"
    )
    return sorted((c for c in contracts if c.expires_soon(today)), key=lambda c: c.end_date)


def local_framework_list(*, municipality: Municipality) -> QuerySet[Framework]:
    """Every local version of the municipality, newest start first."""
    return Framework.objects.filter(
        scope=Framework.Scope.LOCAL, municipality=municipality
    ).order_by("-valid_from")


def local_framework_get_for_user(*, user, cbs_code: str, pk: int) -> Framework:
    """One local version of a municipality the user acts for; 404 otherwise."""
    municipality = get_object_or_404(municipality_list_acting_for(user=user), cbs_code=cbs_code)
    return get_object_or_404(local_framework_list(municipality=municipality), pk=pk)


# --- Contracts ending ------------------------------------------------------------------------


class RenewalStatus:
    RENEWED = "renewed"
    AUTOMATIC = "automatic"
    OPTION = "option"
    ENDS = "ends"


@dataclasses.dataclass(frozen=True)
class ContractEnding:
    contract: Contract
    days: int
    status: str
    renewed_by: tuple[Contract, ...]


def contract_renewal_status(contract: Contract) -> str:
    """Renewed (a later contract names it in `renews`), else what the contract itself says."""
    if contract.renewals.all():
        return RenewalStatus.RENEWED
    return {
        Contract.Renewal.AUTOMATIC: RenewalStatus.AUTOMATIC,
        Contract.Renewal.OPTION: RenewalStatus.OPTION,
    }.get(contract.renewal, RenewalStatus.ENDS)


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months on, or the month's last day where it is shorter."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def contract_list_ending(*, today: datetime.date, months: int) -> list[ContractEnding]:
    """Every contract ending from today through the coming `months` months, soonest first,
    with its renewal status."""
    until = months_later(today, months)
    contracts = (
        Contract.objects.filter(end_date__gte=today, end_date__lte=until)
        .select_related("municipality", "region")
        .prefetch_related(
            Prefetch("renewals", queryset=Contract.objects.order_by("start_date", "reference"))
        )
        .order_by("end_date", "reference")
    )
    return [
        ContractEnding(
            contract=contract,
            days=(contract.end_date - today).days,
            status=contract_renewal_status(contract),
            renewed_by=tuple(contract.renewals.all()),
        )
        for contract in contracts
    ]
