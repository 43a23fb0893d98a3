"""Payout runs and settlement transfer files: the lists and details show IBANs masked, the
SEPA file downloads as stored (it is the file the bank gets) and every download is recorded
in the audit trail; a run not approved yet has no file."""

import csv
import io

import pytest
from django.urls import reverse

from core.models import AuditEvent
from supervision.services import SEPA_DOWNLOAD_ACTION
from tests.supervision.conftest import CANDIDATE_IBAN, COUNTERPARTY_IBAN

pytestmark = pytest.mark.django_db


def test_the_payout_run_list_and_its_filters(treasurer_client, account):
    url = reverse("supervision:payout_runs")
    runs = treasurer_client.get(url).context["page"].object_list
    assert {r.municipality.name for r in runs} == {"Aadorp", "Beekdorp"}
    paid = treasurer_client.get(url, {"status": "paid"}).context["page"].object_list
    assert [r.pk for r in paid] == [account["run"].pk]
    beekdorp = treasurer_client.get(url, {"municipality": "GM9002"}).context["page"].object_list
    assert [r.pk for r in beekdorp] == [account["prepared_run"].pk]
    assert not treasurer_client.get(url, {"year": 2025}).context["page"].object_list


def test_the_run_detail_masks_the_iban(board_client, account):
    response = board_client.get(reverse("supervision:payout_run", args=[account["run"].pk]))
    content = response.content.decode()
    assert CANDIDATE_IBAN not in content
    assert "NL************6789" in content
    assert "Kandidaat Aadorp" in content
    exported = b"".join(
        board_client.get(
            reverse("supervision:payout_run", args=[account["run"].pk]), {"format": "csv"}
        ).streaming_content
    ).decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(exported), delimiter=";"))
    assert row["IBAN"] == "NL************6789"
    assert row["Bedrag"] == "16,00"


def test_the_sepa_download_is_the_file_and_is_audited(
    treasurer_client, treasurer_with_mfa, account
):
    run = account["run"]
    response = treasurer_client.get(reverse("supervision:payout_run_sepa", args=[run.pk]))
    assert response.status_code == 200
    assert response.content.decode() == run.sepa_xml
    assert CANDIDATE_IBAN in response.content.decode()
    assert 'filename="premie-GM9001-2026-06-30.xml"' in response["Content-Disposition"]
    event = AuditEvent.objects.get(action=SEPA_DOWNLOAD_ACTION)
    assert event.actor == treasurer_with_mfa
    assert (event.content_type.model, event.object_id) == ("payoutrun", str(run.pk))
    assert "premie-GM9001-2026-06-30.xml" in event.summary


def test_a_prepared_run_has_no_file(treasurer_client, account):
    run = account["prepared_run"]
    assert (
        treasurer_client.get(reverse("supervision:payout_run_sepa", args=[run.pk])).status_code
        == 404
    )
    assert not AuditEvent.objects.filter(action=SEPA_DOWNLOAD_ACTION).exists()


def test_a_refused_download_is_not_recorded(coordinator_client, account):
    url = reverse("supervision:payout_run_sepa", args=[account["run"].pk])
    assert coordinator_client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=SEPA_DOWNLOAD_ACTION).exists()


def test_the_transfer_file_download_is_audited(board_client, board_with_mfa, account):
    transfer_file = account["transfer_file"]
    listed = board_client.get(reverse("supervision:transfer_files")).context["page"].object_list
    assert [f.pk for f in listed] == [transfer_file.pk]
    response = board_client.get(reverse("supervision:transfer_file_sepa", args=[transfer_file.pk]))
    assert response.content.decode() == transfer_file.xml
    assert COUNTERPARTY_IBAN in response.content.decode()
    assert 'filename="afrekening-2026-H1-1.xml"' in response["Content-Disposition"]
    event = AuditEvent.objects.get(action=SEPA_DOWNLOAD_ACTION)
    assert (event.actor, event.object_id) == (board_with_mfa, str(transfer_file.pk))
    assert event.content_type.model == "settlementtransferfile"
