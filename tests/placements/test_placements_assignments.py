"""Assignments: the rate from the framework, the life cycle, the displacement check and the
large-or-long sign-off."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEvent
from placements.models import Assignment
from placements.services import (
    ASSIGNMENT_TRANSITIONS,
    assignment_activate,
    assignment_approve,
    assignment_end,
    assignment_reject,
    assignment_request,
    assignment_sign_off,
    assignment_update,
    displacement_check_record,
)
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    ClientFactory,
    DisplacementCheckFactory,
    TimeEntryFactory,
)

S = Assignment.Status


@pytest.fixture
def candidate(town, framework):
    return CandidateFactory(municipality=town)


def _request(candidate, actor, **overrides):
    values = {
        "candidate": candidate,
        "client": ClientFactory(),
        "start_date": datetime.date(2026, 3, 2),
        "end_date": datetime.date(2026, 5, 29),
        "hours_per_week": Decimal("20.00"),
        "work_description": "Orderpicken",
    }
    values.update(overrides)
    return assignment_request(actor=actor, **values)


def _check(assignment, actor, **overrides):
    values = {
        "temporary_or_peak_work": True,
        "no_open_vacancy": True,
        "no_recent_layoffs": True,
        "works_council_informed": True,
        "client_signatory_name": "J. Bakker",
        "client_signed_on": datetime.date(2026, 2, 20),
    }
    values.update(overrides)
    return displacement_check_record(assignment=assignment, actor=actor, **values)


# --- Rate ----------------------------------------------------------------------------------


def test_rate_defaults_to_the_minimum_in_force_on_the_start_date(candidate, back_office_user):
    assert _request(candidate, back_office_user).hourly_rate == Decimal("14.71")
    earlier = _request(
        candidate,
        back_office_user,
        start_date=datetime.date(2025, 11, 3),
        end_date=datetime.date(2025, 12, 19),
    )
    assert earlier.hourly_rate == Decimal("14.06")
    event = AuditEvent.objects.filter(action="assignment.request").first()
    assert event.actor == back_office_user


def test_rate_below_minimum_refused(candidate, back_office_user):
    with pytest.raises(ValidationError) as error:
        _request(candidate, back_office_user, hourly_rate=Decimal("14.70"))
    assert "minimum client hourly rate" in error.value.message_dict["hourly_rate"][0]
    assert _request(candidate, back_office_user, hourly_rate=Decimal("14.71")).pk


def test_no_framework_in_force_refused(candidate, back_office_user):
    with pytest.raises(ValidationError) as error:
        _request(
            candidate,
            back_office_user,
            start_date=datetime.date(2024, 6, 3),
            end_date=datetime.date(2024, 7, 1),
        )
    assert "start_date" in error.value.message_dict


def test_float_hours_refused(candidate, back_office_user):
    with pytest.raises(TypeError):
        _request(candidate, back_office_user, hours_per_week=20.5)


def test_end_before_start_refused(candidate, back_office_user):
    with pytest.raises(ValidationError, match="before the start date"):
        _request(candidate, back_office_user, end_date=datetime.date(2026, 3, 1))


def test_inactive_candidate_refused(town, framework, back_office_user):
    candidate = CandidateFactory(municipality=town, status="ended")
    with pytest.raises(ValidationError, match="active candidate"):
        _request(candidate, back_office_user)


# --- Life cycle ----------------------------------------------------------------------------


def test_full_life_cycle(candidate, town_coordinator, back_office_user):
    assignment = _request(candidate, back_office_user)
    _check(assignment, town_coordinator)
    assignment = assignment_approve(assignment=assignment, actor=town_coordinator)
    assert (assignment.status, assignment.decided_by) == (S.APPROVED, town_coordinator)
    assignment = assignment_activate(assignment=assignment, actor=back_office_user)
    assert assignment.status == S.ACTIVE
    assignment = assignment_end(
        assignment=assignment, actor=back_office_user, end_date=datetime.date(2026, 4, 30)
    )
    assert (assignment.status, assignment.end_date) == (S.ENDED, datetime.date(2026, 4, 30))
    actions = list(
        AuditEvent.objects.filter(object_id=str(assignment.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "assignment.request",
        "displacement_check.record",
        "assignment.approve",
        "assignment.activate",
        "assignment.end",
    ]


def test_reject_needs_a_reason(candidate, town_coordinator, back_office_user):
    assignment = _request(candidate, back_office_user)
    with pytest.raises(ValidationError, match="needs a reason"):
        assignment_reject(assignment=assignment, actor=town_coordinator, reason="  ")
    assignment = assignment_reject(
        assignment=assignment, actor=town_coordinator, reason="Vaste vacature"
    )
    assert (assignment.status, assignment.rejection_reason) == (S.REJECTED, "Vaste vacature")


ILLEGAL = [
    (source, target)
    for source in S.values
    for target in S.values
    if target not in ASSIGNMENT_TRANSITIONS[source]
]


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_illegal_transitions_refused(town, framework, town_coordinator, source, target):
    candidate = CandidateFactory(municipality=town)
    assignment = AssignmentFactory(
        candidate=candidate,
        status=source,
        rejection_reason="x" if source == S.REJECTED else "",
    )
    DisplacementCheckFactory(assignment=assignment, performed_by=town_coordinator)
    call = {
        S.APPROVED: lambda: assignment_approve(assignment=assignment, actor=town_coordinator),
        S.REJECTED: lambda: assignment_reject(
            assignment=assignment, actor=town_coordinator, reason="r"
        ),
        S.ACTIVE: lambda: assignment_activate(assignment=assignment, actor=town_coordinator),
        S.ENDED: lambda: assignment_end(assignment=assignment, actor=town_coordinator),
    }.get(target)
    if call is None:  # nothing leads back to "requested"
        assert S.REQUESTED not in ASSIGNMENT_TRANSITIONS[source]
        return
    with pytest.raises(ValidationError) as error:
        call()
    assert error.value.code == "illegal_transition"
    assert error.value.messages == [
        f"An assignment cannot go from “{S(source).label}” to “{S(target).label}”."
    ]
    assignment.refresh_from_db()
    assert assignment.status == source


def test_legal_transitions_are_the_documented_ones():
    assert {k: set(v) for k, v in ASSIGNMENT_TRANSITIONS.items()} == {
        S.REQUESTED: {S.APPROVED, S.REJECTED},
        S.APPROVED: {S.ACTIVE},
        S.ACTIVE: {S.ENDED},
        S.REJECTED: set(),
        S.ENDED: set(),
    }


def test_update_only_while_requested(candidate, town_coordinator, back_office_user):
    assignment = _request(candidate, back_office_user)
    assignment = assignment_update(
        assignment=assignment, actor=back_office_user, hours_per_week=Decimal("24")
    )
    assert assignment.hours_per_week == Decimal("24")
    Assignment.objects.filter(pk=assignment.pk).update(status=S.ACTIVE)
    with pytest.raises(ValidationError, match="Only a requested assignment"):
        assignment_update(assignment=assignment, actor=back_office_user, work_description="x")


def test_end_refuses_date_before_recorded_hours(candidate, back_office_user):
    assignment = AssignmentFactory(candidate=candidate, active=True)
    TimeEntryFactory(assignment=assignment, work_date=datetime.date(2026, 5, 4))
    with pytest.raises(ValidationError, match="hours on"):
        assignment_end(
            assignment=assignment, actor=back_office_user, end_date=datetime.date(2026, 4, 30)
        )
    with pytest.raises(ValidationError, match="can end between"):
        assignment_end(
            assignment=assignment, actor=back_office_user, end_date=datetime.date(2026, 6, 30)
        )


# --- Displacement check and who approves ---------------------------------------------------


def test_approval_needs_a_displacement_check(candidate, town_coordinator, back_office_user):
    assignment = _request(candidate, back_office_user)
    with pytest.raises(ValidationError) as error:
        assignment_approve(assignment=assignment, actor=town_coordinator)
    assert error.value.code == "displacement_check_missing"


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("temporary_or_peak_work", False, "temporary or peak work"),
        ("no_open_vacancy", False, "no open vacancy"),
        ("no_recent_layoffs", False, "no recent lay-offs"),
        ("works_council_informed", False, "works council informed"),
        ("client_signatory_name", " ", "signed for the client by"),
        ("client_signed_on", None, "signed by the client on"),
    ],
)
def test_approval_needs_a_complete_check(
    candidate, town_coordinator, back_office_user, field, value, label
):
    assignment = _request(candidate, back_office_user)
    _check(assignment, town_coordinator, **{field: value})
    with pytest.raises(ValidationError) as error:
        assignment_approve(assignment=assignment, actor=town_coordinator)
    assert error.value.code == "displacement_check_incomplete"
    assert label in error.value.messages[0]
    assert Assignment.objects.get(pk=assignment.pk).status == S.REQUESTED


def test_check_signed_in_the_future_refused(candidate, town_coordinator, back_office_user):
    assignment = _request(candidate, back_office_user)
    with pytest.raises(ValidationError, match="future"):
        _check(
            assignment,
            town_coordinator,
            client_signed_on=datetime.date(2026, 3, 1),
            today=datetime.date(2026, 2, 27),
        )


@pytest.mark.parametrize("who", ["other_town_coordinator", "back_office_user", "treasurer_user"])
def test_only_a_coordinator_of_the_municipality_checks_approves_rejects(
    request, candidate, town_coordinator, back_office_user, who
):
    outsider = request.getfixturevalue(who)
    assignment = _request(candidate, back_office_user)
    with pytest.raises(PermissionDenied):
        _check(assignment, outsider)
    _check(assignment, town_coordinator)
    with pytest.raises(PermissionDenied):
        assignment_approve(assignment=assignment, actor=outsider)
    with pytest.raises(PermissionDenied):
        assignment_reject(assignment=assignment, actor=outsider, reason="nee")
    assert Assignment.objects.get(pk=assignment.pk).status == S.REQUESTED


def test_check_by_someone_no_longer_coordinator_does_not_count(
    candidate, town, town_coordinator, back_office_user
):
    assignment = _request(candidate, back_office_user)
    DisplacementCheckFactory(assignment=assignment, performed_by=back_office_user)
    with pytest.raises(ValidationError) as error:
        assignment_approve(assignment=assignment, actor=town_coordinator)
    assert error.value.code == "displacement_check_not_by_coordinator"


# --- Large or long -------------------------------------------------------------------------


def test_not_flagged_by_default(candidate, back_office_user):
    assignment = _request(candidate, back_office_user)
    assert not assignment.is_large_or_long


def test_long_flag(candidate, back_office_user):
    # 26 weeks exactly (182 days, both ends included) is not long; one day more is.
    exact = _request(
        candidate,
        back_office_user,
        start_date=datetime.date(2026, 1, 5),
        end_date=datetime.date(2026, 7, 5),
    )
    assert not exact.is_long
    longer = _request(
        candidate,
        back_office_user,
        start_date=datetime.date(2026, 1, 5),
        end_date=datetime.date(2026, 7, 6),
    )
    assert longer.is_long and longer.is_large_or_long
    assert not (longer.is_large_hours or longer.is_large_concurrent)


def test_hours_flag(candidate, back_office_user):
    assert not _request(
        candidate, back_office_user, hours_per_week=Decimal("32.00")
    ).is_large_or_long
    flagged = _request(candidate, back_office_user, hours_per_week=Decimal("32.01"))
    assert flagged.is_large_hours and flagged.is_large_or_long


def test_concurrent_flag(town, framework, candidate, back_office_user):
    client = ClientFactory()
    for _ in range(8):
        AssignmentFactory(candidate=CandidateFactory(municipality=town), client=client, active=True)
    # Not overlapping, or merely requested: do not count.
    AssignmentFactory(
        client=client,
        active=True,
        start_date=datetime.date(2025, 1, 6),
        end_date=datetime.date(2025, 2, 28),
    )
    AssignmentFactory(client=client)
    ninth = _request(candidate, back_office_user, client=client)
    assert not ninth.is_large_or_long  # 8 others + this one = 9 < 10
    AssignmentFactory(candidate=CandidateFactory(municipality=town), client=client, approved=True)
    tenth = _request(CandidateFactory(municipality=town), back_office_user, client=client)
    assert tenth.is_large_concurrent and tenth.is_large_or_long


def test_flagged_needs_sign_off_with_reason(candidate, town_coordinator, back_office_user):
    assignment = _request(candidate, back_office_user, hours_per_week=Decimal("36"))
    _check(assignment, town_coordinator)
    with pytest.raises(ValidationError) as error:
        assignment_approve(assignment=assignment, actor=town_coordinator)
    assert error.value.code == "sign_off_required"
    assert "many hours a week" in error.value.messages[0]
    with pytest.raises(ValidationError, match="reason"):
        assignment_approve(assignment=assignment, actor=town_coordinator, sign_off_reason=" ")
    assignment = assignment_approve(
        assignment=assignment, actor=town_coordinator, sign_off_reason="Seizoenspiek"
    )
    assert assignment.status == S.APPROVED
    assert (assignment.sign_off_by, assignment.sign_off_reason) == (
        town_coordinator,
        "Seizoenspiek",
    )


def test_sign_off_before_approval(candidate, town_coordinator, back_office_user):
    assignment = _request(candidate, back_office_user, hours_per_week=Decimal("36"))
    with pytest.raises(PermissionDenied):
        assignment_sign_off(assignment=assignment, actor=back_office_user, reason="x")
    assignment = assignment_sign_off(
        assignment=assignment, actor=town_coordinator, reason="Tijdelijke piek"
    )
    _check(assignment, town_coordinator)
    assignment = assignment_approve(assignment=assignment, actor=town_coordinator)
    assert assignment.status == S.APPROVED
    assert AuditEvent.objects.filter(action="assignment.sign_off").exists()


def test_sign_off_refused_when_not_flagged(candidate, town_coordinator, back_office_user):
    assignment = _request(candidate, back_office_user)
    with pytest.raises(ValidationError) as error:
        assignment_sign_off(assignment=assignment, actor=town_coordinator, reason="x")
    assert error.value.code == "not_large_or_long"


def test_changed_terms_clear_the_sign_off(candidate, town_coordinator, back_office_user):
    assignment = _request(candidate, back_office_user, hours_per_week=Decimal("36"))
    assignment_sign_off(assignment=assignment, actor=town_coordinator, reason="Piek")
    assignment = assignment_update(
        assignment=assignment, actor=back_office_user, hours_per_week=Decimal("38")
    )
    assert assignment.needs_sign_off


def test_database_refuses_approved_flagged_without_sign_off(town, framework):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        AssignmentFactory(
            candidate=CandidateFactory(municipality=town),
            approved=True,
            is_large_hours=True,
            is_large_or_long=True,
        )


def test_database_keeps_the_flag_consistent(town, framework):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        AssignmentFactory(candidate=CandidateFactory(municipality=town), is_long=True)
