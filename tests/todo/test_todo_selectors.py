"""The to-do items per role: exact counts, the scope of a coordinator, the order of the rows,
and a number of queries that does not grow with the municipalities a coordinator covers."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from billing.services import invoice_draft_create, invoice_finalise
from governance.models import Advice, MemberRequest, Proposal
from members.models import Contract, Framework
from placements.models import Assignment
from premiums.models import PayoutRun
from settlements.models import Settlement, SettlementPayment
from tests.clock import clock_at
from tests.factories import ContractFactory, MunicipalityFactory, UserFactory
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    ClientFactory,
    TimeEntryFactory,
)
from tests.todo.conftest import TODAY
from todo.selectors import (
    todo_count_for_user,
    todo_for_back_office,
    todo_for_board,
    todo_for_coordinator,
    todo_for_representative,
    todo_for_treasurer,
    todo_for_user,
)

pytestmark = pytest.mark.django_db


def counts(items) -> dict[str, int]:
    return {item.key: item.count for item in items}


def item(items, key):
    return next(i for i in items if i.key == key)


def requested(municipality, *, start, **kwargs):
    return AssignmentFactory(
        candidate=CandidateFactory(municipality=municipality),
        start_date=start,
        end_date=start + datetime.timedelta(days=60),
        **kwargs,
    )


# --- Coordinator ---------------------------------------------------------------------------


@pytest.fixture
def coordinator_world(
    framework,
    municipality,
    other_municipality,
    make_settlement,
    make_run,
    make_proposal,
):
    """Work of Groningen (the coordinator's) and of Assen (someone else's)."""
    later = requested(municipality, start=datetime.date(2026, 6, 1))
    soonest = requested(municipality, start=datetime.date(2026, 5, 4))
    middle = requested(municipality, start=datetime.date(2026, 5, 18))
    requested(other_municipality, start=datetime.date(2026, 4, 20))
    AssignmentFactory(candidate=CandidateFactory(municipality=municipality), approved=True)

    run = make_run(municipality)
    make_run(other_municipality)
    make_run(municipality, payout_date=datetime.date(2025, 12, 31), status=PayoutRun.Status.PAID)

    make_settlement(municipality, status=Settlement.Status.SUBMITTED)
    make_settlement(municipality, status=Settlement.Status.APPROVED, year=2025, half=2)
    make_settlement(
        municipality,
        status=Settlement.Status.APPROVED,
        year=2025,
        half=1,
        when=timezone.now() - datetime.timedelta(days=60),
    )
    make_settlement(municipality, status=Settlement.Status.DRAFT, year=2024, half=2)
    make_settlement(other_municipality, status=Settlement.Status.REJECTED)

    ending = TODAY + datetime.timedelta(days=30)
    ContractFactory(municipality=municipality, reference="GRO-1", end_date=ending)
    renewed = ContractFactory(municipality=municipality, reference="GRO-2", end_date=ending)
    ContractFactory(
        municipality=municipality,
        reference="GRO-3",
        start_date=ending + datetime.timedelta(days=1),
        end_date=None,
        renews=renewed,
    )
    ContractFactory(municipality=municipality, reference="GRO-4", end_date=TODAY.replace(2027))
    ContractFactory(municipality=other_municipality, reference="ASS-1", end_date=ending)

    make_proposal(electors=[municipality, other_municipality])
    make_proposal(electors=[municipality, other_municipality], voted=[municipality])
    make_proposal(electors=[other_municipality])
    return {"soonest": soonest, "middle": middle, "later": later, "run": run}


def test_the_coordinator_sees_the_work_of_their_municipality_only(coordinator, coordinator_world):
    items = todo_for_coordinator(user=coordinator, today=TODAY)

    assert counts(items) == {
        "assignment_requests": 3,
        "payout_runs": 1,
        "settlement_news": 2,
        "contracts_ending": 1,
        "open_votes": 1,
    }
    rows = item(items, "assignment_requests").rows
    assert [row.url for row in rows] == [
        f"/opdrachten/{coordinator_world[key].pk}/" for key in ("soonest", "middle", "later")
    ]
    assert rows[0].detail == (f"starts 04-05-2026, requested on {timezone.localdate():%d-%m-%Y}")
    assert item(items, "payout_runs").rows[0].url == (
        f"/premies/betaalmomenten/{coordinator_world['run'].pk}/"
    )
    assert [row.label for row in item(items, "contracts_ending").rows] == [
        "GRO-1 (Groningen (GM0014))"
    ]


def test_the_other_coordinator_counts_only_assen(other_coordinator, coordinator_world):
    assert counts(todo_for_coordinator(user=other_coordinator, today=TODAY)) == {
        "assignment_requests": 1,
        "payout_runs": 1,
        "settlement_news": 1,
        "contracts_ending": 1,
        "open_votes": 3,
    }


def test_a_region_contract_covering_the_municipality_is_ending_too(coordinator, framework):
    contract = ContractFactory(
        region_contract=True, reference="REG-1", end_date=TODAY + datetime.timedelta(days=10)
    )
    contract.covered_municipalities.add(coordinator.coordinated_municipalities.get())

    assert item(todo_for_coordinator(user=coordinator, today=TODAY), "contracts_ending").count == 1


def test_nothing_to_do_counts_zero_everywhere(coordinator, framework):
    items = todo_for_coordinator(user=coordinator, today=TODAY)

    assert set(counts(items).values()) == {0}
    assert all(i.rows == () for i in items)


def _fill(municipality, make_settlement, make_run):
    requested(municipality, start=datetime.date(2026, 5, 4))
    make_run(municipality)
    make_settlement(municipality, status=Settlement.Status.SUBMITTED)
    ContractFactory(municipality=municipality, end_date=TODAY + datetime.timedelta(days=30))


def test_the_queries_do_not_grow_with_the_municipalities(
    framework, make_settlement, make_run, django_assert_num_queries
):
    """One municipality or four: the same number of queries (the roles, one for every count,
    one for the rows of each item that has work)."""
    one = MunicipalityFactory(cbs_code="GM0001", name="Een")
    four = [MunicipalityFactory(cbs_code=f"GM001{n}", name=f"Vier {n}") for n in range(4)]
    for municipality in [one, *four]:
        _fill(municipality, make_settlement, make_run)
    single = UserFactory(role=Role.COORDINATOR, municipalities=[one])
    many = UserFactory(role=Role.COORDINATOR, municipalities=four)

    with django_assert_num_queries(6):
        sections = todo_for_user(user=single, today=TODAY)
    assert sections[0].total == 4
    with django_assert_num_queries(6):
        sections = todo_for_user(user=many, today=TODAY)
    assert sections[0].total == 16


def test_the_menu_count_is_one_query(coordinator, coordinator_world, django_assert_num_queries):
    coordinator.groups.all()  # roles are read once per request, by the menu too
    todo_for_user(user=coordinator, today=TODAY)
    with django_assert_num_queries(1):
        assert todo_count_for_user(user=coordinator, today=TODAY) == 8


# --- Treasurer -----------------------------------------------------------------------------


def test_the_treasurer_reviews_submitted_settlements_and_transfers(
    treasurer_with_mfa, municipality, other_municipality, framework, make_settlement
):
    make_settlement(municipality, status=Settlement.Status.SUBMITTED)
    make_settlement(other_municipality, status=Settlement.Status.SUBMITTED)
    make_settlement(municipality, status=Settlement.Status.REJECTED, year=2025, half=2)
    approved = make_settlement(other_municipality, status=Settlement.Status.APPROVED, half=2)
    for payee in SettlementPayment.Payee.values:
        SettlementPayment.objects.create(
            settlement=approved,
            payee=payee,
            name="Assen",
            iban="NL91ABNA0417164300",
            amount=Decimal("100.00"),
        )

    items = todo_for_treasurer(user=treasurer_with_mfa, today=TODAY)

    assert counts(items) == {
        "settlements_to_review": 2,
        "transfers_to_make": 2,
        "below_minimum_rate": 0,
    }
    assert [row.label for row in item(items, "settlements_to_review").rows] == [
        "Groningen 2026-H1",
        "Assen 2026-H1",
    ]


@pytest.fixture
def rates(framework, municipality, other_municipality):
    """Running assignments around the minimum of 14.71 (Assen's local minimum: 17.00)."""
    Framework.objects.create(
        scope=Framework.Scope.LOCAL,
        municipality=other_municipality,
        valid_from=datetime.date(2026, 1, 1),
        client_hourly_rate_min=Decimal("17.00"),
    )

    def make(municipality, rate, **kwargs):
        return AssignmentFactory(
            candidate=CandidateFactory(municipality=municipality),
            hourly_rate=Decimal(rate),
            **{"active": True, **kwargs},
        )

    return {
        "below": make(municipality, "14.70"),
        "at": make(municipality, "14.71"),
        "below_local": make(other_municipality, "16.50"),
        "above_local": make(other_municipality, "17.00"),
        "approved_below": make(municipality, "14.06", active=False, approved=True),
        "ended_below": make(municipality, "14.06", end_date=TODAY - datetime.timedelta(days=1)),
        "requested_below": make(municipality, "14.06", active=False),
    }


def test_running_assignments_below_the_minimum_in_force(treasurer_with_mfa, rates):
    below = item(todo_for_treasurer(user=treasurer_with_mfa, today=TODAY), "below_minimum_rate")

    assert below.count == 3
    assert [row.detail for row in below.rows] == [
        "Assen: €\u00a016.50 an hour, minimum €\u00a017.00",
        "Groningen: €\u00a014.70 an hour, minimum €\u00a014.71",
        "Groningen: €\u00a014.06 an hour, minimum €\u00a014.71",
    ]


def test_before_the_new_minimum_the_old_one_applies(treasurer_with_mfa, rates):
    """On 31 December 2025 the minimum was 14.06 (and Assen had no local one yet)."""
    below = item(
        todo_for_treasurer(user=treasurer_with_mfa, today=datetime.date(2025, 12, 31)),
        "below_minimum_rate",
    )
    assert below.count == 0


def test_the_back_office_gets_the_same_warning_with_admin_links(back_office_with_mfa, rates):
    below = item(todo_for_back_office(user=back_office_with_mfa, today=TODAY), "below_minimum_rate")

    assert below.count == 3
    assert all(row.url.startswith("/admin/placements/assignment/") for row in below.rows)
    assert "hourly_rate__lt=14.71" in below.url


# --- Back office ---------------------------------------------------------------------------


def test_the_back_office_to_do(
    back_office_with_mfa,
    municipality,
    other_municipality,
    coordinator,
    framework,
    make_settlement,
    make_run,
    make_proposal,
):
    make_settlement(municipality, status=Settlement.Status.REJECTED)
    make_settlement(other_municipality, status=Settlement.Status.APPROVED)
    make_run(municipality, status=PayoutRun.Status.APPROVED)
    make_run(other_municipality)
    client = ClientFactory()
    for day in (2, 3):
        TimeEntryFactory(
            assignment=AssignmentFactory(
                candidate=CandidateFactory(municipality=municipality), client=client, active=True
            ),
            work_date=datetime.date(2026, 3, day),
            status="approved",
            approved_at=timezone.now(),
        )
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    with clock_at(an_hour_ago.isoformat()):
        invoice = invoice_finalise(
            invoice=invoice_draft_create(
                client=client, month=datetime.date(2026, 3, 1), actor=None
            ),
            actor=None,
            invoice_date=datetime.date(2026, 4, 1),
        )
    make_proposal(status=Proposal.Status.ADVICE_REQUESTED)

    after_due_date = datetime.date(2026, 4, 20)  # due on 15 April
    items = todo_for_back_office(user=back_office_with_mfa, today=after_due_date)

    assert counts(items) == {
        "settlements_rejected": 1,
        "payout_runs_approved": 1,
        "bank_lines": 0,
        "overdue_invoices": 1,
        "invoice_pdfs_failed": 1,
        "credit_note_pdfs_failed": 0,
        "invoice_runs_in_progress": 0,
        "settlement_runs_in_progress": 0,
        "transfer_files_to_make": 0,
        "advice_to_write": 1,
        "below_minimum_rate": 0,
    }
    assert item(items, "settlements_rejected").rows[0].detail == "Uren ontbreken"
    # Not yet overdue on the due date itself, nor a failed PDF within the grace period.
    on_due_date = todo_for_back_office(user=back_office_with_mfa, today=invoice.due_date)
    assert item(on_due_date, "overdue_invoices").count == 0
    with clock_at((an_hour_ago + datetime.timedelta(minutes=10)).isoformat()):
        just_issued = todo_for_back_office(user=back_office_with_mfa, today=TODAY)
    assert item(just_issued, "invoice_pdfs_failed").count == 0


def test_other_roles_get_no_back_office_or_treasurer_items(coordinator, treasurer_with_mfa):
    assert todo_for_back_office(user=coordinator, today=TODAY) == ()
    assert todo_for_back_office(user=treasurer_with_mfa, today=TODAY) == ()
    assert todo_for_treasurer(user=coordinator, today=TODAY) == ()
    assert todo_for_board(user=coordinator, today=TODAY) == ()


# --- Board and representatives -------------------------------------------------------------


def test_the_board_opens_and_closes_votes_and_answers_requests(
    board_member_with_mfa, municipality, make_proposal, coordinator
):
    other_board = UserFactory(role=Role.NVSI_BOARD)
    advised = make_proposal(status=Proposal.Status.ADVICE_REQUESTED, proposer=other_board)
    Advice.objects.create(proposal=advised, position="for", text="Akkoord", author=coordinator)
    own = make_proposal(status=Proposal.Status.ADVICE_REQUESTED)
    Advice.objects.create(proposal=own, position="for", text="Akkoord", author=coordinator)
    make_proposal(status=Proposal.Status.ADVICE_REQUESTED)  # no advice yet
    make_proposal(ends=TODAY - datetime.timedelta(days=1))
    make_proposal()
    MemberRequest.objects.create(
        municipality=municipality,
        requested_by=coordinator,
        subject="Hoger minimum",
        motivation="Indexatie",
    )

    assert counts(todo_for_board(user=board_member_with_mfa, today=TODAY)) == {
        "votes_to_open": 1,
        "votes_to_close": 1,
        "member_requests": 1,
    }


def test_the_representative_casts_the_missing_votes(
    representative, municipality, other_municipality, make_proposal
):
    missing = make_proposal(electors=[municipality])
    make_proposal(electors=[municipality], voted=[municipality])
    make_proposal(electors=[other_municipality])
    make_proposal(status=Proposal.Status.ADOPTED, electors=[municipality])

    votes = item(todo_for_representative(user=representative, today=TODAY), "votes_to_cast")

    assert votes.count == 1
    assert votes.rows[0].url == f"/besluiten/voorstellen/{missing.pk}/"


def test_a_person_with_two_roles_sees_two_sections(representative, municipality):
    representative.coordinated_municipalities.add(municipality)
    representative.groups.add(*UserFactory(role=Role.COORDINATOR).groups.all())
    representative._role_cache = None

    sections = todo_for_user(user=representative, today=TODAY)

    assert [s.role for s in sections] == ["coordinator", "representative"]


def test_an_unused_contract_kind_is_not_counted(coordinator, framework):
    ContractFactory(execution=True, end_date=TODAY + datetime.timedelta(days=5))
    assert Contract.objects.count() == 1
    assert item(todo_for_coordinator(user=coordinator, today=TODAY), "contracts_ending").count == 0


def test_requested_assignments_count_only_requested(coordinator, municipality, framework):
    for status in Assignment.Status.values:
        AssignmentFactory(
            candidate=CandidateFactory(municipality=municipality),
            status=status,
            rejection_reason="Nee" if status == "rejected" else "",
        )
    assert (
        item(todo_for_coordinator(user=coordinator, today=TODAY), "assignment_requests").count == 1
    )
