"""The audit trail: who did what to which object, written in the service's own transaction."""

import datetime
import json
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from core.services import audit_record, audit_snapshot, model_save_audited
from members.models import Framework, Municipality
from members.services import framework_save, municipality_save
from tests.factories import FrameworkFactory, LabourMarketRegionFactory, PremiumCapFactory

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_actor_action_object_and_only_changed_fields(municipality, back_office):
    event = audit_record(
        actor=back_office,
        action="municipality.update",
        obj=municipality,
        summary="Naam gecorrigeerd",
        before={"name": "Groningen", "cbs_code": "GM0014", "region": "Noord"},
        after={"name": "Gemeente Groningen", "cbs_code": "GM0014", "extra": 1},
    )
    event.refresh_from_db()
    assert event.actor == back_office
    assert event.action == "municipality.update"
    assert event.content_type == ContentType.objects.get_for_model(Municipality)
    assert event.object_id == str(municipality.pk)
    assert event.object_repr == "Groningen (GM0014)"
    assert event.summary == "Naam gecorrigeerd"
    assert event.changes == {
        "name": ["Groningen", "Gemeente Groningen"],
        "region": ["Noord", None],
        "extra": [None, 1],
    }


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_audit_record_for_the_system(actor):
    event = audit_record(actor=actor, action="system.tick")
    assert event.actor is None
    assert (event.content_type, event.object_id, event.changes) == (None, "", {})


def test_model_save_audited_records_creation_and_only_the_changes(back_office):
    region = LabourMarketRegionFactory(name="Groningen")
    municipality = Municipality(cbs_code="GM0014", name="Groningen", region=region)
    model_save_audited(obj=municipality, actor=back_office, action_prefix="municipality")
    created = AuditEvent.objects.get(action="municipality.create")
    assert created.changes == {
        "cbs_code": [None, "GM0014"],
        "name": [None, "Groningen"],
        "region_id": [None, region.pk],
        "settlement_iban": [None, ""],
    }

    municipality.name = "Gemeente Groningen"
    municipality_save(municipality=municipality, actor=back_office)
    updated = AuditEvent.objects.get(action="municipality.update")
    assert updated.actor == back_office
    assert updated.object_id == str(municipality.pk)
    assert updated.changes == {"name": ["Groningen", "Gemeente Groningen"]}


def test_model_save_audited_validates_before_saving(back_office):
    municipality = Municipality(cbs_code="GM14", name="X", region=LabourMarketRegionFactory())
    with pytest.raises(ValidationError):
        model_save_audited(obj=municipality, actor=back_office, action_prefix="municipality")
    assert not Municipality.objects.exists()
    assert not AuditEvent.objects.exists()


def test_personal_fields_are_masked(back_office, coordinator):
    snapshot = audit_snapshot(coordinator, fields=["email", "password"])
    assert snapshot == {"email": coordinator.email, "password": "***"}

    coordinator.set_password("Een-ander-wachtwoord-2026")
    coordinator.first_name = "Carla"
    model_save_audited(obj=coordinator, actor=back_office, action_prefix="user")
    event = AuditEvent.objects.get(action="user.update")
    assert "first_name" in event.changes
    assert coordinator.password not in json.dumps(event.changes)


@pytest.mark.parametrize("field", ["bsn", "bsn_encrypted", "iban"])
def test_citizen_data_is_masked(field):
    holder = mock.Mock(**{field: "NL91ABNA0417164300"})
    assert audit_snapshot(holder, fields=[field]) == {field: "***"}


# --- A service writes its audit row in its own transaction ------------------------------------


@pytest.fixture
def general_framework(db):
    PremiumCapFactory()
    return FrameworkFactory(valid_from=datetime.date(2026, 1, 1))


def _local(municipality, rate: str) -> Framework:
    return Framework(
        scope=Framework.Scope.LOCAL,
        municipality=municipality,
        valid_from=datetime.date(2026, 7, 1),
        client_hourly_rate_min=Decimal(rate),
    )


def test_framework_save_writes_an_audit_event(general_framework, municipality, back_office):
    local = framework_save(
        framework=_local(municipality, "15.00"), actor=back_office, today=datetime.date(2026, 6, 1)
    )
    event = AuditEvent.objects.get(action="framework.create")
    assert event.object_id == str(local.pk)
    assert event.actor == back_office
    assert event.changes["client_hourly_rate_min"] == [None, "15.00"]


def test_refused_framework_save_leaves_no_audit_event(general_framework, municipality, back_office):
    with pytest.raises(ValidationError):
        framework_save(
            framework=_local(municipality, "14.00"),
            actor=back_office,
            today=datetime.date(2026, 6, 1),
        )
    assert not AuditEvent.objects.exists()


def test_failed_audit_write_undoes_the_framework_save(general_framework, municipality, back_office):
    with (
        mock.patch.object(AuditEvent.objects, "create", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        framework_save(
            framework=_local(municipality, "15.00"),
            actor=back_office,
            today=datetime.date(2026, 6, 1),
        )
    assert not Framework.objects.filter(scope=Framework.Scope.LOCAL).exists()


# --- The admin shows the trail, read-only -----------------------------------------------------


@pytest.fixture
def event(municipality, back_office):
    return audit_record(actor=back_office, action="municipality.update", obj=municipality)


@pytest.mark.parametrize("actor", ["back_office_client", "superuser_client"])
def test_admin_shows_audit_trail_read_only(request, event, actor):
    client = request.getfixturevalue(actor)
    base = "/admin/core/auditevent/"

    changelist = client.get(base)
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [event]

    detail = client.get(f"{base}{event.pk}/change/")
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False

    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{event.pk}/change/", {"action": "forged"}).status_code == 403
    assert client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(base, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})

    event.refresh_from_db()  # still there, unchanged
    assert event.action == "municipality.update"


def test_coordinator_has_no_audit_trail(event, coordinator_client):
    response = coordinator_client.get("/admin/core/auditevent/")
    assert response.status_code == 302
