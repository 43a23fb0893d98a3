"""Demo data for placements: about 300 candidates, 80 clients, 400 assignments and the hours
of the last twelve months.

Deterministic (`random.Random(2026)`, dates relative to `today`) and idempotent: every record
is found by its natural key (municipality + client number, KvK number, candidate + client +
start date, assignment + work date) and only what is missing is created, so a second run
changes nothing. Candidates, clients and assignments go through the services, so the BSN is
encrypted, rates respect the framework, the large-or-long flags are computed and the
displacement check and extra sign-off rules hold. The hours are bulk-inserted (the services
would take minutes), generated within the same rules: only on assignments that were approved
or active, within their dates, at most 24 hours per candidate per day, the weekly total within
the assignment's hours per week.
"""

import dataclasses
import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db.models import Count

from accounts.models import User
from accounts.roles import Role
from demo.accounts import DEMO_BACK_OFFICE_EMAIL, demo_user_create
from demo.placements_data import (
    CANDIDATE_WEIGHTS,
    EXTRA_COORDINATORS,
    HOLIDAYS,
    QUARTER,
    SEED,
    SIGN_OFF_REASONS,
)
from demo.placements_plan import AssignmentPlan, aware_at, monday_of, plan
from members.models import Membership, Municipality
from members.selectors import framework_in_force
from placements.models import Assignment, Candidate, Client, TimeEntry
from placements.services import (
    assignment_activate,
    assignment_approve,
    assignment_end,
    assignment_flags,
    assignment_reject,
    assignment_request,
    candidate_create,
    candidate_update,
    client_create,
    displacement_check_record,
)

# --- Writing ----------------------------------------------------------------------------------


def _coordinators(municipalities: dict[str, Municipality]) -> dict[str, User]:
    group = Group.objects.get(name=Role.COORDINATOR.value)
    for email, first, last, codes in EXTRA_COORDINATORS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = demo_user_create(email=email, first_name=first, last_name=last)
        user.groups.add(group)
        for code in codes:
            if code in municipalities:
                municipalities[code].coordinators.add(user)
    found = {}
    for code, municipality in municipalities.items():
        user = municipality.coordinators.filter(groups=group).order_by("pk").first()
        if user is not None:
            found[code] = user
    return found


def _sign_off_reason(assignment: Assignment) -> str:
    terms = framework_in_force(
        municipality=assignment.candidate.municipality, on=assignment.start_date
    )
    is_long, is_large_hours, is_large_concurrent = assignment_flags(
        assignment=assignment, terms=terms
    )
    if is_large_concurrent:
        return SIGN_OFF_REASONS["concurrent"]
    if is_large_hours:
        return SIGN_OFF_REASONS["hours"]
    if is_long:
        return SIGN_OFF_REASONS["long"]
    return ""


def _run_life_cycle(item: AssignmentPlan, assignment: Assignment, *, coordinator, today) -> list:
    """Check, decide; returns what is left to do after every approval (activate, end)."""
    if item.check != "none":
        complete = item.check == "complete"
        signed = min(item.requested_on + datetime.timedelta(days=3), today)
        displacement_check_record(
            assignment=assignment,
            actor=coordinator,
            temporary_or_peak_work=True,
            no_open_vacancy=complete or "vacature" not in item.rejection_reason,
            no_recent_layoffs=complete or "ontslagen" not in item.rejection_reason,
            works_council_informed=complete,
            client_signatory_name=item.client.contact_person,
            client_signed_on=signed,
            today=today,
        )
    if item.status == Assignment.Status.REJECTED:
        assignment_reject(assignment=assignment, actor=coordinator, reason=item.rejection_reason)
        return []
    if item.status == Assignment.Status.REQUESTED:
        return []
    assignment_approve(
        assignment=assignment, actor=coordinator, sign_off_reason=_sign_off_reason(assignment)
    )
    return (
        [assignment] if item.status in (Assignment.Status.ACTIVE, Assignment.Status.ENDED) else []
    )


def _backdate(item: AssignmentPlan, assignment: Assignment, *, today: datetime.date) -> None:
    """The services stamp now; the demo's history happened before each assignment started."""
    requested = aware_at(item.requested_on, 9)
    performed = aware_at(min(item.requested_on + datetime.timedelta(days=4), today), 14)
    decided = aware_at(min(item.requested_on + datetime.timedelta(days=6), today), 11)
    Assignment.objects.filter(pk=assignment.pk).update(created_at=requested)
    assignment.refresh_from_db()
    if assignment.decided_at is not None:
        Assignment.objects.filter(pk=assignment.pk).update(decided_at=decided)
    if assignment.sign_off_at is not None:
        Assignment.objects.filter(pk=assignment.pk).update(sign_off_at=decided)
    if hasattr(assignment, "displacement_check"):
        type(assignment.displacement_check).objects.filter(
            pk=assignment.displacement_check.pk
        ).update(performed_at=performed)


def _hours_for(
    assignment: Assignment,
    *,
    today: datetime.date,
    first_day: datetime.date,
    taken,
    back_office,
    entered_from: datetime.date,
) -> list[TimeEntry]:
    """Weekday hours on a fixed pattern, with holidays, sick days and the odd week off."""
    rng = random.Random(  # noqa: S311 - demo data, not secrets
        f"{SEED}:{assignment.candidate_id}:{assignment.client_id}:{assignment.start_date}"
    )
    hours_per_week = assignment.hours_per_week
    days_a_week = min(
        5,
        max(
            1,
            int(
                rng.choice([hours_per_week / 8, hours_per_week / 6, hours_per_week / 7])
                + Decimal("0.99")
            ),
        ),
    )
    pattern = sorted(rng.sample(range(5), days_a_week))
    per_day = (hours_per_week / days_a_week / QUARTER).to_integral_value(
        rounding="ROUND_FLOOR"
    ) * QUARTER
    per_day = min(per_day, Decimal("10"))
    entries = []
    day = max(assignment.start_date, first_day)
    last = min(assignment.end_date, today)
    week_off = None
    while day <= last:
        monday = monday_of(day)
        if day.weekday() == 0:
            week_off = monday if rng.random() < 0.05 else None
        if (
            day.weekday() in pattern
            and day not in HOLIDAYS
            and week_off != monday
            and rng.random() > 0.04
        ):
            hours = per_day - (QUARTER * 2 if rng.random() < 0.1 else 0)
            key = (assignment.candidate_id, day)
            if hours > 0 and taken[key] + hours <= Decimal("24"):
                taken[key] += hours
                approved = day < entered_from
                next_monday = monday + datetime.timedelta(days=7)
                entries.append(
                    TimeEntry(
                        assignment=assignment,
                        work_date=day,
                        hours=hours,
                        status=TimeEntry.Status.APPROVED if approved else TimeEntry.Status.ENTERED,
                        entered_by=back_office,
                        approved_by=back_office if approved else None,
                        approved_at=aware_at(next_monday + datetime.timedelta(days=1), 10)
                        if approved
                        else None,
                    )
                )
        day += datetime.timedelta(days=1)
    return entries


def seed_placements(
    *, today: datetime.date, municipalities: dict[str, Municipality]
) -> dict[str, int]:
    active_codes = set(
        Membership.objects.filter(status=Membership.Status.ACTIVE).values_list(
            "municipality__cbs_code", flat=True
        )
    )
    codes = [code for code in CANDIDATE_WEIGHTS if code in active_codes and code in municipalities]
    candidates, clients, assignments = plan(today=today, codes=codes)
    coordinators = _coordinators(municipalities)
    back_office = User.objects.get(email=DEMO_BACK_OFFICE_EMAIL)

    existing_clients = {
        c.kvk_number: c
        for c in Client.objects.filter(kvk_number__in=[p.kvk_number for p in clients])
    }
    for item in clients:
        if item.kvk_number not in existing_clients:
            fields = {
                f.name: getattr(item, f.name) for f in dataclasses.fields(item) if f.name != "code"
            }
            existing_clients[item.kvk_number] = client_create(actor=back_office, **fields)

    by_pk = {m.pk: code for code, m in municipalities.items()}
    existing_candidates = {
        (by_pk.get(c.municipality_id), c.client_number): c
        for c in Candidate.objects.filter(municipality__cbs_code__in=codes)
    }
    created_candidates = []
    for item in candidates:
        key = (item.code, item.client_number)
        if key not in existing_candidates:
            existing_candidates[key] = candidate_create(
                actor=back_office,
                municipality=municipalities[item.code],
                bsn=item.bsn,
                client_number=item.client_number,
                first_name=item.first_name,
                last_name=item.last_name,
                birth_date=item.birth_date,
                iban=item.iban,
                wage_cost_subsidy=item.wage_cost_subsidy,
            )
            created_candidates.append(item)

    keys = set(
        Assignment.objects.filter(candidate__municipality__cbs_code__in=codes).values_list(
            "candidate_id", "client_id", "start_date"
        )
    )
    to_activate = []
    created = []
    for item in sorted(assignments, key=lambda a: (a.start_date, a.candidate.client_number)):
        candidate = existing_candidates[(item.candidate.code, item.candidate.client_number)]
        client = existing_clients[item.client.kvk_number]
        if (candidate.pk, client.pk, item.start_date) in keys:
            continue
        assignment = assignment_request(
            actor=back_office,
            candidate=candidate,
            client=client,
            start_date=item.start_date,
            end_date=item.end_date,
            hours_per_week=item.hours_per_week,
            work_description=item.work_description,
            hourly_rate=item.hourly_rate,
        )
        to_activate += _run_life_cycle(
            item, assignment, coordinator=coordinators[item.candidate.code], today=today
        )
        created.append((item, assignment))
    for assignment in to_activate:
        assignment_activate(assignment=assignment, actor=back_office)
    plans = {id(a): item for item, a in created}
    for assignment in to_activate:
        if plans[id(assignment)].status == Assignment.Status.ENDED:
            assignment_end(assignment=assignment, actor=back_office)
    for item, assignment in created:
        _backdate(item, assignment, today=today)

    for item in created_candidates:
        if item.status != Candidate.Status.ACTIVE:
            candidate_update(
                candidate=existing_candidates[(item.code, item.client_number)],
                actor=back_office,
                status=item.status,
                left_for_work_on=item.left_for_work_on,
            )

    # Hours: for the assignments that were approved or active and have none yet.
    first_day = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    entered_from = monday_of(today) - datetime.timedelta(days=7)  # this week and last: entered
    open_ones = list(
        Assignment.objects.filter(
            candidate__municipality__cbs_code__in=codes,
            status__in=[Assignment.Status.ACTIVE, Assignment.Status.ENDED],
            start_date__lte=today,
        )
        .annotate(entries=Count("time_entries"))
        .filter(entries=0)
        .order_by("start_date", "pk")
    )
    taken: dict = defaultdict(Decimal)
    for candidate_id, day, hours in TimeEntry.objects.filter(
        assignment__candidate_id__in={a.candidate_id for a in open_ones}
    ).values_list("assignment__candidate_id", "work_date", "hours"):
        taken[(candidate_id, day)] += hours
    entries = []
    for assignment in open_ones:
        entries += _hours_for(
            assignment,
            today=today,
            first_day=first_day,
            taken=taken,
            back_office=back_office,
            entered_from=entered_from,
        )
    TimeEntry.objects.bulk_create(entries, batch_size=5000)
    return {
        "candidates": Candidate.objects.count(),
        "clients": Client.objects.count(),
        "assignments": Assignment.objects.count(),
        "flagged": Assignment.objects.filter(is_large_or_long=True).count(),
        "time entries": TimeEntry.objects.count(),
    }
