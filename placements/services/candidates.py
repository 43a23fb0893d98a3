"""Candidates: create, change, the BSN revealed and looked up.

The plain BSN passes through `candidate_create` / `candidate_update` and comes out of
`candidate_bsn_reveal` only; it is never logged, never part of an audit record.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.services import audit_record, audit_snapshot
from core.validators import iban_normalise
from members.models import Municipality
from placements.bsn import bsn_decrypt, bsn_encrypt, bsn_lookup_hash
from placements.models import Candidate
from placements.validators import bsn_normalise, postcode_normalise

CANDIDATE_FIELDS = [
    "client_number",
    "first_name",
    "last_name",
    "birth_date",
    "iban",
    "status",
    "left_for_work_on",
    "wage_cost_subsidy",
    "street",
    "house_number",
    "postcode",
    "city",
]


def _candidate_snapshot(candidate: Candidate) -> dict[str, Any]:
    data = audit_snapshot(candidate, fields=["municipality_id", *CANDIDATE_FIELDS])
    data["bsn"] = candidate.bsn_masked
    data["iban"] = candidate.iban_masked
    return data


def _apply_bsn(candidate: Candidate, bsn: str) -> None:
    if not bsn:
        candidate.bsn_encrypted = candidate.bsn_hash = candidate.bsn_last_digits = ""
        return
    try:
        number = bsn_normalise(bsn)
    except ValidationError as error:
        raise ValidationError({"bsn": error.messages}) from None
    candidate.bsn_encrypted = bsn_encrypt(number)
    candidate.bsn_hash = bsn_lookup_hash(number)
    candidate.bsn_last_digits = number[-4:]


def _apply_candidate_fields(candidate: Candidate, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(CANDIDATE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown candidate fields: {', '.join(sorted(unknown))}")
    if fields.get("iban"):
        try:
            fields["iban"] = iban_normalise(fields["iban"])
        except ValidationError as error:
            raise ValidationError({"iban": error.messages}) from None
    if fields.get("postcode"):
        try:
            fields["postcode"] = postcode_normalise(fields["postcode"])
        except ValidationError as error:
            raise ValidationError({"postcode": error.messages}) from None
    for name, value in fields.items():
        setattr(candidate, name, value)
    if candidate.status != Candidate.Status.LEFT_FOR_WORK:
        candidate.left_for_work_on = None


def _apply_candidate_changes(
    candidate: Candidate, *, fields: dict[str, Any], bsn: str | None
) -> None:
    """Apply fields and BSN, reporting the IBAN and BSN errors together."""
    errors: dict[str, list] = {}
    try:
        _apply_candidate_fields(candidate, fields)
    except ValidationError as error:
        errors.update(error.error_dict)
    if bsn is not None:
        try:
            _apply_bsn(candidate, bsn)
        except ValidationError as error:
            errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)


def candidate_check(*, candidate: Candidate, bsn: str | None = None, **fields: Any) -> None:
    """Apply `fields` and `bsn` to `candidate` in memory and validate it, as the services
    below do (they call it; so does the admin, on a copy, while its form validates). Raises
    ValidationError; writes nothing."""
    _apply_candidate_changes(candidate, fields=fields, bsn=bsn)
    candidate.full_clean()


@transaction.atomic
def candidate_create(
    *, actor, municipality: Municipality, bsn: str = "", **fields: Any
) -> Candidate:
    """Register a candidate. `fields`: client number, names, birth date, IBAN, status, ..."""
    candidate = Candidate(municipality=municipality)
    candidate_check(candidate=candidate, bsn=bsn, **fields)
    candidate.save()
    audit_record(
        actor=actor, action="candidate.create", obj=candidate, after=_candidate_snapshot(candidate)
    )
    return candidate


@transaction.atomic
def candidate_update(
    *, candidate: Candidate, actor, bsn: str | None = None, **fields: Any
) -> Candidate:
    """Change a candidate. `bsn`: None leaves it, "" removes it, a number replaces it."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    before = _candidate_snapshot(candidate)
    candidate_check(candidate=candidate, bsn=bsn, **fields)
    candidate.save()
    audit_record(
        actor=actor,
        action="candidate.update",
        obj=candidate,
        before=before,
        after=_candidate_snapshot(candidate),
    )
    return candidate


@transaction.atomic
def candidate_bsn_reveal(*, candidate: Candidate, actor) -> str:
    """The full BSN, for someone who may see the candidate; every call is in the audit trail."""
    from placements.selectors import candidate_list_for_user

    if not candidate_list_for_user(user=actor).filter(pk=candidate.pk).exists():
        raise PermissionDenied(_("You may not see this candidate."))
    stored = Candidate.objects.only("pk", "bsn_encrypted").get(pk=candidate.pk)
    if not stored.bsn_encrypted:
        return ""
    audit_record(
        actor=actor,
        action="candidate.bsn_reveal",
        obj=candidate,
        summary="The full BSN was shown.",
    )
    return bsn_decrypt(stored.bsn_encrypted)


def candidate_find_by_bsn(*, municipality: Municipality, bsn: str) -> Candidate | None:
    """The municipality's candidate with this BSN, found by its keyed hash (no decryption)."""
    return Candidate.objects.filter(
        municipality=municipality, bsn_hash=bsn_lookup_hash(bsn_normalise(bsn))
    ).first()
