"""Candidates: natural key municipality (CBS code) + client number.

Each row goes through `candidate_create` or `candidate_update`, so the rules (BSN 11-proof,
IBAN, the left-for-work date, uniqueness) are the services'. A row equal to the stored
candidate is unchanged; a different one updates it. An empty BSN or IBAN cell leaves the
stored one as it is: an import never removes a BSN or an IBAN.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.validators import iban_normalise
from members.models import Municipality
from placements.bsn import bsn_lookup_hash
from placements.imports.base import (
    ABSENT,
    Column,
    ImportResult,
    Row,
    add_validation_issues,
    choice,
    parse_bool,
    parse_code,
    parse_date,
    parse_text,
    text_max,
)
from placements.models import Candidate
from placements.services import candidate_create, candidate_update
from placements.validators import bsn_normalise, postcode_normalise

FIELDS = [
    "first_name",
    "last_name",
    "birth_date",
    "status",
    "left_for_work_on",
    "wage_cost_subsidy",
    "street",
    "house_number",
    "postcode",
    "city",
]


def unknown_municipality(code: str) -> str:
    return _("Unknown municipality: no municipality has CBS code %(code)s.") % {"code": code}


class CandidateImporter:
    columns = (
        Column("municipality", True, parse_code),
        Column("client_number", True, text_max(50)),
        Column("first_name", True, text_max(100)),
        Column("last_name", True, text_max(150)),
        Column("birth_date", True, parse_date),
        Column("bsn", False, parse_text, empty="", masked=True),
        Column("iban", False, parse_text, empty="", masked=True),
        Column("status", False, choice(list(Candidate.Status.values)), empty="active"),
        Column("left_for_work_on", False, parse_date),
        Column("wage_cost_subsidy", False, parse_bool, empty=False),
        Column("street", False, text_max(150), empty="", may_be_absent=True),
        Column("house_number", False, text_max(20), empty="", may_be_absent=True),
        Column("postcode", False, text_max(10), empty="", may_be_absent=True),
        Column("city", False, text_max(100), empty="", may_be_absent=True),
    )
    column_of_field = {
        "municipality": "municipality",
        "client_number": "client_number",
        "postcode": "postcode",
    }

    def references_check(self, rows: list[Row], *, result: ImportResult) -> None:
        """Rows with a bad cell: an unknown municipality is named as well."""
        named = [row for row in rows if not row.bad & {"municipality", None}]
        codes = {row.values["municipality"] for row in named}
        known = set(
            Municipality.objects.filter(cbs_code__in=codes).values_list("cbs_code", flat=True)
        )
        for row in named:
            if row.values["municipality"] not in known:
                result.add_issue(
                    row.number, "municipality", unknown_municipality(row.values["municipality"])
                )

    def process(self, rows: list[Row], *, actor, result: ImportResult) -> None:
        codes = {row.values["municipality"] for row in rows}
        municipalities = {m.cbs_code: m for m in Municipality.objects.filter(cbs_code__in=codes)}
        existing = {
            (c.municipality.cbs_code, c.client_number): c
            for c in Candidate.objects.select_related("municipality").filter(
                municipality__cbs_code__in=codes,
                client_number__in={row.values["client_number"] for row in rows},
            )
        }
        seen: dict[tuple[str, str], int] = {}
        for row in rows:
            values = row.values
            code = values["municipality"]
            municipality = municipalities.get(code)
            if municipality is None:
                result.add_issue(row.number, "municipality", unknown_municipality(code))
                continue
            key = (code, values["client_number"])
            if key in seen:
                result.add_issue(
                    row.number,
                    "client_number",
                    _("Row %(row)s has the same municipality and client number.")
                    % {"row": seen[key]},
                )
                continue
            seen[key] = row.number
            fields = {name: values[name] for name in FIELDS if values[name] is not ABSENT}
            fields["client_number"] = values["client_number"]
            if values["iban"]:
                fields["iban"] = values["iban"]
            bsn = values["bsn"] or None
            candidate = existing.get(key)
            try:
                with transaction.atomic():
                    if candidate is None:
                        candidate_create(
                            actor=actor, municipality=municipality, bsn=bsn or "", **fields
                        )
                        result.count(row, "create")
                        continue
                    changes = _changes(candidate, fields)
                    bsn_changed = bsn is not None and not _same_bsn(candidate, bsn)
                    if not changes and not bsn_changed:
                        result.count(row, "unchanged")
                        continue
                    candidate_update(
                        candidate=candidate,
                        actor=actor,
                        bsn=bsn if bsn_changed else None,
                        **changes,
                    )
                    result.count(row, "update")
            except ValidationError as error:
                add_validation_issues(
                    result,
                    row.number,
                    error,
                    columns=self.column_of_field,
                    default_column="client_number",
                )


def _changes(candidate: Candidate, fields: dict) -> dict:
    changes = {}
    for name, value in fields.items():
        stored = getattr(candidate, name)
        if name == "iban":
            try:
                value_compact = iban_normalise(value)
            except ValidationError:
                changes[name] = value  # the service reports it
                continue
            if value_compact != stored:
                changes[name] = value
        elif name == "postcode" and value:
            try:
                if postcode_normalise(value) != stored:
                    changes[name] = value
            except ValidationError:
                changes[name] = value  # the service reports it
        elif name == "left_for_work_on" and fields.get("status") != "left_for_work":
            if stored is not None:
                changes[name] = None
        elif stored != value:
            changes[name] = value
    return changes


def _same_bsn(candidate: Candidate, bsn: str) -> bool:
    try:
        return bsn_lookup_hash(bsn_normalise(bsn)) == candidate.bsn_hash
    except ValidationError:
        return False  # the service reports it
