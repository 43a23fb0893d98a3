# ruff: noqa: F811 - `placed` is a fixture imported from import_fixtures
"""Every bad cell of a row is named at once: the cells' own checks and what the row names in
the database (municipality, candidate, client), not only the first problem."""

import pytest
from django.utils import translation

from tests.placements.import_fixtures import (
    HEADERS,
    counts,
    messages,
    placed,  # noqa: F401 - a fixture
    run,
    write_csv,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_an_hours_row_names_its_municipality_kvk_and_hours_together(placed, tmp_path):
    before = counts()
    path = write_csv(
        tmp_path,
        [HEADERS["hours"], ["GM9999", "K-1001", "1234", "02-03-2026", "03-03-2026", "99"]],
    )
    result = run("hours", path)
    assert messages(result) == [
        "row 2, column kvk_number: A KvK number has exactly eight digits.",
        "row 2, column hours: At most 24 hours a day.",
        "row 2, column municipality: Unknown municipality: no municipality has CBS code GM9999.",
    ]
    assert counts() == before


def test_an_hours_row_names_an_unknown_candidate_and_an_unknown_client(placed, tmp_path):
    path = write_csv(
        tmp_path,
        [HEADERS["hours"], ["GM0014", "K-404", "87654321", "02-03-2026", "03-03-2026", "8"]],
    )
    assert messages(run("hours", path)) == [
        "row 2, column client_number: Unknown candidate: Groningen (GM0014) has no candidate with "
        "client number K-404.",
        "row 2, column kvk_number: Unknown client: no client has KvK number 87654321.",
    ]


def test_an_assignment_row_names_every_bad_cell_and_the_unknown_client(placed, tmp_path):
    path = write_csv(
        tmp_path,
        [
            HEADERS["assignments"],
            ["GM0014", "K-1001", "87654321", "31-02-2026", "29-05-2026", "veel", "Groen", ""],
        ],
    )
    assert messages(run("assignments", path)) == [
        "row 2, column start_date: There is no date “31-02-2026”.",
        "row 2, column hours_per_week: Enter a number, e.g. 7,5 or 7.5, not “veel”.",
        "row 2, column kvk_number: Unknown client: no client has KvK number 87654321.",
    ]


def test_a_candidate_row_names_its_bad_date_and_its_unknown_municipality(placed, tmp_path):
    row = ["GM9999", "K-7", "Anna", "Visser", "1980-02-30", "", "", "", "", "misschien"]
    path = write_csv(tmp_path, [HEADERS["candidates"], row])
    assert messages(run("candidates", path)) == [
        "row 2, column birth_date: There is no date “1980-02-30”.",
        "row 2, column wage_cost_subsidy: Enter yes or no (ja/nee, 1/0), not “misschien”.",
        "row 2, column municipality: Unknown municipality: no municipality has CBS code GM9999.",
    ]
