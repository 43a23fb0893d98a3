"""Demo data for placements, the plan: candidates, clients and assignments as pure data, drawn
from `random.Random(SEED)` and dates relative to `today`, so the same day gives the same plan.
Writing it to the database: demo.placements."""

import dataclasses
import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal

from schwifty import IBAN

from demo.placements_data import (
    ASSIGNMENTS,
    CANDIDATE_WEIGHTS,
    CANDIDATES,
    CITIES,
    CITY_WEIGHTS,
    CLIENTS,
    FIRST_NAMES,
    FULL_TIMERS_CODE,
    FULL_TIMERS_HOURS,
    LAST_NAMES,
    ORGANISATIONS,
    REJECTION_REASONS,
    SEED,
    STREETS,
    TRADES,
    TZ,
    WORK,
)
from placements.models import PREMIUM_MIN_AGE, Assignment, Candidate


@dataclasses.dataclass
class CandidatePlan:
    code: str
    client_number: str
    first_name: str
    last_name: str
    birth_date: datetime.date
    bsn: str
    iban: str
    wage_cost_subsidy: bool
    status: str = Candidate.Status.ACTIVE
    left_for_work_on: datetime.date | None = None


@dataclasses.dataclass
class ClientPlan:
    name: str
    kvk_number: str
    vat_number: str
    billing_address: str
    billing_email: str
    contact_person: str
    framework_agreement_date: datetime.date
    code: str  # the municipality the client sits in


@dataclasses.dataclass
class AssignmentPlan:
    candidate: CandidatePlan
    client: ClientPlan
    start_date: datetime.date
    end_date: datetime.date
    hours_per_week: Decimal
    hourly_rate: Decimal | None
    work_description: str
    status: str  # the target status
    check: str = "complete"  # complete, incomplete, none
    rejection_reason: str = ""
    requested_on: datetime.date | None = None


# --- Generated numbers -----------------------------------------------------------------------


def _eleven_proof(rng: random.Random) -> str:
    """Nine digits passing the 11-proof (BSN; also the digits of an old-style VAT number)."""
    while True:
        head = f"{rng.randint(10_000_000, 99_999_999):08d}"
        last = sum(int(d) * w for d, w in zip(head, range(9, 1, -1), strict=True)) % 11
        if last < 10:
            return head + str(last)


def _iban(rng: random.Random) -> str:
    bank = rng.choice(["ABNA", "INGB", "RABO", "SNSB", "ASNB", "TRIO", "KNAB", "BUNQ"])
    return IBAN.generate(
        "NL", bank_code=bank, account_code=f"{rng.randint(1, 9_999_999_999):010d}"
    ).compact


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def aware_at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


# --- The plan: pure data from the seed and today -----------------------------------------------


def plan(*, today: datetime.date, codes: list[str]) -> tuple[list, list, list]:
    """Candidates, clients and assignments, the same for the same `today` and codes."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    first_hours_day = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)

    candidates: list[CandidatePlan] = []
    weights = {code: CANDIDATE_WEIGHTS.get(code, 10) for code in codes}
    total = sum(weights.values())
    numbers: set[tuple[str, str]] = set()
    for code in codes:
        for _i in range(round(CANDIDATES * weights[code] / total)):
            while (code, number := str(rng.randint(1_000_000, 9_999_999))) in numbers:
                pass
            numbers.add((code, number))
            young = rng.random() < 0.22
            age = rng.randint(18, 26) if young else rng.randint(27, 63)
            birth = today - datetime.timedelta(days=age * 365 + rng.randint(30, 330))
            candidates.append(
                CandidatePlan(
                    code=code,
                    client_number=number,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    birth_date=birth,
                    bsn=_eleven_proof(rng) if rng.random() < 0.6 else "",
                    iban=_iban(rng) if rng.random() < 0.85 else "",
                    wage_cost_subsidy=young and rng.random() < 0.45,
                )
            )

    clients: list[ClientPlan] = []
    names: set[str] = set()
    kvks: set[str] = set()
    while len(clients) < CLIENTS:
        city, postcode, code = rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
        if not clients and "GM0014" in codes:  # the big one, where many work at once
            city, postcode, code = CITIES[0]
            name = "Distributiecentrum Noord-Nederland B.V."
        elif code not in codes:
            continue
        elif rng.random() < 0.25:
            name = rng.choice(ORGANISATIONS).format(city=city)
        else:
            surname = rng.choice(LAST_NAMES)
            surname = surname[0].upper() + surname[1:]
            form = rng.choice(["B.V.", "B.V.", "B.V.", "V.O.F.", ""])
            name = f"{rng.choice(TRADES)} {surname} {form}".strip()
        if name in names:
            continue
        names.add(name)
        while (kvk := f"{rng.randint(10_000_000, 99_999_999)}") in kvks:
            pass
        kvks.add(kvk)
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:30]
        zipcode = f"{postcode}{rng.randint(0, 10 ** (4 - len(postcode)) - 1):0{4 - len(postcode)}d}"
        letters = rng.choice("ABCDEGHJKLMNPRSTVWXZ") + rng.choice("ABCDEGHJKLMNPRSTVWXZ")
        clients.append(
            ClientPlan(
                name=name,
                kvk_number=kvk,
                vat_number=f"NL{_eleven_proof(rng)}B01" if rng.random() < 0.6 else "",
                billing_address=f"{rng.choice(STREETS)} {rng.randint(1, 180)}\n"
                f"{zipcode} {letters} {city.upper()}",
                billing_email=f"facturen@{slug}.example",
                contact_person=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                framework_agreement_date=datetime.date(
                    2025, rng.randint(1, 11), rng.randint(1, 28)
                ),
                code=code,
            )
        )
    clients_by_code = defaultdict(list)
    for client in clients:
        clients_by_code[client.code].append(client)
    # The big distribution centre where many candidates work at once (concurrency flag).
    big_client = next((c for c in clients if c.name.startswith("Distributiecentrum")), None)

    assignments: list[AssignmentPlan] = []
    last_start = today + datetime.timedelta(days=35)
    busy_until: dict[int, datetime.date] = {}

    def add(candidate, *, start=None, weeks=None, hours=None, client=None, status=None):
        index = candidates.index(candidate)
        if start is None:
            earliest = max(first_hours_day, busy_until.get(index, first_hours_day))
            if earliest > last_start:
                return None
            start = earliest + datetime.timedelta(
                days=rng.randint(0, max((last_start - earliest).days, 0))
            )
        start = monday_of(start) + datetime.timedelta(days=7 if start.weekday() else 0)
        weeks = weeks or rng.choice([4, 6, 8, 8, 10, 12, 12, 13, 16, 18, 20])
        end = start + datetime.timedelta(days=weeks * 7 - 3)  # a Friday
        if hours is None:
            choices = [8, 12, 16, 16, 20, 20, 24, 24, 28, 32]
            if candidate.code == "GM0080":  # Leeuwarden: more than 28 a week is large
                choices = [c for c in choices if c <= 28]
            hours = rng.choice(choices)
        if client is None:
            local = clients_by_code.get(candidate.code) or clients
            client = rng.choice(local if rng.random() < 0.8 else clients)
        if status is None:
            if rng.random() < 0.06:
                status = Assignment.Status.REJECTED
            elif start > today:
                status = rng.choice(
                    [
                        Assignment.Status.REQUESTED,
                        Assignment.Status.REQUESTED,
                        Assignment.Status.APPROVED,
                    ]
                )
            elif end < today:
                status = Assignment.Status.ENDED
            else:
                status = Assignment.Status.ACTIVE
        work, _kind = rng.choice(WORK)
        item = AssignmentPlan(
            candidate=candidate,
            client=client,
            start_date=start,
            end_date=end,
            hours_per_week=Decimal(hours),
            hourly_rate=None
            if rng.random() < 0.1
            else Decimal(rng.choice(["15.50", "16.00", "16.75", "17.25", "18.00", "19.50"])),
            work_description=work,
            status=status,
        )
        if status == Assignment.Status.REJECTED:
            item.rejection_reason = rng.choice(REJECTION_REASONS)
            item.check = "incomplete" if rng.random() < 0.5 else "none"
        elif status == Assignment.Status.REQUESTED:
            item.check = rng.choice(["complete", "complete", "none", "incomplete"])
        lead = rng.randint(14, 35)
        item.requested_on = min(
            start - datetime.timedelta(days=lead),
            today - datetime.timedelta(days=rng.randint(1, 6)),
        )
        assignments.append(item)
        if status != Assignment.Status.REJECTED:
            busy_until[index] = end + datetime.timedelta(days=3)
        return item

    by_code = defaultdict(list)
    for candidate in candidates:
        by_code[candidate.code].append(candidate)

    # Flagged on purpose: long ones, many hours a week, a crowd at one client.
    for code, weeks, hours in [
        ("GM0014", 30, 24), ("GM0014", 34, 20), ("GM1952", 30, 16), ("GM0106", 36, 24),
        ("GM0114", 28, 20), ("GM0080", 32, 16), ("GM0014", 14, 36), ("GM1952", 12, 40),
        ("GM0090", 10, 36), ("GM0037", 16, 38),
    ]:  # fmt: skip
        if code in by_code:
            running = len(assignments) % 2 == 0  # half still running today, half ended
            if running:
                start = today - datetime.timedelta(days=weeks * 7 // 2)
            else:
                start = first_hours_day + datetime.timedelta(days=rng.randint(7, 40))
            add(
                rng.choice(by_code[code]),
                start=start,
                weeks=weeks,
                hours=hours,
                status=Assignment.Status.ACTIVE if running else Assignment.Status.ENDED,
            )
    if big_client is not None:
        # Twelve at once: from the tenth on, each is flagged for concurrency.
        crowd_start = monday_of(today - datetime.timedelta(days=60))
        pool = by_code["GM0014"] + by_code.get("GM1952", [])
        for candidate in rng.sample(pool, 12):
            add(
                candidate,
                start=crowd_start + datetime.timedelta(days=7 * rng.randint(0, 2)),
                weeks=16,
                hours=24,
                client=big_client,
                status=Assignment.Status.ACTIVE,
            )
    # Requests for the demo coordinator to decide, two of them large or long.
    for code, weeks, hours in [("GM0014", 30, 20), ("GM1952", 8, 36)]:
        if code in by_code:
            item = add(
                rng.choice(by_code[code]),
                start=today + datetime.timedelta(days=17),
                weeks=weeks,
                hours=hours,
                status=Assignment.Status.REQUESTED,
            )
            if item:
                item.check = "complete"

    # Everyone gets an assignment, then more until 400.
    for candidate in candidates:
        if candidate not in (a.candidate for a in assignments):
            add(candidate)
    while len(assignments) < ASSIGNMENTS:
        add(rng.choice(candidates))
    demo_codes = {"GM0014", "GM1952"}
    waiting = [
        a
        for a in assignments
        if a.status == Assignment.Status.REQUESTED and a.candidate.code in demo_codes
    ]
    for item in [
        a
        for a in assignments
        if a.status == Assignment.Status.APPROVED and a.candidate.code in demo_codes
    ][: max(0, 8 - len(waiting))]:
        item.status, item.check = Assignment.Status.REQUESTED, "complete"

    # Some people have left for regular work, some have stopped: only once all their work ended.
    for candidate in candidates:
        theirs = [a for a in assignments if a.candidate is candidate]
        if any(
            a.status not in (Assignment.Status.ENDED, Assignment.Status.REJECTED) for a in theirs
        ):
            continue
        roll = rng.random()
        ends = [a.end_date for a in theirs if a.status == Assignment.Status.ENDED]
        if roll < 0.35 and ends:
            candidate.status = Candidate.Status.LEFT_FOR_WORK
            candidate.left_for_work_on = min(
                max(ends) + datetime.timedelta(days=rng.randint(3, 40)), today
            )
        elif roll < 0.5:
            candidate.status = Candidate.Status.ENDED
    _full_timers(assignments, today=today, first_day=first_hours_day, big_client=big_client)
    return candidates, clients, assignments


def _full_timers(
    assignments: list[AssignmentPlan],
    *,
    today: datetime.date,
    first_day: datetime.date,
    big_client: ClientPlan | None,
) -> None:
    """Near the annual premium cap (the premiums demo): a few candidates of the demo
    coordinator's Groningen work (nearly) full time from the first demo month until after
    today, so that the most hours pass the cap late in the year. Chosen and changed after the
    draw (no random numbers), so every other candidate, assignment and hour stays as it was.

    Only candidates with one assignment, an IBAN (to be paid) and aged 27 or over from the
    first demo day (so every hour earns premium); not at the big client (its crowd is the
    concurrency flag).
    """
    counts = Counter(id(item.candidate) for item in assignments)

    def age_on(birth: datetime.date, day: datetime.date) -> int:
        return day.year - birth.year - int((day.month, day.day) < (birth.month, birth.day))

    chosen = [
        item
        for item in assignments
        if item.candidate.code == FULL_TIMERS_CODE
        and item.candidate.status == Candidate.Status.ACTIVE
        and item.candidate.iban
        and counts[id(item.candidate)] == 1
        and item.status in (Assignment.Status.ACTIVE, Assignment.Status.ENDED)
        and item.client is not big_client
        and age_on(item.candidate.birth_date, first_day) >= PREMIUM_MIN_AGE
    ][: len(FULL_TIMERS_HOURS)]
    start = monday_of(first_day) + datetime.timedelta(days=7 if first_day.weekday() else 0)
    end = monday_of(today) + datetime.timedelta(weeks=8, days=4)  # a Friday
    for item, hours in zip(chosen, FULL_TIMERS_HOURS, strict=False):
        item.start_date, item.end_date = start, end
        item.hours_per_week = hours
        item.status, item.check, item.rejection_reason = Assignment.Status.ACTIVE, "complete", ""
        item.requested_on = start - datetime.timedelta(days=21)
