"""Names in one order: surname first, the prefix after the first name, sorted on the surname."""

import pytest

from core.names import list_name, split_surname, surname_sort
from placements.models import Candidate
from tests.placements.factories import CandidateFactory


def test_the_prefix_goes_after_the_first_name():
    assert split_surname("van der Wal") == ("van der", "Wal")
    assert split_surname("'t Hart") == ("'t", "Hart")
    assert split_surname("Bakker") == ("", "Bakker")
    assert split_surname("De") == ("", "De")  # never split down to nothing
    assert list_name("Roel", "van der Wal") == "Wal, Roel van der"
    assert list_name("Anna", "Bakker") == "Bakker, Anna"
    assert list_name("Ingrid", "El Amrani") == "El Amrani, Ingrid"
    assert list_name("", "Bakker") == "Bakker"


@pytest.mark.django_db
def test_the_database_sorts_on_the_surname_without_its_prefix():
    for first, last in [
        ("Roel", "van der Wal"),
        ("Anna", "Bakker"),
        ("Piet", "de Vries"),
        ("Jan", "Visser"),
        ("Els", "Van den Berg"),
    ]:
        CandidateFactory(first_name=first, last_name=last)
    ordered = Candidate.objects.order_by(surname_sort("last_name"), "first_name")
    assert [c.list_name for c in ordered] == [
        "Bakker, Anna",
        "Berg, Els Van den",
        "Visser, Jan",
        "Vries, Piet de",
        "Wal, Roel van der",
    ]
