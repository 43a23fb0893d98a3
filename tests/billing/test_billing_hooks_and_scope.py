"""The PDF hooks are queued on commit; the selectors show a coordinator their own lines."""

import pytest

from billing import tasks
from billing.selectors import (
    credit_note_list_for_user,
    invoice_line_list_for_user,
    invoice_list_for_user,
    invoice_run_list_for_user,
)
from billing.services import credit_note_create, invoice_finalise
from tests.billing.factories import APRIL_2, approved_hours, billable_assignment, draft_invoice
from tests.billing.factories import march_days as days
from tests.placements.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_issuing_queues_the_pdf_on_commit(
    framework, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.invoice_render_pdf_task, "delay", queued.append)
    monkeypatch.setattr(
        tasks.credit_note_render_pdf_task, "delay", lambda pk: queued.append(("credit", pk))
    )
    draft = draft_invoice()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice = invoice_finalise(invoice=draft, actor=None, invoice_date=APRIL_2)
    assert queued == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued == [invoice.pk]
    with django_capture_on_commit_callbacks(execute=True):
        note = credit_note_create(invoice=invoice, actor=None, reason="Wrong")
    assert queued[-1] == ("credit", note.pk)


def test_a_coordinator_sees_only_the_lines_of_their_municipalities(
    framework, town, other_town, town_coordinator, back_office_user, treasurer_user
):
    client = ClientFactory()
    ours = billable_assignment(client=client, candidate__municipality=town)
    theirs = billable_assignment(client=client, candidate__municipality=other_town)
    approved_hours(ours, *days("8.00"))
    approved_hours(theirs, *days("8.00"))
    invoice = invoice_finalise(
        invoice=draft_invoice(client=client), actor=None, invoice_date=APRIL_2
    )
    credit_note_create(
        invoice=invoice, actor=None, reason="x", lines=[invoice.lines.get(assignment=theirs)]
    )

    lines = invoice_line_list_for_user(user=town_coordinator)
    assert [line.assignment_id for line in lines] == [ours.pk]
    assert list(invoice_list_for_user(user=town_coordinator)) == [invoice]
    assert not credit_note_list_for_user(user=town_coordinator).exists()
    assert not invoice_run_list_for_user(user=town_coordinator).exists()
    for user in (back_office_user, treasurer_user):
        assert invoice_line_list_for_user(user=user).count() == 2
        assert credit_note_list_for_user(user=user).count() == 1
