"""Payout runs: lines and exclusions, at most two payouts a year, four eyes, one effect when
run twice, and the pain.001 file valid against its XSD with sums equal to the run."""

import datetime
import os
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import sepaxml
import xmlschema
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from accounts.roles import Role
from placements.models import TimeEntry
from placements.services import time_entries_approve, time_entry_update
from premiums.models import PayoutExclusion, PayoutLine, PayoutRun, PremiumAccrual
from premiums.selectors import payout_run_get_for_user
from premiums.services import payout_run_approve, payout_run_mark_paid, payout_run_prepare
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    PlacementsUserFactory,
    TimeEntryFactory,
)

D = Decimal
JUNE = datetime.date(2026, 6, 30)
DECEMBER = datetime.date(2026, 12, 31)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def work(candidate, days, *, actor, hours="8.00", month=3):
    assignment = AssignmentFactory(
        candidate=candidate,
        active=True,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    entries = [
        TimeEntryFactory(
            assignment=assignment, work_date=datetime.date(2026, month, d), hours=D(hours)
        )
        for d in days
    ]
    time_entries_approve(entries=entries, actor=actor)
    return entries


@pytest.fixture
def paid_candidates(town, framework, back_office_user):
    """Anna 3 days (48.00), Bram 1 day of 7.25 hours (14.50), Cees without an IBAN (16.00),
    Dirk under 27 (nothing), Erik in the other town (16.00)."""
    anna = CandidateFactory(municipality=town, first_name="Anna", last_name="Aalders")
    bram = CandidateFactory(
        municipality=town, first_name="Bram", last_name="Bakker", iban="NL20INGB0001234567"
    )
    cees = CandidateFactory(municipality=town, first_name="Cees", last_name="Claassen", iban="")
    dirk = CandidateFactory(
        municipality=town,
        first_name="Dirk",
        last_name="Dekker",
        birth_date=datetime.date(2005, 1, 1),
    )
    work(anna, [2, 3, 4], actor=back_office_user)
    work(bram, [2], actor=back_office_user, hours="7.25")
    work(cees, [2], actor=back_office_user)
    work(dirk, [2], actor=back_office_user)
    return anna, bram, cees, dirk


@pytest.fixture
def erik(other_town, framework, back_office_user):
    erik = CandidateFactory(municipality=other_town, first_name="Erik", last_name="Evers")
    work(erik, [2], actor=back_office_user)
    return erik


def test_prepare_lists_payable_candidates_and_the_others_with_reason(
    town, paid_candidates, erik, back_office_user
):
    anna, bram, cees, _dirk = paid_candidates
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    lines = {line.candidate: line for line in run.lines.all()}
    assert set(lines) == {anna, bram}
    assert (lines[anna].amount, lines[anna].hours, lines[anna].sequence) == (
        D("48.00"),
        D("24.00"),
        1,
    )
    assert lines[bram].amount == D("14.50")
    assert (run.total, run.line_count, run.status) == (D("62.50"), 2, "prepared")
    assert [(e.candidate, e.reason, e.amount) for e in run.exclusions.all()] == [
        (cees, PayoutExclusion.Reason.NO_IBAN, D("16.00"))
    ]
    # each accrual paid by one line; Cees's stays unpaid for the next run
    assert set(PremiumAccrual.objects.filter(payout_line__run=run)) == set(
        PremiumAccrual.objects.filter(candidate__in=[anna, bram])
    )
    assert PremiumAccrual.objects.get(candidate=cees).payout_line is None


def test_prepare_only_on_a_payout_moment_and_only_by_the_back_office(
    town, framework, back_office_user, town_coordinator
):
    with pytest.raises(ValidationError) as error:
        payout_run_prepare(
            municipality=town, payout_date=datetime.date(2026, 6, 15), actor=back_office_user
        )
    assert "not a payout moment" in str(error.value)
    with pytest.raises(PermissionDenied):
        payout_run_prepare(municipality=town, payout_date=JUNE, actor=town_coordinator)


def test_prepare_twice_has_one_effect(town, paid_candidates, back_office_user):
    first = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    work(paid_candidates[0], [10], actor=back_office_user)  # approved after preparing
    again = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    assert again == first
    assert PayoutRun.objects.count() == 1
    assert PayoutLine.objects.count() == 2
    assert again.total == D("62.50")


def test_accruals_after_the_payout_date_wait(town, framework, back_office_user):
    anna = CandidateFactory(municipality=town)
    work(anna, [2], actor=back_office_user, month=7)
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    assert run.line_count == 0


def test_third_payout_in_a_year_is_refused(town, framework, back_office_user, town_coordinator):
    anna = CandidateFactory(municipality=town)
    work(anna, [2], actor=back_office_user, month=3)
    payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    work(anna, [2], actor=back_office_user, month=8)
    december = payout_run_prepare(municipality=town, payout_date=DECEMBER, actor=back_office_user)
    assert december.lines.get().sequence == 2
    # A third moment (the local framework changed mid-year): left out, premium stays unpaid.
    from members.models import Framework

    Framework.objects.create(
        scope=Framework.Scope.LOCAL,
        municipality=town,
        valid_from=datetime.date(2026, 12, 1),
        payout_moments=["12-30"],
    )
    work(anna, [10], actor=back_office_user, month=9)
    third = payout_run_prepare(
        municipality=town, payout_date=datetime.date(2026, 12, 30), actor=back_office_user
    )
    assert third.line_count == 0
    assert third.exclusions.get().reason == PayoutExclusion.Reason.LIMIT_REACHED
    assert PremiumAccrual.objects.get(work_date=datetime.date(2026, 9, 10)).payout_line is None
    # and the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutLine.objects.create(
            run=third,
            candidate=anna,
            year=2026,
            sequence=3,
            candidate_name="x",
            iban=anna.iban,
            hours=D("8"),
            amount=D("16.00"),
        )


def test_paid_premium_reversed_later_is_set_off_against_the_next_payout(
    town, framework, back_office_user, town_coordinator
):
    anna = CandidateFactory(municipality=town)
    entries = work(anna, [2, 3], actor=back_office_user)
    june = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    assert june.total == D("32.00")
    time_entry_update(entry=entries[0], actor=back_office_user, hours=D("4.00"))
    time_entries_approve(entries=TimeEntry.objects.filter(pk=entries[0].pk), actor=back_office_user)
    work(anna, [2], actor=back_office_user, month=9)
    december = payout_run_prepare(municipality=town, payout_date=DECEMBER, actor=back_office_user)
    assert december.total == D("8.00")  # -16.00 + 8.00 (corrected) + 16.00 (September)


# --- Four eyes and approval -----------------------------------------------------------------


def test_coordinator_approves_and_the_sepa_file_is_valid_with_the_run_sums(
    town, paid_candidates, back_office_user, town_coordinator, settings
):
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    run = payout_run_approve(run=run, actor=town_coordinator)
    assert (run.status, run.approved_by) == ("approved", town_coordinator)
    xsd = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")
    xmlschema.XMLSchema(xsd).validate(run.sepa_xml)

    root = ET.fromstring(run.sepa_xml.encode())  # noqa: S314 - our own file
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert D(header.find("p:CtrlSum", NS).text) == run.total == D("62.50")
    assert int(header.find("p:NbOfTxs", NS).text) == 2
    assert header.find("p:MsgId", NS).text == run.sepa_message_id
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert D(info.find("p:CtrlSum", NS).text) == D("62.50")
    assert info.find("p:DbtrAcct/p:Id/p:IBAN", NS).text == settings.NVSI_IBAN
    assert info.find("p:DbtrAgt/p:FinInstnId/p:BIC", NS).text == settings.NVSI_BIC
    payments = {
        tx.find("p:CdtrAcct/p:Id/p:IBAN", NS).text: D(tx.find("p:Amt/p:InstdAmt", NS).text)
        for tx in info.findall("p:CdtTrfTxInf", NS)
    }
    assert payments == {line.iban: line.amount for line in run.lines.all()}
    assert (
        sum(payments.values())
        == run.total
        == sum(PremiumAccrual.objects.filter(payout_line__run=run).values_list("amount", flat=True))
    )


def test_approving_twice_has_one_effect(town, paid_candidates, back_office_user, town_coordinator):
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    first = payout_run_approve(run=run, actor=town_coordinator)
    second_coordinator = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town])
    again = payout_run_approve(run=run, actor=second_coordinator)
    assert (again.approved_by, again.sepa_xml, again.approved_at) == (
        town_coordinator,
        first.sepa_xml,
        first.approved_at,
    )


def test_the_preparer_cannot_approve(town, paid_candidates, town_coordinator):
    both = PlacementsUserFactory(role=Role.BACK_OFFICE, is_staff=True, municipalities=[town])
    both.groups.add(*town_coordinator.groups.all())
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=both)
    with pytest.raises(PermissionDenied):
        payout_run_approve(run=run, actor=both)
    run.refresh_from_db()
    assert run.status == "prepared"
    # the database holds the line too
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutRun.objects.filter(pk=run.pk).update(approved_by=both)


def test_a_coordinator_of_another_municipality_cannot_approve_or_see(
    town, paid_candidates, back_office_user, other_town_coordinator, town_coordinator
):
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    with pytest.raises(PermissionDenied):
        payout_run_approve(run=run, actor=other_town_coordinator)
    with pytest.raises(Http404):
        payout_run_get_for_user(user=other_town_coordinator, pk=run.pk)
    assert payout_run_get_for_user(user=town_coordinator, pk=run.pk) == run
    with pytest.raises(PermissionDenied):
        payout_run_approve(run=run, actor=back_office_user)


def test_mark_paid_once_after_approval(town, paid_candidates, back_office_user, town_coordinator):
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    with pytest.raises(ValidationError):
        payout_run_mark_paid(run=run, actor=back_office_user, paid_on=JUNE)
    payout_run_approve(run=run, actor=town_coordinator)
    run = payout_run_mark_paid(run=run, actor=back_office_user, paid_on=datetime.date(2026, 7, 1))
    again = payout_run_mark_paid(run=run, actor=back_office_user, paid_on=datetime.date(2026, 7, 9))
    assert (again.status, again.paid_on) == ("paid", datetime.date(2026, 7, 1))
    with pytest.raises(PermissionDenied):
        payout_run_mark_paid(run=run, actor=town_coordinator, paid_on=JUNE)


def test_an_empty_run_cannot_be_approved(town, framework, back_office_user, town_coordinator):
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    with pytest.raises(ValidationError):
        payout_run_approve(run=run, actor=town_coordinator)
