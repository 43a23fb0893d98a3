"""Candidates and clients: identifiers validated, the BSN encrypted at rest and every full
view of it in the audit trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from core.models import AuditEvent
from core.validators import iban_normalise
from placements.models import Candidate, Client
from placements.services import (
    candidate_bsn_reveal,
    candidate_create,
    candidate_find_by_bsn,
    candidate_update,
    client_create,
    client_update,
)
from placements.validators import bsn_normalise, kvk_normalise, vat_normalise
from tests.placements.factories import CandidateFactory, ClientFactory

BSN = "111222333"


def _candidate(town, actor, **overrides):
    values = {
        "municipality": town,
        "client_number": "GR-001",
        "first_name": "Anna",
        "last_name": "de Boer",
        "birth_date": datetime.date(1985, 3, 1),
    }
    values.update(overrides)
    return candidate_create(actor=actor, **values)


# --- Identifiers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("111222333", "111222333"), ("1112.22.333", "111222333"), ("123456782", "123456782")],
)
def test_bsn_valid(raw, stored):
    assert bsn_normalise(raw) == stored


@pytest.mark.parametrize("raw", ["111222334", "12345678", "1234567890", "abcdefghi", ""])
def test_bsn_invalid(raw):
    with pytest.raises(ValidationError, match="11-proof"):
        bsn_normalise(raw)


def test_iban_valid_and_normalised():
    assert iban_normalise("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"


@pytest.mark.parametrize("raw", ["NL91ABNA0417164301", "NL91ABNA041716", "XX00", "not an iban"])
def test_iban_invalid(raw):
    with pytest.raises(ValidationError, match="not a valid IBAN"):
        iban_normalise(raw)


@pytest.mark.parametrize(("raw", "stored"), [("12345678", "12345678"), ("1234 5678", "12345678")])
def test_kvk_valid(raw, stored):
    assert kvk_normalise(raw) == stored


@pytest.mark.parametrize("raw", ["1234567", "123456789", "1234567a", ""])
def test_kvk_invalid(raw):
    with pytest.raises(ValidationError, match="exactly eight digits"):
        kvk_normalise(raw)


def test_vat_valid_and_invalid():
    assert vat_normalise("nl 0044.95.445.b01") == "NL004495445B01"
    with pytest.raises(ValidationError, match="not a valid VAT"):
        vat_normalise("NL004495446B01")


# --- Candidates ----------------------------------------------------------------------------


def test_candidate_create_stores_compact_iban_and_audits(town, back_office_user):
    candidate = _candidate(town, back_office_user, iban="nl91 abna 0417 1643 00", bsn=BSN)
    assert candidate.iban == "NL91ABNA0417164300"
    assert candidate.iban_masked == "NL************4300"
    assert candidate.bsn_masked == "*****2333"
    event = AuditEvent.objects.get(action="candidate.create")
    assert BSN not in str(event.changes)
    assert "NL91ABNA0417164300" not in str(event.changes)


def test_candidate_create_refuses_bad_bsn_and_iban(town, back_office_user):
    with pytest.raises(ValidationError) as error:
        _candidate(town, back_office_user, bsn="111222334")
    assert "bsn" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _candidate(town, back_office_user, iban="NL00ABNA0417164300")
    assert "iban" in error.value.message_dict
    assert not Candidate.objects.exists()


def test_bsn_encrypted_at_rest(town, back_office_user):
    candidate = _candidate(town, back_office_user, bsn=BSN)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_to_json(c)::text FROM placements_candidate c WHERE id = %s",
            [candidate.pk],
        )
        (row,) = cursor.fetchone()
    assert BSN not in row
    assert candidate.bsn_encrypted.startswith("gAAAA")  # a Fernet token
    assert BSN not in str(candidate)
    assert BSN not in repr(candidate)


def test_bsn_reveal_is_audited(town, town_coordinator, back_office_user):
    candidate = _candidate(town, back_office_user, bsn=BSN)
    assert candidate_bsn_reveal(candidate=candidate, actor=town_coordinator) == BSN
    event = AuditEvent.objects.get(action="candidate.bsn_reveal")
    assert event.actor == town_coordinator
    assert event.object_id == str(candidate.pk)
    assert BSN not in event.summary + str(event.changes) + event.object_repr


def test_bsn_reveal_refused_outside_scope(town, other_town_coordinator, back_office_user):
    candidate = _candidate(town, back_office_user, bsn=BSN)
    with pytest.raises(PermissionDenied):
        candidate_bsn_reveal(candidate=candidate, actor=other_town_coordinator)
    assert not AuditEvent.objects.filter(action="candidate.bsn_reveal").exists()


def test_bsn_unique_per_municipality_found_by_hash(town, other_town, back_office_user):
    first = _candidate(town, back_office_user, bsn=BSN)
    with pytest.raises(ValidationError, match="already has a candidate with this BSN"):
        _candidate(town, back_office_user, client_number="GR-002", bsn="1112.22.333")
    _candidate(other_town, back_office_user, bsn=BSN)  # another municipality may
    assert candidate_find_by_bsn(municipality=town, bsn=BSN) == first


def test_client_number_unique_per_municipality(town, other_town, back_office_user):
    _candidate(town, back_office_user)
    with pytest.raises(ValidationError, match="already has a candidate with this client number"):
        _candidate(town, back_office_user)
    _candidate(other_town, back_office_user)


def test_candidate_update_replaces_and_removes_bsn(town, back_office_user):
    candidate = _candidate(town, back_office_user, bsn=BSN)
    candidate = candidate_update(candidate=candidate, actor=back_office_user, first_name="Ans")
    assert candidate.bsn_masked == "*****2333"  # untouched
    candidate = candidate_update(candidate=candidate, actor=back_office_user, bsn="123456782")
    assert candidate_bsn_reveal(candidate=candidate, actor=back_office_user) == "123456782"
    candidate = candidate_update(candidate=candidate, actor=back_office_user, bsn="")
    assert not candidate.has_bsn and candidate.bsn_hash == "" and candidate.bsn_masked == ""
    update = AuditEvent.objects.filter(action="candidate.update").order_by("id")[1]
    assert update.changes["bsn"] == ["*****2333", "*****6782"]


def test_left_for_work_needs_a_date(town, back_office_user):
    candidate = _candidate(town, back_office_user)
    with pytest.raises(ValidationError, match="left for regular work"):
        candidate_update(
            candidate=candidate, actor=back_office_user, status=Candidate.Status.LEFT_FOR_WORK
        )
    candidate = candidate_update(
        candidate=candidate,
        actor=back_office_user,
        status=Candidate.Status.LEFT_FOR_WORK,
        left_for_work_on=datetime.date(2026, 4, 1),
    )
    assert candidate.left_for_work_on == datetime.date(2026, 4, 1)


def test_premium_age_rule(db):
    young = CandidateFactory.build(birth_date=datetime.date(2000, 6, 15))
    assert not young.earns_premium_on(datetime.date(2027, 6, 14))
    assert young.earns_premium_on(datetime.date(2027, 6, 15))
    young.wage_cost_subsidy = True
    assert young.earns_premium_on(datetime.date(2020, 1, 1))


# --- Clients -------------------------------------------------------------------------------


def _client_values(**overrides):
    values = {
        "name": "Bakkerij Bol B.V.",
        "kvk_number": "1234 5678",
        "vat_number": "nl004495445b01",
        "billing_address": "Vismarkt 2, Groningen",
        "billing_email": "facturen@bol.example.nl",
        "contact_person": "M. Bol",
        "framework_agreement_date": datetime.date(2026, 1, 5),
    }
    values.update(overrides)
    return values


def test_client_create_normalises(back_office_user):
    client = client_create(actor=back_office_user, **_client_values())
    assert (client.kvk_number, client.vat_number) == ("12345678", "NL004495445B01")
    assert AuditEvent.objects.filter(action="client.create", object_id=str(client.pk)).exists()


@pytest.mark.parametrize(
    ("field", "value"), [("kvk_number", "1234567"), ("vat_number", "NL004495446B01")]
)
def test_client_create_refuses_invalid(back_office_user, field, value):
    with pytest.raises(ValidationError) as error:
        client_create(actor=back_office_user, **_client_values(**{field: value}))
    assert field in error.value.message_dict
    assert not Client.objects.exists()


def test_client_kvk_unique_and_update(back_office_user):
    client = client_create(actor=back_office_user, **_client_values())
    with pytest.raises(ValidationError, match="KvK number already exists"):
        client_create(actor=back_office_user, **_client_values(name="Ander"))
    client = client_update(client=client, actor=back_office_user, contact_person="K. Bol")
    assert client.contact_person == "K. Bol"


def test_kvk_check_constraint_in_database(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        ClientFactory(kvk_number="1234")


def test_the_postal_address_is_optional_and_the_postcode_normalised(town, back_office_user):
    assert _candidate(town, back_office_user).address_lines == []  # no address: none shown
    candidate = _candidate(
        town,
        back_office_user,
        client_number="K-2",
        street="Grote Markt",
        house_number="1a",
        postcode=" 9712hn ",
        city="Groningen",
    )
    assert candidate.postcode == "9712 HN"
    assert candidate.address_lines == ["Grote Markt 1a", "9712 HN  GRONINGEN"]
    for wrong in ("0712 HN", "9712 H", "97123 HN", "HN 9712"):
        with pytest.raises(ValidationError) as error:
            _candidate(town, back_office_user, client_number=f"K-{wrong}", postcode=wrong)
        assert "postcode" in error.value.message_dict, wrong
