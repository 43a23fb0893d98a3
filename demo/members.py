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
from members.reference_data import reference_data_load

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

    # The premium caps and the general framework ship with the portal (a data migration);
    # loaded here too for a database migrated before they did.
    reference_data_load(framework_model=Framework, premium_cap_model=PremiumCap)
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
            "decision_date": _date("2025-11-18"),
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
