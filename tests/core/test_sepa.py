import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.sepa import SepaPayment, cents, sepa_credit_transfer_file


def _payment(**overrides) -> SepaPayment:
    fields = {
        "name": "J. Jansen",
        "iban": "NL91ABNA0417164300",
        "amount": Decimal("12.50"),
        "end_to_end_id": "NVSI-TEST-1",
        "description": "Test",
    }
    return SepaPayment(**{**fields, **overrides})


def test_cents_refuses_a_fraction_of_a_cent():
    assert cents(Decimal("12.34")) == 1234
    with pytest.raises(ValueError):
        cents(Decimal("0.005"))


def test_a_named_file_carries_its_message_id_and_control_sum():
    sepa_file = sepa_credit_transfer_file(
        payments=[_payment(), _payment(amount=Decimal("0.05"), bic="ABNANL2A")],
        execution_date=datetime.date(2026, 7, 15),
        message_id="NVSI-AF-2026H1-1-" + "x" * 40,
    )
    assert sepa_file.message_id == ("NVSI-AF-2026H1-1-" + "x" * 40)[:35]
    assert f"<MsgId>{sepa_file.message_id}</MsgId>" in sepa_file.xml
    assert sepa_file.control_sum == Decimal("12.55")


def test_without_a_name_the_file_keeps_sepaxmls_message_id():
    sepa_file = sepa_credit_transfer_file(
        payments=[_payment()], execution_date=datetime.date(2026, 7, 15)
    )
    assert sepa_file.message_id and f"<MsgId>{sepa_file.message_id}</MsgId>" in sepa_file.xml


def test_a_file_the_xsd_refuses_is_not_made():
    with pytest.raises(ValidationError) as caught:
        sepa_credit_transfer_file(
            payments=[_payment(iban="not an iban")], execution_date=datetime.date(2026, 7, 15)
        )
    assert caught.value.code == "sepa_invalid"
