"""The demo is dated around the day it was first loaded, so loading it again on a later day
(`make run` tomorrow) finds the same rows instead of drawing new ones around a new today."""

import datetime

import pytest
from django.utils import timezone

from demo.accounts import DEMO_BACK_OFFICE_EMAIL
from demo.management.commands.seed_demo import demo_day
from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_fresh_database_dates_the_demo_today():
    assert demo_day() == timezone.localdate()


@pytest.mark.django_db
def test_a_loaded_demo_keeps_the_day_it_was_first_loaded():
    first = timezone.make_aware(datetime.datetime(2026, 11, 27, 23, 30))  # Amsterdam time
    UserFactory(email=DEMO_BACK_OFFICE_EMAIL, date_joined=first)
    assert demo_day() == datetime.date(2026, 11, 27)
