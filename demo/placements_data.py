"""Demo data for placements, the fixed part: the seed, the sizes, names, places, kinds of work,
reasons and holidays the plan (demo.placements_plan) draws from."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

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
