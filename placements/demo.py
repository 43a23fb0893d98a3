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
from collections import Counter, defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.db.models import Count
from schwifty import IBAN

from accounts.demo import DEMO_BACK_OFFICE_EMAIL, DEMO_PASSWORD
from accounts.models import User
from accounts.roles import Role
from members.models import Membership, Municipality
from members.selectors import framework_in_force
from placements.models import PREMIUM_MIN_AGE, Assignment, Candidate, Client, TimeEntry
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

SEED = 2026
CANDIDATES = 300
CLIENTS = 80
ASSIGNMENTS = 400
TZ = ZoneInfo("Europe/Amsterdam")

# Candidates per municipality (the active members); the demo coordinator's two get the most.
CANDIDATE_WEIGHTS = {
    "GM0014": 70,
    "GM1952": 45,
    "GM0037": 20,
    "GM1950": 15,
    "GM0106": 30,
    "GM0114": 30,
    "GM0118": 20,
    "GM0119": 15,
    "GM0080": 30,
    "GM0090": 25,
}
# Coordinators for the municipalities the accounts demo leaves without one: their earlier
# decisions are part of the demo history (a displacement check needs a coordinator).
EXTRA_COORDINATORS = [
    ("coordinator.oost-groningen@demo.nvsi.nl", "Olga", "Oosterhuis", ["GM0037", "GM1950"]),
    ("coordinator.zuidwest-drenthe@demo.nvsi.nl", "Ruud", "Reinders", ["GM0118", "GM0119"]),
    ("coordinator.friesland@demo.nvsi.nl", "Femke", "Feenstra", ["GM0080", "GM0090"]),
]
# Where clients sit: city, postcode digits, the municipality it belongs to, street names.
CITIES = [
    ("Groningen", "97", "GM0014"),
    ("Hoogezand", "96", "GM1952"),
    ("Stadskanaal", "95", "GM0037"),
    ("Ter Apel", "956", "GM1950"),
    ("Assen", "94", "GM0106"),
    ("Emmen", "78", "GM0114"),
    ("Hoogeveen", "790", "GM0118"),
    ("Meppel", "794", "GM0119"),
    ("Leeuwarden", "89", "GM0080"),
    ("Drachten", "92", "GM0090"),
]
CITY_WEIGHTS = [18, 9, 5, 3, 8, 8, 5, 4, 8, 6]
STREETS = [
    "Industrieweg",
    "Handelsweg",
    "Nijverheidsweg",
    "Stationsstraat",
    "Hoofdstraat",
    "Kanaalweg",
    "Molenweg",
    "Zuiderweg",
    "Ambachtsweg",
    "Havenstraat",
    "Energieweg",
    "Bedrijvenpark",
    "Transportweg",
    "Oosterstraat",
    "Marktplein",
]
FIRST_NAMES = [
    "Anna", "Bram", "Chantal", "Daan", "Eva", "Fatima", "Gerrit", "Hanna", "Ibrahim", "Jan",
    "Karin", "Lars", "Mohammed", "Nina", "Olaf", "Priya", "Roel", "Sanne", "Tom", "Ursula",
    "Vera", "Wouter", "Yusuf", "Zoë", "Ahmet", "Bianca", "Cor", "Dewi", "Erik", "Fenna",
    "Gijs", "Hatice", "Ilse", "Joost", "Kees", "Lotte", "Marco", "Noor", "Pieter", "Rianne",
    "Sem", "Tamara", "Willem", "Yara", "Aukje", "Bauke", "Douwe", "Geertje", "Hidde", "Jildou",
    "Klaas", "Marijke", "Sjoerd", "Tjitske", "Wietske", "Mustafa", "Samira", "Dennis", "Kevin",
    "Monique", "Natasja", "Patrick", "Ricardo", "Sharon", "Stefan", "Ingrid", "Henk", "Tineke",
]  # fmt: skip
LAST_NAMES = [
    "de Vries", "Jansen", "van der Meer", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Dijkstra", "Hoekstra",
    "Postma", "Kuipers", "Veenstra", "Wiersma", "Bosma", "Huisman", "Zijlstra", "Kramer",
    "Brouwer", "Hofstra", "van der Wal", "Boersma", "Schuurman", "Oosting", "Kalsbeek", "Drenth",
    "Lubbers", "Hummel", "Wubbels", "Nijboer", "Tuinstra", "Yilmaz", "Kaya", "El Amrani",
    "Bouali", "Pranoto", "Sedney", "Kowalski", "Nowak", "Haddad", "van Wijk", "Koster",
    "Prins", "Scholten", "Wolters", "Timmer", "Molenaar", "Akkerman", "Stel", "Jonker",
]  # fmt: skip
TRADES = [
    "Bakkerij", "Hoveniersbedrijf", "Schoonmaakbedrijf", "Installatiebedrijf", "Transportbedrijf",
    "Timmerfabriek", "Drukkerij", "Kwekerij", "Slagerij", "Autobedrijf", "Schildersbedrijf",
    "Metaalbewerking", "Verhuisbedrijf", "Fietsenmakerij", "Groothandel", "Bouwbedrijf",
    "Tuincentrum", "Glazenwassersbedrijf", "Loonbedrijf", "Catering",
]  # fmt: skip
ORGANISATIONS = [
    "Stichting Kringloop {city}", "Zorgboerderij De Hoeve", "Sportvereniging {city} Vooruit",
    "Stichting Dorpshuis De Schakel", "Uitzendbureau Flexwerk Noord", "Logistiek Centrum {city}",
    "Stichting Voedselbank {city}", "Vereniging Speeltuin De Klimboom", "Zorggroep Het Anker",
    "Recyclingbedrijf Groen{city}",
    "Stichting Natuurbeheer {city}",
]  # fmt: skip
WORK = [
    ("Orderpicken en inpakken in het magazijn", "magazijn"),
    ("Onderhoud van groen en plantsoenen", "groen"),
    ("Schoonmaakwerk in kantoren, avonduren", "schoonmaak"),
    ("Hulp in de bediening en afwas", "horeca"),
    ("Sorteren en prijzen van ingebrachte goederen", "kringloop"),
    ("Assisteren bij montage en productie", "productie"),
    ("Bijrijder bij bezorging en verhuizingen", "logistiek"),
    ("Hulp bij de oogst en het oppotten van planten", "tuinbouw"),
    ("Klusjes en onderhoud aan gebouwen", "onderhoud"),
    ("Ondersteuning in de keuken bij catering", "horeca"),
]
REJECTION_REASONS = [
    "Er staat een vacature open voor dit werk bij de opdrachtgever.",
    "De opdrachtgever heeft dit jaar personeel ontslagen in deze functie.",
    "De kandidaat is vanaf de startdatum niet beschikbaar (start opleiding).",
    "Dit is structureel werk, geen tijdelijk of piekwerk: verdringing dreigt.",
]
SIGN_OFF_REASONS = {
    "long": "Seizoensproject van de opdrachtgever; tussentijdse evaluatie met de klantmanager "
    "na drie maanden afgesproken.",
    "hours": "Kandidaat wil de urenomvang opbouwen richting regulier werk; afgestemd met de "
    "klantmanager en de opdrachtgever.",
    "concurrent": "Tijdelijke piek in het distributiecentrum; de opdrachtgever bevestigt "
    "schriftelijk dat er geen vacatures openstaan.",
}
# Public holidays: no hours on these days.
HOLIDAYS = {
    datetime.date(2025, 12, 25),
    datetime.date(2025, 12, 26),
    datetime.date(2026, 1, 1),
    datetime.date(2026, 4, 6),
    datetime.date(2026, 4, 27),
    datetime.date(2026, 5, 14),
    datetime.date(2026, 5, 25),
    datetime.date(2026, 12, 25),
    datetime.date(2026, 12, 26),
}
QUARTER = Decimal("0.25")
# Full time all year in Groningen (the premiums demo). The annual premium cap takes about 1700
# hours (2.00 an hour, cap 3398 in 2026): the 48-hour week (the legal average maximum) passes it
# from about November, the 40-hour week comes near it; the 36-hour week stays well below.
FULL_TIMERS_CODE = "GM0014"
FULL_TIMERS_HOURS = [Decimal("48"), Decimal("40"), Decimal("36")]


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


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
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
        start = _monday(start) + datetime.timedelta(days=7 if start.weekday() else 0)
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
        crowd_start = _monday(today - datetime.timedelta(days=60))
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
    start = _monday(first_day) + datetime.timedelta(days=7 if first_day.weekday() else 0)
    end = _monday(today) + datetime.timedelta(weeks=8, days=4)  # a Friday
    for item, hours in zip(chosen, FULL_TIMERS_HOURS, strict=False):
        item.start_date, item.end_date = start, end
        item.hours_per_week = hours
        item.status, item.check, item.rejection_reason = Assignment.Status.ACTIVE, "complete", ""
        item.requested_on = start - datetime.timedelta(days=21)


# --- Writing ----------------------------------------------------------------------------------


def _coordinators(municipalities: dict[str, Municipality]) -> dict[str, User]:
    group = Group.objects.get(name=Role.COORDINATOR.value)
    for email, first, last, codes in EXTRA_COORDINATORS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
            )
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
    requested = _aware(item.requested_on, 9)
    performed = _aware(min(item.requested_on + datetime.timedelta(days=4), today), 14)
    decided = _aware(min(item.requested_on + datetime.timedelta(days=6), today), 11)
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
        monday = _monday(day)
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
                        approved_at=_aware(next_monday + datetime.timedelta(days=1), 10)
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
    entered_from = _monday(today) - datetime.timedelta(days=7)  # this week and last: entered
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
