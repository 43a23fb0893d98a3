"""The go-live import of premium opening balances (type `premium_opening_balances`,
docs/imports.md): per candidate (municipality + client number) and calendar year, the
premium accrued before NVSI took over, the part already paid and the payouts made that year.

Registered with the placements import framework by `PremiumsConfig.ready()`; rows go
through `premium_opening_balance_record`, which holds every rule. A row equal to the stored
balance is unchanged; a stored balance is never changed (a different row is an error).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from placements.imports import ImportResult, ImportType
from placements.imports.base import (
    Column,
    Row,
    add_validation_issues,
    parse_code,
    parse_count,
    parse_money,
    parse_year,
    text_max,
)
from placements.imports.lookups import KeyLookup, NotFound, references_report
from premiums.models import PremiumOpeningBalance
from premiums.services import premium_opening_balance_record

IMPORT_TYPE = ImportType(
    "premium_opening_balances",
    gettext_lazy("Premium opening balances (go-live)"),
    "premiums.imports:OpeningBalanceImporter",
    "premiums.premiumopeningbalance",
)
COLUMNS_OF_FIELDS = {"candidate": "client_number"}


class OpeningBalanceImporter:
    columns = (
        Column("municipality", True, parse_code),
        Column("client_number", True, text_max(50)),
        Column("year", True, parse_year),
        Column("accrued", True, parse_money),
        Column("paid", True, parse_money),
        Column("payouts", True, parse_count),
    )

    def references_check(self, rows: list[Row], *, result: ImportResult) -> None:
        references_report(rows, result, clients=False)

    def process(self, rows: list[Row], *, actor, result: ImportResult) -> None:
        lookup = KeyLookup(
            codes={row.values["municipality"] for row in rows},
            client_numbers={row.values["client_number"] for row in rows},
            kvk_numbers=set(),
        )
        stored = {
            (balance.candidate_id, balance.year): balance
            for balance in PremiumOpeningBalance.objects.filter(
                candidate__in=list(lookup.candidates.values()),
                year__in={row.values["year"] for row in rows},
            )
        }
        source = f"{result.file_name} (import {result.kind})"
        today = timezone.localdate()
        seen: dict[tuple[int, int], int] = {}
        for row in rows:
            values = row.values
            try:
                candidate = lookup.candidate(values["municipality"], values["client_number"])
            except NotFound as missing:
                result.add_issue(row.number, missing.column, missing.message)
                continue
            key = (candidate.pk, values["year"])
            if key in seen:
                result.add_issue(
                    row.number,
                    "year",
                    _("Row %(row)s has the same candidate and year.") % {"row": seen[key]},
                )
                continue
            seen[key] = row.number
            figures = {name: values[name] for name in ("accrued", "paid", "payouts")}
            existing = stored.get(key)
            try:
                with transaction.atomic():
                    premium_opening_balance_record(
                        actor=actor,
                        candidate=candidate,
                        year=values["year"],
                        source=source,
                        today=today,
                        **figures,
                    )
            except ValidationError as error:
                add_validation_issues(
                    result, row.number, error, columns=COLUMNS_OF_FIELDS, default_column="year"
                )
                continue
            result.count(row, "create" if existing is None else "unchanged")
