"""premiums follows placements' hours through one hook (placements.signals), connected in
PremiumsConfig.ready(): exactly its two receivers, so a missing registration fails here."""

import pytest
from django.db import transaction

from placements.models import TimeEntry
from placements.signals import time_entries_approved, time_entries_withdrawn
from premiums import receivers


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("signal", "receiver"),
    [
        (time_entries_approved, receivers.premium_accrue_on_approval),
        (time_entries_withdrawn, receivers.premium_reverse_on_withdrawal),
    ],
)
def test_the_hook_has_exactly_the_premium_receiver(signal, receiver):
    with transaction.atomic():
        responses = signal.send(sender=TimeEntry, entry_ids=[], actor=None)
    assert [called for called, _response in responses] == [receiver]
