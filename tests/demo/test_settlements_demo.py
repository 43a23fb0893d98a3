"""`manage.py seed_demo`, settlements part: two half-years settled and approved (the back
office submitted, the treasurer approved), one settlement submitted and waiting for the
treasurer, the running half-year as provisional drafts; every member has a settlement IBAN;
seeding the settlements again changes nothing. (No statements are rendered here: approval
queues them on commit, and the test's transaction never commits.)"""

from django.utils import timezone

from core.validators import iban_normalise
from demo.settlements import WAITING_CODE, demo_periods
from settlements.models import Settlement
from settlements.services.runs import settlement_run_municipalities


def test_a_second_seed_changes_nothing(data):
    first, second, output = data
    assert first == second
    assert "Settlements: " in output and "awaiting the treasurer" in output


def test_two_half_years_approved_by_the_treasurer_after_the_back_office(data):
    settled, _running = demo_periods(timezone.localdate())
    for period in settled:
        settlements = Settlement.objects.filter(year=period.year, half=period.half)
        members = set(settlement_run_municipalities(period=period).values_list("pk", flat=True))
        assert set(settlements.values_list("municipality_id", flat=True)) == members
        approved = settlements.filter(status=Settlement.Status.APPROVED)
        assert approved.exists()
        for settlement in approved.select_related("submitted_by", "decided_by"):
            assert settlement.submitted_by.email == "backoffice@demo.nvsi.nl"
            assert settlement.decided_by.email == "treasurer@demo.nvsi.nl"
            assert settlement.fingerprint
            assert settlement.lines.exists() or settlement.gross == 0
    # The last complete half-year is a full one: revenue for the demo coordinator's towns.
    full = Settlement.objects.get(
        year=settled[-1].year, half=settled[-1].half, municipality__cbs_code="GM0014"
    )
    assert full.status == Settlement.Status.APPROVED
    assert full.gross > 0 and full.premiums > 0


def test_one_settlement_waits_for_the_treasurer(data):
    settled, _running = demo_periods(timezone.localdate())
    waiting = Settlement.objects.get(status=Settlement.Status.SUBMITTED)
    assert (waiting.municipality.cbs_code, waiting.period) == (WAITING_CODE, settled[-1])
    assert waiting.submitted_by.email == "backoffice@demo.nvsi.nl"
    assert waiting.decided_by is None
    assert waiting.gross > 0


def test_the_running_half_year_is_provisional(data):
    _settled, running = demo_periods(timezone.localdate())
    drafts = Settlement.objects.filter(year=running.year, half=running.half)
    members = set(settlement_run_municipalities(period=running).values_list("pk", flat=True))
    assert set(drafts.values_list("municipality_id", flat=True)) == members
    assert set(drafts.values_list("status", flat=True)) == {Settlement.Status.DRAFT}
    assert drafts.filter(gross__gt=0).exists()
    assert not Settlement.objects.filter(status=Settlement.Status.REJECTED).exists()


def test_every_member_has_a_valid_settlement_iban(data):
    settled, running = demo_periods(timezone.localdate())
    for period in (*settled, running):
        for municipality in settlement_run_municipalities(period=period):
            assert municipality.settlement_iban.startswith("NL")
            assert iban_normalise(municipality.settlement_iban) == municipality.settlement_iban
