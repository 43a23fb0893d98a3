"""Paying the split of approved settlements: the instructions (once, also concurrently), their
amounts, the pain.001 transfer file per half-year (valid against its XSD, sums equal to its
instructions, every end-to-end id traceable to its settlement), the triggers, and the admin."""

import os
import re
import threading
import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest
import sepaxml
import xmlschema
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.urls import reverse

import settlements.admin.payments  # noqa: F401 - registers the admins (settlements/admin does too)
from accounts.roles import Role
from settlements.models import Period, SettlementPayment, SettlementTransferFile
from settlements.services.payments import (
    settlement_payments_create,
    settlement_payments_waiting,
    settlement_transfer_file_make,
)
from tests.database_roles import owner_cursor
from tests.factories import MunicipalityFactory, UserFactory
from tests.settlements.test_settlements_statement import MUNICIPALITY_IBAN, approved_settlement

pytestmark = pytest.mark.django_db

H1 = Period(2026, 1)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
OPERATOR_IBAN = "NL91ABNA0417164300"
NEGATIVE = {
    "months": (("2026-02-01", "60.00", "1000.00", "800.00"),),
    "clients": (("Sportvereniging De Ster", "60.00", "1000.00", "800.00"),),
}
SMALL = {
    "months": (("2026-05-01", "10.00", "150.00", "20.00"),),
    "clients": (("Bakkerij Korenschoof", "10.00", "150.00", "20.00"),),
}


@pytest.fixture(autouse=True)
def _accounts(settings):
    settings.NVSI_NAME = "Nederlandse Vereniging voor Sociale Innovatie"
    settings.NVSI_IBAN = "NL86INGB0002445588"
    settings.NVSI_BIC = "INGBNL2A"
    settings.OPERATOR_NAME = "Flextensie Nederland B.V."
    settings.OPERATOR_IBAN = OPERATOR_IBAN
    settings.OPERATOR_BIC = "ABNANL2A"


@pytest.fixture
def back_office_user(db):
    return UserFactory(email="maker@operator.example.nl", role=Role.BACK_OFFICE, is_staff=True)


def municipality(name: str, code: str, iban: str = MUNICIPALITY_IBAN):
    return MunicipalityFactory(name=name, cbs_code=code, settlement_iban=iban)


def paid(settlement) -> dict:
    return {p.payee: (p.name, p.iban, p.amount) for p in settlement.payments.all()}


def transactions(transfer_file) -> list[dict]:
    root = ET.fromstring(transfer_file.xml.encode())  # noqa: S314 - our own file
    return [
        {
            "end_to_end": tx.find("p:PmtId/p:EndToEndId", NS).text,
            "amount": D(tx.find("p:Amt/p:InstdAmt", NS).text),
            "iban": tx.find("p:CdtrAcct/p:Id/p:IBAN", NS).text,
            "name": tx.find("p:Cdtr/p:Nm", NS).text,
            "remittance": tx.find("p:RmtInf/p:Ustrd", NS).text,
        }
        for tx in root.iter(f"{{{NS['p']}}}CdtTrfTxInf")
    ]


# --- The instructions -------------------------------------------------------------------------


def test_the_municipality_gets_its_result_and_the_operator_its_fee_net_of_its_contribution():
    settlement = approved_settlement()
    made = settlement_payments_create(settlement_id=settlement.pk)
    assert len(made) == 2
    assert paid(settlement) == {
        "municipality": ("Groningen", MUNICIPALITY_IBAN, D("6918.51")),
        "operator": ("Flextensie Nederland B.V.", OPERATOR_IBAN, D("3580.24")),
    }
    # NVSI keeps Cm + Co; the candidates' premiums are paid by their payout runs.
    paid_out = sum(p.amount for p in settlement.payments.all())
    assert paid_out + settlement.nvsi_receives + settlement.premiums == settlement.gross
    assert settlement.nvsi_receives == D("246.92")


def test_making_the_instructions_twice_has_one_effect():
    settlement = approved_settlement()
    first = settlement_payments_create(settlement_id=settlement.pk)
    assert settlement_payments_create(settlement_id=settlement.pk) == []
    assert sorted(settlement.payments.values_list("pk", flat=True)) == sorted(p.pk for p in first)


def test_a_negative_result_is_not_paid_to_the_municipality():
    settlement = approved_settlement(**NEGATIVE)
    assert settlement.result == D("-110.00")
    settlement_payments_create(settlement_id=settlement.pk)
    assert paid(settlement) == {
        "operator": ("Flextensie Nederland B.V.", OPERATOR_IBAN, D("290.00")),
    }
    assert settlement_payments_waiting(period=H1) == []  # owed, not waiting for an IBAN


def test_a_settlement_that_is_not_approved_pays_nothing():
    settlement = approved_settlement(approve=False)
    assert settlement_payments_create(settlement_id=settlement.pk) == []
    assert not SettlementPayment.objects.exists()


def test_without_a_valid_iban_the_municipality_waits_and_is_paid_once_it_is_filled_in(
    back_office_user,
):
    town = municipality("Groningen", "GM0014", iban="")
    settlement = approved_settlement(municipality=town)
    settlement_payments_create(settlement_id=settlement.pk)
    assert set(paid(settlement)) == {"operator"}
    waiting = settlement_payments_waiting(period=H1)
    assert [(w.settlement, w.due.payee, w.due.amount) for w in waiting] == [
        (settlement, "municipality", D("6918.51"))
    ]

    first = settlement_transfer_file_make(period=H1, actor=back_office_user)
    assert [t["end_to_end"] for t in transactions(first)] == [f"NVSI-AF{settlement.pk}-U"]

    town.settlement_iban = MUNICIPALITY_IBAN
    town.save(update_fields=["settlement_iban"])
    second = settlement_transfer_file_make(period=H1, actor=back_office_user)
    assert second.sequence == 2
    assert transactions(second) == [
        {
            "end_to_end": f"NVSI-AF{settlement.pk}-G",
            "amount": D("6918.51"),
            "iban": MUNICIPALITY_IBAN,
            "name": "Groningen",
            "remittance": "Afrekening Groningen 2026-H1",
        }
    ]
    assert settlement_payments_waiting(period=H1) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_make_each_instruction_once(monkeypatch):
    monkeypatch.setattr("settlements.tasks.settlement_approved_task.delay", lambda pk: None)
    settlement = approved_settlement()
    workers = 6
    barrier = threading.Barrier(workers)
    made, errors = [], []

    def run():
        try:
            barrier.wait(timeout=30)
            made.extend(settlement_payments_create(settlement_id=settlement.pk))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(made) == 2
    assert SettlementPayment.objects.filter(settlement=settlement).count() == 2


# --- The transfer file ------------------------------------------------------------------------


@pytest.fixture
def half_year():
    """Three approved settlements of 2026-H1 (one negative) with their instructions, one of
    2026-H2 and one submitted settlement of 2026-H1 (neither belongs in the H1 file)."""
    groningen = approved_settlement()
    assen = approved_settlement(municipality=municipality("Assen", "GM0106"), **SMALL)
    emmen = approved_settlement(municipality=municipality("Emmen", "GM0114"), **NEGATIVE)
    later = approved_settlement(
        municipality=municipality("Zwolle", "GM0193"),
        half=2,
        months=(("2026-08-01", "10.00", "150.00", "20.00"),),
        clients=(("Bakkerij Korenschoof", "10.00", "150.00", "20.00"),),
    )
    waiting = approved_settlement(municipality=municipality("Hoorn", "GM0405"), approve=False)
    for settlement in (groningen, assen, emmen, later):
        settlement_payments_create(settlement_id=settlement.pk)
    return {"groningen": groningen, "assen": assen, "emmen": emmen, "h2": later, "open": waiting}


def test_the_transfer_file_is_valid_and_adds_up_to_its_instructions(half_year, back_office_user):
    transfer_file = settlement_transfer_file_make(period=H1, actor=back_office_user)
    xsd = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
    xmlschema.XMLSchema(xsd).validate(transfer_file.xml)

    instructions = SettlementPayment.objects.filter(transfer_file=transfer_file)
    expected = D("6918.51") + D("3580.24") + D("83.50") + D("43.50") + D("290.00")
    assert (transfer_file.year, transfer_file.half, transfer_file.sequence) == (2026, 1, 1)
    assert transfer_file.total == sum(p.amount for p in instructions) == expected
    assert transfer_file.payment_count == instructions.count() == 5
    assert not SettlementPayment.objects.filter(
        settlement=half_year["h2"], transfer_file__isnull=False
    ).exists()

    root = ET.fromstring(transfer_file.xml.encode())  # noqa: S314 - our own file
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.find("p:MsgId", NS).text == transfer_file.message_id == "NVSI-AF-2026H1-1"
    assert D(header.find("p:CtrlSum", NS).text) == expected
    assert int(header.find("p:NbOfTxs", NS).text) == 5
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert D(info.find("p:CtrlSum", NS).text) == expected
    assert info.find("p:DbtrAcct/p:Id/p:IBAN", NS).text == "NL86INGB0002445588"
    assert info.find("p:DbtrAgt/p:FinInstnId/p:BIC", NS).text == "INGBNL2A"
    assert sum(t["amount"] for t in transactions(transfer_file)) == expected


def test_every_end_to_end_id_leads_to_its_settlement_and_payee(half_year, back_office_user):
    transfer_file = settlement_transfer_file_make(period=H1, actor=back_office_user)
    letters = {"G": "municipality", "U": "operator"}
    seen = set()
    for tx in transactions(transfer_file):
        match = re.fullmatch(r"NVSI-AF(\d+)-([GU])", tx["end_to_end"])
        assert match, tx["end_to_end"]
        payment = SettlementPayment.objects.select_related("settlement__municipality").get(
            settlement_id=int(match[1]), payee=letters[match[2]]
        )
        assert (payment.amount, payment.iban, payment.transfer_file_id) == (
            tx["amount"],
            tx["iban"],
            transfer_file.pk,
        )
        settlement = payment.settlement
        assert tx["remittance"] == f"Afrekening {settlement.municipality.name} 2026-H1"
        expected = (
            settlement.result if payment.payee == "municipality" else settlement.operator_receives
        )
        assert tx["amount"] == expected
        seen.add(tx["end_to_end"])
    emmen = half_year["emmen"].pk
    assert f"NVSI-AF{emmen}-G" not in seen  # a negative result is owed, not paid
    assert f"NVSI-AF{emmen}-U" in seen
    assert len(seen) == 5


def test_making_it_again_with_nothing_new_makes_no_file(half_year, back_office_user):
    first = settlement_transfer_file_make(period=H1, actor=back_office_user)
    assert settlement_transfer_file_make(period=H1, actor=back_office_user) is None
    assert list(SettlementTransferFile.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_later_approval_goes_into_the_next_file_of_the_half_year(half_year, back_office_user):
    first = settlement_transfer_file_make(period=H1, actor=back_office_user)
    from settlements.services import settlement_approve

    treasurer = UserFactory(email="piet@nvsi.example.nl")
    late = settlement_approve(settlement=half_year["open"], actor=treasurer)
    # The approval task never ran (say the broker was down): making the file catches up.
    second = settlement_transfer_file_make(period=H1, actor=back_office_user)
    assert (second.sequence, second.message_id) == (2, "NVSI-AF-2026H1-2")
    assert {t["end_to_end"] for t in transactions(second)} == {
        f"NVSI-AF{late.pk}-G",
        f"NVSI-AF{late.pk}-U",
    }
    assert first.payments.count() == 5
    assert second.total == late.result + late.operator_receives
    h2 = settlement_transfer_file_make(period=Period(2026, 2), actor=back_office_user)
    assert (h2.year, h2.half, h2.sequence, h2.payment_count) == (2026, 2, 1, 2)


def test_only_the_back_office_makes_transfer_files(half_year):
    treasurer = UserFactory(email="piet@nvsi.example.nl")
    with pytest.raises(PermissionDenied):
        settlement_transfer_file_make(period=H1, actor=treasurer)
    assert not SettlementTransferFile.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_back_office_users_at_once_make_one_file(monkeypatch):
    monkeypatch.setattr("settlements.tasks.settlement_approved_task.delay", lambda pk: None)
    approved_settlement()
    approved_settlement(municipality=municipality("Assen", "GM0106"), **SMALL)
    makers = [
        UserFactory(email=f"maker{n}@operator.example.nl", role=Role.BACK_OFFICE, is_staff=True)
        for n in range(4)
    ]
    barrier = threading.Barrier(len(makers))
    results, errors = [], []

    def make(actor):
        try:
            barrier.wait(timeout=30)
            results.append(settlement_transfer_file_make(period=H1, actor=actor))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=make, args=(actor,)) for actor in makers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    files = [result for result in results if result is not None]
    assert len(files) == 1 and results.count(None) == 3
    assert SettlementTransferFile.objects.count() == 1
    assert SettlementPayment.objects.count() == 4
    assert SettlementPayment.objects.filter(transfer_file=files[0]).count() == 4


# --- Never changed ----------------------------------------------------------------------------


def test_the_triggers_refuse_changing_instructions_and_files(half_year, back_office_user):
    transfer_file = settlement_transfer_file_make(period=H1, actor=back_office_user)
    payment = transfer_file.payments.first()
    other = SettlementTransferFile.objects.create(
        year=2026,
        half=1,
        sequence=9,
        message_id="forged",
        xml="<forged/>",
        total=D("1.00"),
        payment_count=1,
    )
    refused = [
        lambda: SettlementPayment.objects.filter(pk=payment.pk).update(amount=D("1.00")),
        lambda: SettlementPayment.objects.filter(pk=payment.pk).update(iban="NL23BUNQ0123456789"),
        lambda: SettlementPayment.objects.filter(pk=payment.pk).update(transfer_file=other),
        lambda: SettlementPayment.objects.filter(pk=payment.pk).update(transfer_file=None),
        lambda: SettlementTransferFile.objects.filter(pk=transfer_file.pk).update(xml="<x/>"),
        lambda: SettlementTransferFile.objects.filter(pk=transfer_file.pk).update(total=D("0.01")),
    ]
    for change in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    deletes = [
        ("DELETE FROM settlements_settlementpayment WHERE id = %s", payment.pk),
        ("DELETE FROM settlements_settlementtransferfile WHERE id = %s", transfer_file.pk),
    ]
    for delete, pk in deletes:
        # The portal may not delete them at all; the trigger refuses the owner too.
        with (
            pytest.raises(ProgrammingError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(delete, [pk])
        with pytest.raises(IntegrityError, match="never"), owner_cursor() as cursor:
            cursor.execute(delete, [pk])
    payment.refresh_from_db()
    assert payment.transfer_file_id == transfer_file.pk


def test_an_instruction_not_in_a_file_changes_only_by_being_put_in_one(half_year):
    payment = SettlementPayment.objects.filter(transfer_file__isnull=True).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementPayment.objects.filter(pk=payment.pk).update(amount=payment.amount + 1)


def test_the_database_refuses_a_second_instruction_for_the_same_payee():
    settlement = approved_settlement()
    settlement_payments_create(settlement_id=settlement.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementPayment.objects.create(
            settlement=settlement,
            payee="operator",
            name="Flextensie Nederland B.V.",
            iban=OPERATOR_IBAN,
            amount=D("1.00"),
        )


# --- Admin ------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, back_office_with_mfa):
    client.force_login(back_office_with_mfa)
    return client


def test_the_back_office_makes_the_file_in_the_admin_and_downloads_it(half_year, staff_client):
    url = reverse("admin:settlements_settlementtransferfile_make")
    page = staff_client.get(url, {"period": "2026-H1"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "2026-H1" in content

    response = staff_client.post(url, {"period": "2026-H1"})
    transfer_file = SettlementTransferFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:settlements_settlementtransferfile_change", args=[transfer_file.pk]
    )
    again = staff_client.post(url, {"period": "2026-H1"}, follow=True)
    assert SettlementTransferFile.objects.count() == 1
    assert again.status_code == 200

    download = staff_client.get(
        reverse("admin:settlements_settlementtransferfile_xml", args=[transfer_file.pk])
    )
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/xml")
    assert download["Content-Disposition"].startswith("attachment;")
    assert "afrekening-2026-H1-1.xml" in download["Content-Disposition"]
    assert download.content.decode() == transfer_file.xml

    for name in ("settlementtransferfile", "settlementpayment", "settlementstatement"):
        listing = staff_client.get(reverse(f"admin:settlements_{name}_changelist"))
        assert listing.status_code == 200, name
        assert staff_client.get(reverse(f"admin:settlements_{name}_add")).status_code == 403
    change = staff_client.get(
        reverse("admin:settlements_settlementtransferfile_change", args=[transfer_file.pk])
    )
    assert change.status_code == 200
    assert "NVSI-AF" in change.content.decode()


def test_the_admin_shows_payees_waiting_for_an_iban(staff_client):
    town = municipality("Groningen", "GM0014", iban="")
    settlement = approved_settlement(municipality=town)
    settlement_payments_create(settlement_id=settlement.pk)
    page = staff_client.get(
        reverse("admin:settlements_settlementtransferfile_make"), {"period": "2026-H1"}
    )
    assert page.status_code == 200
    assert str(settlement) in page.content.decode()
    assert page.context["summary"]["waiting"][0].due.amount == D("6918.51")


def test_the_statement_downloads_from_the_admin(staff_client):
    from settlements.services.statement import settlement_statement_store

    statement = settlement_statement_store(settlement_id=approved_settlement().pk)
    response = staff_client.get(
        reverse("admin:settlements_settlementstatement_pdf", args=[statement.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_treasurer_sees_but_cannot_make_a_file(half_year, client):
    treasurer = UserFactory(email="piet.mfa@nvsi.example.nl", role=Role.TREASURER, mfa=True)
    treasurer.is_staff = True
    treasurer.save(update_fields=["is_staff"])
    client.force_login(treasurer)
    assert client.get(reverse("admin:settlements_settlementpayment_changelist")).status_code == 200
    url = reverse("admin:settlements_settlementtransferfile_make")
    assert client.post(url, {"period": "2026-H1"}).status_code == 403
    assert not SettlementTransferFile.objects.exists()


# --- From real documents (the shared fixtures) --------------------------------------------------


def test_a_settlement_computed_from_its_invoices_pays_its_split(approved, town, back_office_user):
    settlement_payments_create(settlement_id=approved.pk)
    expected = {"operator": approved.operator_receives}
    if approved.result > 0:
        expected["municipality"] = approved.result
    assert {p.payee: p.amount for p in approved.payments.all()} == expected
    if approved.result > 0:
        assert approved.payments.get(payee="municipality").iban == town.settlement_iban
    transfer_file = settlement_transfer_file_make(period=H1, actor=back_office_user)
    assert transfer_file.total == sum(expected.values())
