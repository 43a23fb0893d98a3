"""Members' models: the rules the database and model validation enforce on their own."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from members.models import Contract, Membership, Municipality
from members.validators import validate_cbs_code
from tests.factories import (
    ContractFactory,
    LabourMarketRegionFactory,
    MembershipFactory,
    MunicipalityFactory,
)

D = datetime.date


def _refused_by_database(**kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        kwargs.pop("factory")(**kwargs)


def _violation_message(model, name: str) -> str:
    constraint = next(c for c in model._meta.constraints if c.name == name)
    return constraint.get_violation_error_message()


# --- CBS codes --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["GM0014", "GM1952", "GM0363", "GM0000"])
def test_cbs_code_valid(code):
    validate_cbs_code(code)


@pytest.mark.parametrize(
    "code",
    ["gm0014", "GM014", "GM00145", "0014", "GM 014", "GMabcd", "PV0020", "", " GM0014", "GM0014\n"],
)
def test_cbs_code_invalid(code):
    with pytest.raises(ValidationError) as error:
        validate_cbs_code(code)
    assert error.value.code == "invalid_cbs_code"


@pytest.mark.django_db
def test_municipality_validation_reports_cbs_code_on_its_field():
    municipality = Municipality(
        cbs_code="GM14", name="Groningen", region=LabourMarketRegionFactory()
    )
    with pytest.raises(ValidationError) as error:
        municipality.full_clean()
    assert "cbs_code" in error.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["GM12A4", "XX0014", "gm0014", "GM014"])
def test_database_refuses_malformed_cbs_code(code):
    # The check constraint holds even for writes that skip model validation.
    _refused_by_database(factory=MunicipalityFactory, cbs_code=code)


@pytest.mark.django_db
def test_cbs_code_unique():
    MunicipalityFactory(cbs_code="GM0014")
    _refused_by_database(factory=MunicipalityFactory, cbs_code="GM0014")


# --- Memberships ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((D(2020, 1, 1), None), (D(2025, 1, 1), None)),  # open-ended first one
        ((D(2020, 1, 1), D(2024, 12, 31)), (D(2024, 6, 1), D(2025, 6, 1))),
        ((D(2020, 1, 1), D(2024, 12, 31)), (D(2024, 12, 31), None)),  # both hold one day
        ((D(2024, 1, 1), None), (D(2020, 1, 1), D(2024, 1, 1))),
    ],
)
def test_membership_overlap_refused_by_database(municipality, first, second):
    MembershipFactory(municipality=municipality, start_date=first[0], end_date=first[1])
    _refused_by_database(
        factory=MembershipFactory,
        municipality=municipality,
        start_date=second[0],
        end_date=second[1],
    )


@pytest.mark.django_db
def test_membership_overlap_reported_by_validation(municipality):
    MembershipFactory(municipality=municipality, start_date=D(2020, 1, 1), end_date=None)
    membership = Membership(
        municipality=municipality, status=Membership.Status.ACTIVE, start_date=D(2025, 1, 1)
    )
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert error.value.messages == [_violation_message(Membership, "membership_no_overlap")]


@pytest.mark.django_db
def test_memberships_may_follow_each_other_and_other_municipalities_are_independent(
    municipality, other_municipality
):
    MembershipFactory(municipality=municipality, start_date=D(2020, 1, 1), end_date=D(2024, 12, 31))
    MembershipFactory(municipality=municipality, start_date=D(2025, 1, 1), end_date=None)
    MembershipFactory(municipality=other_municipality, start_date=D(2020, 1, 1), end_date=None)
    assert Membership.objects.count() == 3


@pytest.mark.django_db
def test_ended_membership_needs_end_date(municipality):
    _refused_by_database(
        factory=MembershipFactory,
        municipality=municipality,
        status=Membership.Status.ENDED,
        end_date=None,
    )


@pytest.mark.django_db
def test_membership_end_before_start_refused(municipality):
    _refused_by_database(
        factory=MembershipFactory,
        municipality=municipality,
        start_date=D(2025, 1, 1),
        end_date=D(2024, 12, 31),
    )


@pytest.mark.parametrize(
    ("status", "day", "active"),
    [
        (Membership.Status.ACTIVE, D(2024, 12, 31), False),
        (Membership.Status.ACTIVE, D(2025, 1, 1), True),
        (Membership.Status.ACTIVE, D(2025, 12, 31), True),
        (Membership.Status.ACTIVE, D(2026, 1, 1), False),
        (Membership.Status.PROSPECTIVE, D(2025, 6, 1), False),
        (Membership.Status.ENDED, D(2025, 6, 1), False),
    ],
)
def test_membership_is_active_on(status, day, active):
    membership = Membership(status=status, start_date=D(2025, 1, 1), end_date=D(2025, 12, 31))
    assert membership.is_active_on(day) is active


def test_open_ended_membership_stays_active():
    membership = Membership(status=Membership.Status.ACTIVE, start_date=D(2025, 1, 1))
    assert membership.is_active_on(D(2040, 1, 1))


# --- Contracts --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("trait", [{}, {"region_contract": True}, {"execution": True}])
def test_contract_kinds_with_their_party_are_accepted(trait):
    contract = ContractFactory(**trait)
    contract.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"municipality": None}, id="municipality-contract-without-municipality"),
        pytest.param({"region": "region"}, id="municipality-contract-with-region"),
        pytest.param({"operator_fee_percentage": Decimal("30")}, id="municipality-contract-fee"),
        pytest.param(
            {"kind": Contract.Kind.REGION, "region": None}, id="region-contract-without-region"
        ),
        pytest.param({"kind": Contract.Kind.REGION}, id="region-contract-with-municipality"),
        pytest.param(
            {"kind": Contract.Kind.EXECUTION, "operator_fee_percentage": Decimal("30")},
            id="execution-contract-with-municipality",
        ),
        pytest.param(
            {"kind": Contract.Kind.EXECUTION, "municipality": None},
            id="execution-contract-without-fee",
        ),
    ],
)
def test_contract_party_must_match_kind(overrides, municipality):
    overrides = dict(overrides)
    if overrides.get("region") == "region":
        overrides["region"] = municipality.region
    if overrides.get("kind") == Contract.Kind.REGION and "region" not in overrides:
        overrides["region"] = municipality.region
    overrides.setdefault("municipality", municipality)
    _refused_by_database(factory=ContractFactory, **overrides)


@pytest.mark.django_db
def test_only_one_execution_contract():
    ContractFactory(execution=True)
    _refused_by_database(factory=ContractFactory, execution=True)


@pytest.mark.django_db
def test_second_execution_contract_reported_by_validation():
    ContractFactory(execution=True)
    contract = ContractFactory.build(execution=True)
    with pytest.raises(ValidationError) as error:
        contract.full_clean()
    assert error.value.messages == [_violation_message(Contract, "contract_single_execution")]


TODAY = D(2026, 3, 1)


@pytest.mark.parametrize(
    ("end_date", "warns"),
    [
        (TODAY + datetime.timedelta(days=89), True),
        (TODAY + datetime.timedelta(days=90), True),
        (TODAY + datetime.timedelta(days=91), False),
        (TODAY, True),
        (TODAY - datetime.timedelta(days=1), False),  # already ended: no longer "about to"
        (None, False),
    ],
)
def test_contract_expiry_warning(end_date, warns):
    contract = Contract(start_date=D(2025, 1, 1), end_date=end_date)
    assert contract.expires_soon(TODAY) is warns


def test_contract_expiry_warning_period_is_a_setting(settings):
    settings.CONTRACT_EXPIRY_WARNING_DAYS = 30
    contract = Contract(start_date=D(2025, 1, 1), end_date=TODAY + datetime.timedelta(days=31))
    assert not contract.expires_soon(TODAY)
    assert contract.days_until_end(TODAY) == 31


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.mark.django_db
def test_signed_document_pdf_accepted():
    contract = ContractFactory()
    contract.signed_document = SimpleUploadedFile("contract.pdf", PDF, "application/pdf")
    contract.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("contract.pdf", b"PK\x03\x04 this is a Word file renamed"),
        ("contract.docx", PDF),
    ],
)
def test_signed_document_must_be_pdf(name, content):
    contract = ContractFactory()
    contract.signed_document = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError) as error:
        contract.full_clean()
    assert list(error.value.message_dict) == ["signed_document"]


@pytest.mark.django_db
def test_signed_document_size_limit(settings):
    settings.SIGNED_DOCUMENT_MAX_BYTES = 1_048_576
    contract = ContractFactory()
    contract.signed_document = SimpleUploadedFile("contract.pdf", PDF.ljust(1_048_576, b" "))
    contract.full_clean()  # exactly at the limit
    contract.signed_document = SimpleUploadedFile("contract.pdf", PDF.ljust(1_048_577, b" "))
    with pytest.raises(ValidationError) as error:
        contract.full_clean()
    assert [e.code for e in error.value.error_dict["signed_document"]] == ["file_too_large"]


@pytest.mark.django_db
def test_contract_with_a_stored_document_saves_even_if_the_file_is_gone():
    """A stored document was checked on upload; editing the contract must not re-read it."""
    contract = ContractFactory()
    contract.signed_document = SimpleUploadedFile("contract.pdf", PDF, "application/pdf")
    contract.full_clean()
    contract.save()
    contract.signed_document.storage.delete(contract.signed_document.name)
    contract = Contract.objects.get(pk=contract.pk)
    contract.notes = "Verlengd tot 2028"
    contract.full_clean()
    contract.save()
