"""The audit trail for the treasurer: filters on who, what, when (dates in Europe/Amsterdam)
and which object; paginated; the export is the filtered list."""

import csv
import datetime
import io
import zoneinfo
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.models import AuditEvent
from members.models import Municipality
from tests.factories import MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("supervision:audit")
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=AMSTERDAM)


def _at_time(when: datetime.datetime, **fields) -> AuditEvent:
    """An audit event recorded at `when` (the trail is insert-only, even in the database: the
    time is set when it is written, never changed after)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        return AuditEvent.objects.create(**fields)


@pytest.fixture
def events(db):
    """Three events: Jan's change of Groningen just after midnight on 2 March (Amsterdam
    time, still 1 March in UTC), Piet's payment on 3 March, and a background job on 4 March."""
    jan = UserFactory(email="jan@operator.example.nl", first_name="Jan", last_name="Jansen")
    piet = UserFactory(email="piet@operator.example.nl", first_name="Piet", last_name="Pieters")
    town = MunicipalityFactory(name="Groningen", cbs_code="GM0014")
    municipality_type = ContentType.objects.get_for_model(Municipality)
    made = [
        _at_time(
            at(2026, 3, 2, 0, 30),
            actor=jan,
            action="municipality.update",
            content_type=municipality_type,
            object_id=str(town.pk),
            object_repr="Groningen",
            changes={"settlement_iban": ["***", "***"]},
        ),
        _at_time(
            at(2026, 3, 3, 12), actor=piet, action="payment.record", summary="2026-000001: 10.00"
        ),
        _at_time(at(2026, 3, 4, 3), actor=None, action="settlement_run.finish", summary="nachtrun"),
    ]
    assert [e.created_at for e in made] == [
        at(2026, 3, 2, 0, 30),
        at(2026, 3, 3, 12),
        at(2026, 3, 4, 3),
    ]
    return {"town": town, "type": municipality_type}


def actions(response) -> list[str]:
    return [e.action for e in response.context["page"].object_list]


def test_newest_first(treasurer_client, events):
    assert actions(treasurer_client.get(URL)) == [
        "settlement_run.finish",
        "payment.record",
        "municipality.update",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "jansen"}, ["municipality.update"]),
        ({"actor": "piet@operator"}, ["payment.record"]),
        ({"actor": "system"}, ["settlement_run.finish"]),
        ({"action": "payment.record"}, ["payment.record"]),
        ({"date_from": "2026-03-02", "date_to": "2026-03-02"}, ["municipality.update"]),
        ({"date_to": "2026-03-01"}, []),
        ({"date_from": "2026-03-03"}, ["settlement_run.finish", "payment.record"]),
        ({"q": "nachtrun"}, ["settlement_run.finish"]),
    ],
)
def test_the_filters(board_client, events, params, expected):
    assert actions(board_client.get(URL, params)) == expected


def test_the_object_filter(treasurer_client, events):
    params = {"content_type": events["type"].pk, "object_id": events["town"].pk}
    assert actions(treasurer_client.get(URL, params)) == ["municipality.update"]
    params["object_id"] = events["town"].pk + 1
    assert actions(treasurer_client.get(URL, params)) == []


def test_an_unknown_action_is_refused_not_ignored(treasurer_client, events):
    response = treasurer_client.get(URL, {"action": "nothing.like.this"})
    assert response.context["form"].errors
    assert actions(response) == []


def test_paginated(treasurer_client, events, monkeypatch):
    monkeypatch.setattr("supervision.views.PAGE_SIZE", 2)
    first = treasurer_client.get(URL)
    assert len(first.context["page"].object_list) == 2
    assert first.context["page"].has_next()
    assert actions(treasurer_client.get(URL, {"page": 2})) == ["municipality.update"]


def test_the_export_is_the_filtered_list(treasurer_client, events):
    response = treasurer_client.get(URL, {"actor": "jan", "format": "csv"})
    [row] = list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert row["Wie"] == "jan@operator.example.nl"
    assert row["Actie"] == "municipality.update"
    assert row["Wanneer"] == "02-03-2026 00:30"
    assert row["Wijzigingen"] == "settlement_iban: *** → ***"


def test_the_action_choices_are_the_recorded_actions(treasurer_client, events):
    AuditEvent.objects.create(actor=None, action="payment.record")  # a second one
    choices = treasurer_client.get(URL).context["form"].fields["action"].choices
    assert [value for value, _label in choices] == [
        "",
        "municipality.update",
        "payment.record",
        "settlement_run.finish",
    ]


def test_the_landing_page_counts_the_last_thirty_days(treasurer_client, events):
    AuditEvent.objects.create(actor=None, action="payment.record")  # now
    overview = treasurer_client.get(reverse("supervision:index")).context["overview"]
    assert overview.audit_event_count == 1  # the three of March 2026 are older
