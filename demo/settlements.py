"""Demo data for settlements (`manage.py seed_demo`, after billing and premiums).

The billing demo invoices the hours of the last twelve complete months, each month dated
early in the month after. The demo hours begin in December 2025, so the half-year two back
has no documents (its settlements are zero, settled all the same: every member is, and it is
Heerenveen's last, its membership having ended on 31 December 2025), the last complete
half-year is full and the running one has its invoices so far.

Through the services only, as the back office and the treasurer would do it:

1. Each member municipality gets a settlement IBAN (BNG Bank, where municipalities bank),
   through `municipality_save`, so approved results are paid.
2. The half-year two back and the last complete one: a run (`settlement_run_period`, in this
   process) computes every member's draft; the back office submits each
   (`settlement_submit`); the treasurer approves them (`settlement_approve`; the submitter
   never approves), except Midden-Groningen's last complete half-year, left submitted and
   waiting in the treasurer's queue.
3. The running half-year: computed as provisional drafts by a run.
4. NVSI pays the last complete half-year's approved results: the back office makes one
   transfer file (`settlement_transfer_file_make`), which the treasurer and the board find
   under /toezicht/overboekingen/. Midden-Groningen, still waiting, is not in it.

Each approval queues the statement and the payment instructions (settlements.tasks) on
commit: in this process without a broker, about half a second a statement (twenty of them,
some ten seconds of the seed), on the workers with one. Nothing is deferred: a statement is
rendered once, at its approval, and a later seed approves nothing new.

Idempotent: a half-year with a run is not run again, only drafts are submitted and only
submitted settlements (not the waiting one) approved, and an IBAN already set is left alone.
A second seed changes nothing.
"""

import datetime

from django.db import transaction
from schwifty import IBAN

from accounts.models import User
from members.models import Municipality
from members.services import municipality_save
from settlements.models import Period, Settlement, SettlementRun, SettlementTransferFile
from settlements.services import (
    settlement_approve,
    settlement_submit,
    settlement_transfer_file_make,
)
from settlements.services.runs import settlement_run_municipalities, settlement_run_period

BACK_OFFICE_EMAIL = "backoffice@demo.nvsi.nl"
TREASURER_EMAIL = "treasurer@demo.nvsi.nl"
DEMO_BOARD_EMAIL = "bestuur@demo.nvsi.nl"
WAITING_CODE = "GM1952"  # Midden-Groningen: its last complete half-year awaits the treasurer


def demo_settlement_iban(municipality: Municipality) -> str:
    """A valid Dutch IBAN at BNG Bank, made from the CBS code (NLkk BNGH 0285 cccc 01)."""
    digits = municipality.cbs_code.removeprefix("GM")
    return IBAN.generate("NL", bank_code="BNGH", account_code=f"0285{digits}01").compact


def demo_periods(today: datetime.date) -> tuple[list[Period], Period]:
    """(the two half-years settled and approved, the running one)."""
    running = Period.containing(today)
    return [running.previous.previous, running.previous], running


def _run_once(period: Period, *, actor) -> None:
    if SettlementRun.objects.filter(year=period.year, half=period.half).exists():
        return
    run = settlement_run_period(period=period, actor=actor)
    if run.status != SettlementRun.Status.DONE:
        raise RuntimeError(f"The demo settlement run of {period} failed: {run.error}")


def seed_settlements(*, today: datetime.date) -> dict[str, int]:
    back_office = User.objects.get(email=BACK_OFFICE_EMAIL)
    treasurer = User.objects.get(email=TREASURER_EMAIL)
    board = User.objects.get(email=DEMO_BOARD_EMAIL)
    settled, running = demo_periods(today)

    members = set()
    for period in (*settled, running):
        members.update(settlement_run_municipalities(period=period))
    for municipality in sorted(members, key=lambda m: m.cbs_code):
        if not municipality.settlement_iban:
            municipality.settlement_iban = demo_settlement_iban(municipality)
            # The settlement account is NVSI's to record, not the operator's (accounts.roles).
            municipality_save(municipality=municipality, actor=board)

    for period in (*settled, running):
        _run_once(period, actor=back_office)

    waiting = settled[-1]
    for period in settled:
        settlements = Settlement.objects.filter(year=period.year, half=period.half).order_by(
            "municipality__name"
        )
        for settlement in settlements.filter(status=Settlement.Status.DRAFT):
            settlement_submit(settlement=settlement, actor=back_office)
        to_approve = settlements.filter(status=Settlement.Status.SUBMITTED)
        if period == waiting:
            to_approve = to_approve.exclude(municipality__cbs_code=WAITING_CODE)
        for settlement in to_approve:
            settlement_approve(settlement=settlement, actor=treasurer)

    # A second seed finds nothing new to pay and makes no file.
    with transaction.atomic():
        settlement_transfer_file_make(period=waiting, actor=back_office)

    settlements = Settlement.objects.all()
    return {
        f"approved ({', '.join(map(str, settled))})": settlements.filter(
            status=Settlement.Status.APPROVED
        ).count(),
        "submitted, awaiting the treasurer": settlements.filter(
            status=Settlement.Status.SUBMITTED
        ).count(),
        f"provisional drafts ({running})": settlements.filter(
            year=running.year, half=running.half, status=Settlement.Status.DRAFT
        ).count(),
        f"transfer files ({waiting})": SettlementTransferFile.objects.filter(
            year=waiting.year, half=waiting.half
        ).count(),
    }
