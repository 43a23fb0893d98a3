"""An approval stands when its statement cannot be made at that moment; the daily catch-up
makes the statement and payment instructions that are missing."""

import pytest
from django.db import transaction

from settlements.models import SettlementPayment, SettlementStatement
from settlements.services import settlement_approve
from settlements.tasks import settlement_approved_catch_up_task


@pytest.mark.django_db(transaction=True)
def test_a_failing_statement_does_not_undo_the_approval_and_is_caught_up(
    submitted, treasurer_user, monkeypatch, caplog
):
    def broken(**kwargs):
        raise OSError("fonts missing")

    monkeypatch.setattr("settlements.services.statement.settlement_statement_store", broken)
    with transaction.atomic():
        approved = settlement_approve(settlement=submitted, actor=treasurer_user)
    approved.refresh_from_db()
    assert approved.status == approved.Status.APPROVED
    assert not SettlementStatement.objects.filter(settlement=approved).exists()
    assert "fonts missing" in caplog.text

    monkeypatch.undo()
    settlement_approved_catch_up_task()
    assert SettlementStatement.objects.filter(settlement=approved).count() == 1
    payments = SettlementPayment.objects.filter(settlement=approved).count()
    settlement_approved_catch_up_task()  # nothing missing: nothing more
    assert SettlementStatement.objects.filter(settlement=approved).count() == 1
    assert SettlementPayment.objects.filter(settlement=approved).count() == payments > 0
