"""People's names in one order everywhere: "Wal, Roel van der", sorted on "Wal".

A Dutch surname may start with a prefix (tussenvoegsel: van, de, van der, 't, ...). Lists
write the surname first, then the first name and the prefix, and sort on the surname without
its prefix, as the Dutch municipal registers do. `surname_sort` is the same rule as a
database expression, so a list is ordered by PostgreSQL, page by page.
"""

from django.db.models import F, Func, Value
from django.db.models.functions import Lower

# Lower case; a name is split only on these words, and never down to nothing.
PREFIXES = frozenset(
    {"van", "de", "der", "den", "het", "'t", "ten", "ter", "te", "in", "op", "aan", "uit", "vd"}
)
_PREFIX_RE = r"^((" + "|".join(sorted(PREFIXES, key=len, reverse=True)) + r")\s+)+"


def split_surname(last_name: str) -> tuple[str, str]:
    """(prefix, surname): "van der Wal" -> ("van der", "Wal"); "Bakker" -> ("", "Bakker")."""
    words = last_name.split()
    count = 0
    while count < len(words) - 1 and words[count].lower() in PREFIXES:
        count += 1
    return " ".join(words[:count]), " ".join(words[count:])


def list_name(first_name: str, last_name: str) -> str:
    """ "Wal, Roel van der" ("Bakker, Anna"; the surname alone without a first name)."""
    prefix, surname = split_surname(last_name)
    given = " ".join(part for part in (first_name.strip(), prefix) if part)
    return f"{surname}, {given}" if given and surname else surname or given


def surname_sort(field: str) -> Lower:
    """The lower-case surname of `field` without its prefix, computed by PostgreSQL."""
    return Lower(
        Func(F(field), Value(_PREFIX_RE), Value(""), Value("i"), function="regexp_replace")
    )
