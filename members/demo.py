"""Demo data for the members app: regions, municipalities, memberships, contracts, frameworks.

Idempotent: every record is found by its natural key and brought to the demo state.
"""

import datetime
from decimal import Decimal

from members.models import (
    Contract,
    Framework,
    LabourMarketRegion,
    Membership,
    Municipality,
    PremiumCap,
)

REGIONS = {
    "Groningen": [
        ("GM0014", "Groningen"),
        ("GM1952", "Midden-Groningen"),
        ("GM0037", "Stadskanaal"),
        ("GM1950", "Westerwolde"),
    ],
    "Drenthe": [
        ("GM0106", "Assen"),
        ("GM0114", "Emmen"),
        ("GM0118", "Hoogeveen"),
        ("GM0119", "Meppel"),
    ],
    "Friesland": [
        ("GM0080", "Leeuwarden"),
        ("GM0086", "Opsterland"),
        ("GM0090", "Smallingerland"),
        ("GM0074", "Heerenveen"),
    ],
}

# Participatiewet art. 31 lid 2 j: the annual premium cap by date in force (DOMAIN.md).
PREMIUM_CAPS = [
    ("2019-01-01", "2500"),
    ("2019-07-01", "2517"),
    ("2020-01-01", "2570"),
    ("2021-01-01", "2629"),
    ("2021-07-01", "2638"),
    ("2022-01-01", "2672"),
    ("2022-07-01", "2699"),
    ("2023-01-01", "2934"),
    ("2023-07-01", "2979"),
    ("2024-01-01", "3151"),
    ("2024-07-01", "3209"),
    ("2025-01-01", "3263"),
    ("2025-07-01", "3326"),
    ("2026-01-01", "3398"),
]

# The general framework: the statutory minimum hourly wage as the minimum client rate.
GENERAL_FRAMEWORK_VERSIONS = [
    ("2025-01-01", "14.06", "Wettelijk minimumuurloon per 1 januari 2025"),
    ("2025-07-01", "14.40", "Wettelijk minimumuurloon per 1 juli 2025"),
    ("2026-01-01", "14.71", "Wettelijk minimumuurloon per 1 januari 2026"),
]
GENERAL_DEFAULTS = {
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


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def _upsert(model, lookup: dict, values: dict):
    obj = model.objects.filter(**lookup).first() or model(**lookup)
    for key, value in values.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    return obj


def seed_members(*, today: datetime.date) -> dict[str, Municipality]:
    municipalities: dict[str, Municipality] = {}
    for region_name, members in REGIONS.items():
        region = _upsert(LabourMarketRegion, {"name": region_name}, {})
        for code, name in members:
            municipalities[code] = _upsert(
                Municipality, {"cbs_code": code}, {"name": name, "region": region}
            )

    for valid_from, amount in PREMIUM_CAPS:
        _upsert(PremiumCap, {"valid_from": _date(valid_from)}, {"amount": Decimal(amount)})

    for valid_from, rate, decision in GENERAL_FRAMEWORK_VERSIONS:
        _upsert(
            Framework,
            {"scope": Framework.Scope.GENERAL, "valid_from": _date(valid_from)},
            {
                **GENERAL_DEFAULTS,
                "client_hourly_rate_min": Decimal(rate),
                "decision_reference": decision,
            },
        )
    # Two municipalities set stricter local terms.
    _upsert(
        Framework,
        {
            "scope": Framework.Scope.LOCAL,
            "municipality": municipalities["GM0014"],
            "valid_from": _date("2026-01-01"),
        },
        {
            "client_hourly_rate_min": Decimal("15.25"),
            "long_after_weeks": 20,
            "decision_reference": "Collegebesluit Groningen 2025-118",
        },
    )
    _upsert(
        Framework,
        {
            "scope": Framework.Scope.LOCAL,
            "municipality": municipalities["GM0080"],
            "valid_from": _date("2025-07-01"),
        },
        {
            "payout_moments": ["12-31"],
            "large_hours_per_week": Decimal("28.00"),
            "decision_reference": "Collegebesluit Leeuwarden 2025-044",
        },
    )

    # Memberships: most active since 2025; Opsterland still prospective; Heerenveen left.
    for code, municipality in municipalities.items():
        if code == "GM0086":
            values = {"status": Membership.Status.PROSPECTIVE, "end_date": None}
            start = _date("2027-01-01")
        elif code == "GM0074":
            values = {"status": Membership.Status.ENDED, "end_date": _date("2025-12-31")}
            start = _date("2025-01-01")
        else:
            values = {"status": Membership.Status.ACTIVE, "end_date": None}
            start = _date("2025-01-01")
        _upsert(Membership, {"municipality": municipality, "start_date": start}, values)

    _upsert(
        Contract,
        {"reference": "NVSI-UC-2025-01"},
        {
            "kind": Contract.Kind.EXECUTION,
            "start_date": _date("2025-01-01"),
            "end_date": _date("2028-12-31"),
            "renewal": Contract.Renewal.OPTION,
            "operator_fee_percentage": Decimal("30.00"),
            "notes": "Uitvoeringscontract NVSI en Flextensie Nederland b.v.",
        },
    )
    for code in ("GM0014", "GM1952", "GM0037", "GM1950", "GM0080", "GM0090"):
        # Stadskanaal's contract ends within the warning period, so the demo shows it.
        ends = today + datetime.timedelta(days=45) if code == "GM0037" else _date("2027-12-31")
        _upsert(
            Contract,
            {"reference": f"NVSI-{code}-2025"},
            {
                "kind": Contract.Kind.MUNICIPALITY,
                "municipality": municipalities[code],
                "start_date": _date("2025-01-01"),
                "end_date": ends,
                "renewal": Contract.Renewal.AUTOMATIC,
                "renewal_months": 12,
            },
        )
    drenthe = _upsert(
        Contract,
        {"reference": "NVSI-AMR-DRENTHE-2025"},
        {
            "kind": Contract.Kind.REGION,
            "region": municipalities["GM0106"].region,
            "start_date": _date("2025-01-01"),
            "end_date": _date("2027-06-30"),
            "renewal": Contract.Renewal.OPTION,
        },
    )
    drenthe.covered_municipalities.set(
        [municipalities[c] for c in ("GM0106", "GM0114", "GM0118", "GM0119")]
    )
    return municipalities
