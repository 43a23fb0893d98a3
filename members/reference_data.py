"""Reference data that ships with the portal: loaded by a data migration
(members/migrations/0003_reference_data.py), so a freshly migrated database can take
assignments and hours the day it is installed.

- The statutory annual premium cap (Participatiewet art. 31 lid 2 j), 2019 to 2026.
- The history of the general framework from 1 January 2024, when the statutory minimum
  hourly wage (Wet minimumloon en minimumvakantiebijslag) took effect; before 2024 the minimum
  wage was set per month, week and day, with no single hourly figure to use as the minimum
  client rate. Each version's minimum client rate is the minimum hourly wage of that half-year;
  the premium rate, fee, contribution, VAT and the large-or-long thresholds are the defaults
  of DOMAIN.md. Earlier history can be recorded in the admin as history (framework_save with
  history=True), with the decision that set it.

Later figures (the minimum wage of 1 July 2026 and on) are decisions of the members and are
added as new versions in the portal, or by a data migration of their own: this one is never
edited, so every database holds the same history.
"""

from decimal import Decimal

PREMIUM_CAPS: list[tuple[str, str]] = [
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

# (in force from, minimum client rate = statutory minimum hourly wage, decision)
GENERAL_FRAMEWORK_VERSIONS: list[tuple[str, str, str]] = [
    ("2024-01-01", "13.27", "Wettelijk minimumuurloon per 1 januari 2024"),
    ("2024-07-01", "13.68", "Wettelijk minimumuurloon per 1 juli 2024"),
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


def reference_data_load(*, framework_model, premium_cap_model) -> dict[str, int]:
    """Create the caps and general framework versions that are missing (by their start date);
    rows already there are left as they are. Returns how many of each were created. Takes the
    models as arguments so the migration can pass its historical ones."""
    import datetime

    caps = 0
    for day, amount in PREMIUM_CAPS:
        _cap, created = premium_cap_model.objects.get_or_create(
            valid_from=datetime.date.fromisoformat(day), defaults={"amount": Decimal(amount)}
        )
        caps += created
    versions = 0
    for day, rate, decision in GENERAL_FRAMEWORK_VERSIONS:
        _version, created = framework_model.objects.get_or_create(
            scope="general",
            valid_from=datetime.date.fromisoformat(day),
            defaults={
                **GENERAL_DEFAULTS,
                "municipality": None,
                "client_hourly_rate_min": Decimal(rate),
                "decision_reference": decision,
            },
        )
        versions += created
    return {"premium caps": caps, "general framework versions": versions}
