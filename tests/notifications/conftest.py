"""Fixtures for the notification tests: the settlement world of tests/settlements (Groningen
`town` and Assen `other_town` with 2026-H1 invoices, the back office, two treasurers), the
root `coordinator` (of Groningen) and `other_coordinator` (of Assen).

Events go through the services, as in use; `events` runs their on-commit work (the signal,
the in-process task, the immediate e-mail) so `mail.outbox` holds what would be sent.
"""

import datetime
from decimal import Decimal

import pytest

from tests.placements.factories import CandidateFactory, ClientFactory
from tests.settlements.conftest import (  # noqa: F401 - fixtures, used by name
    back_office_user,
    draft,
    framework,
    issue_invoice,
    other_back_office_user,
    other_town,
    other_treasurer_user,
    town,
    town_documents,
    treasurer_user,
)

BSN = "111222333"
IBAN = "NL20INGB0001234567"


@pytest.fixture
def events(django_capture_on_commit_callbacks):
    """`with events(): service(...)` runs what the service queued on commit."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def candidate(town):  # noqa: F811 - the fixture imported above
    """A Groningen candidate with a BSN and an IBAN: neither may appear in any e-mail."""
    return CandidateFactory(
        municipality=town, first_name="Anna", last_name="Aalders", bsn=BSN, iban=IBAN
    )


@pytest.fixture
def request_values(candidate):
    return {
        "candidate": candidate,
        "client": ClientFactory(name="Bakkerij De Korenschoof"),
        "start_date": datetime.date(2026, 3, 2),
        "end_date": datetime.date(2026, 5, 29),
        "hours_per_week": Decimal("20.00"),
        "work_description": "Orderpicken",
    }
