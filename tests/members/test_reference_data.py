"""Reference data ships with the portal: a freshly migrated database takes an assignment and
hours on the day it is installed, and history before it is recorded as a deliberate act.

The test database's migrations loaded the data, and tests/conftest.py removed it so the other
tests build their own terms; these tests load it again with the migration's own function.
"""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.roles import Role
from core.models import AuditEvent
from members.models import Framework, PremiumCap
from members.reference_data import GENERAL_FRAMEWORK_VERSIONS, PREMIUM_CAPS
from members.selectors import framework_in_force
from members.services import framework_save
from placements.models import TimeEntry
from placements.services import (
    assignment_approve,
    assignment_request,
    displacement_check_record,
    time_entries_approve,
    time_entry_create,
)
from premiums.models import PremiumAccrual
from tests.placements.factories import (
    CandidateFactory,
    ClientFactory,
    PlacementsMunicipalityFactory,
    PlacementsUserFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def _migrate_reference_data() -> None:
    """Run the data migration's forward function, as `migrate` does."""
    migration = importlib.import_module("members.migrations.0003_reference_data")
    migration.load(apps, None)


def test_the_migration_loads_the_cap_table_and_the_framework_history():
    _migrate_reference_data()

    caps = {cap.valid_from: cap.amount for cap in PremiumCap.objects.all()}
    assert len(caps) == 14
    assert caps[D(2019, 1, 1)] == Decimal("2500.00")
    assert caps[D(2025, 7, 1)] == Decimal("3326.00")
    assert caps[D(2026, 1, 1)] == Decimal("3398.00")
    versions = Framework.objects.filter(scope=Framework.Scope.GENERAL).order_by("valid_from")
    assert [(v.valid_from, v.client_hourly_rate_min) for v in versions] == [
        (D(2024, 1, 1), Decimal("13.27")),
        (D(2024, 7, 1), Decimal("13.68")),
        (D(2025, 1, 1), Decimal("14.06")),
        (D(2025, 7, 1), Decimal("14.40")),
        (D(2026, 1, 1), Decimal("14.71")),
    ]
    terms = framework_in_force(municipality=None, on=D(2026, 3, 1))
    assert terms.premium_per_hour == Decimal("2.00")
    assert terms.operator_fee_percentage == Decimal("30.00")
    assert terms.contribution_percentage == Decimal("2.00")
    assert terms.vat_percentage == Decimal("21.00")
    assert terms.annual_premium_cap == Decimal("3398.00")
    assert framework_in_force(municipality=None, on=D(2025, 12, 31)).annual_premium_cap == Decimal(
        "3326.00"
    )


def test_loading_again_adds_nothing_and_keeps_what_is_there():
    _migrate_reference_data()
    PremiumCap.objects.filter(valid_from=D(2019, 1, 1)).update(amount=Decimal("2499.00"))
    _migrate_reference_data()
    assert PremiumCap.objects.count() == len(PREMIUM_CAPS)
    assert Framework.objects.count() == len(GENERAL_FRAMEWORK_VERSIONS)
    assert PremiumCap.objects.get(valid_from=D(2019, 1, 1)).amount == Decimal("2499.00")


def test_a_fresh_installation_takes_an_assignment_and_hours_today():
    """Nothing hand-entered but the people: the terms come from the migration."""
    _migrate_reference_data()
    today = timezone.localdate()
    town = PlacementsMunicipalityFactory(cbs_code="GM0014", name="Groningen")
    coordinator = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town])
    back_office = PlacementsUserFactory(role=Role.BACK_OFFICE, is_staff=True)
    candidate = CandidateFactory(municipality=town)
    client = ClientFactory()

    assignment = assignment_request(
        actor=back_office,
        candidate=candidate,
        client=client,
        start_date=today,
        end_date=today + datetime.timedelta(weeks=8),
        hours_per_week=Decimal("20"),
        work_description="Inpakwerk",
        hourly_rate=Decimal("15.00"),
    )
    displacement_check_record(
        assignment=assignment,
        actor=coordinator,
        temporary_or_peak_work=True,
        no_open_vacancy=True,
        no_recent_layoffs=True,
        works_council_informed=True,
        client_signatory_name="P. de Vries",
        client_signed_on=today,
    )
    assignment = assignment_approve(assignment=assignment, actor=coordinator)
    entry = time_entry_create(
        assignment=assignment, actor=back_office, work_date=today, hours=Decimal("6")
    )
    assert time_entries_approve(entries=[entry], actor=back_office) == 1

    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.APPROVED
    accrual = PremiumAccrual.objects.get(time_entry=entry)
    assert accrual.rate == Decimal("2.00")
    assert accrual.amount == Decimal("12.00")
    assert accrual.annual_cap == framework_in_force(municipality=town, on=today).annual_premium_cap


def _version(valid_from: datetime.date, *, decision: str = "ALV-besluit 2023-07") -> Framework:
    return Framework(
        scope=Framework.Scope.GENERAL,
        valid_from=valid_from,
        client_hourly_rate_min=Decimal("12.00"),
        premium_per_hour=Decimal("2.00"),
        payout_moments=["06-30", "12-31"],
        operator_fee_percentage=Decimal("30.00"),
        contribution_percentage=Decimal("2.00"),
        contribution_operator_percentage=Decimal("1.00"),
        vat_percentage=Decimal("21.00"),
        long_after_weeks=26,
        large_hours_per_week=Decimal("32.00"),
        large_concurrent_candidates=10,
        decision_reference=decision,
    )


def test_history_is_recorded_with_its_decision_and_audited(back_office):
    _migrate_reference_data()
    version = framework_save(framework=_version(D(2023, 7, 1)), actor=back_office, history=True)

    assert framework_in_force(municipality=None, on=D(2023, 9, 1)).client_hourly_rate_min == (
        Decimal("12.00")
    )
    event = AuditEvent.objects.get(action="framework.record_history", object_id=str(version.pk))
    assert event.actor == back_office
    assert event.changes["decision_reference"] == [None, "ALV-besluit 2023-07"]


def test_a_past_version_without_the_history_act_is_still_refused(back_office):
    with pytest.raises(ValidationError) as error:
        framework_save(framework=_version(D(2023, 7, 1)), actor=back_office)
    assert "valid_from" in error.value.message_dict


def test_history_needs_its_decision(back_office):
    with pytest.raises(ValidationError) as error:
        framework_save(
            framework=_version(D(2023, 7, 1), decision=" "), actor=back_office, history=True
        )
    assert "decision_reference" in error.value.message_dict
    assert not Framework.objects.exists()


def test_history_lies_in_the_past(back_office):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        framework_save(framework=_version(tomorrow), actor=back_office, history=True)
    assert "valid_from" in error.value.message_dict


def test_history_never_changes_a_version_in_force(back_office):
    _migrate_reference_data()
    in_force = Framework.objects.get(valid_from=D(2026, 1, 1))
    in_force.client_hourly_rate_min = Decimal("9.99")
    with pytest.raises(ValidationError):
        framework_save(framework=in_force, actor=back_office, history=True)
    in_force.refresh_from_db()
    assert in_force.client_hourly_rate_min == Decimal("14.71")


def test_admin_records_history_with_the_tick_box(superuser_client):
    _migrate_reference_data()
    data = {
        "scope": "general",
        "valid_from": "01-07-2023",
        "decision_reference": "ALV-besluit 2023-07",
        "record_as_history": "on",
        "client_hourly_rate_min": "12.00",
        "premium_per_hour": "2.00",
        "payout_moments": "06-30,12-31",
        "operator_fee_percentage": "30.00",
        "contribution_percentage": "2.00",
        "contribution_operator_percentage": "1.00",
        "vat_percentage": "21.00",
        "long_after_weeks": "26",
        "large_hours_per_week": "32.00",
        "large_concurrent_candidates": "10",
    }
    refused = superuser_client.post(
        "/admin/members/framework/add/", {**data, "record_as_history": ""}
    )
    assert refused.status_code == 200
    assert "valid_from" in refused.context["adminform"].form.errors

    response = superuser_client.post("/admin/members/framework/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    version = Framework.objects.get(valid_from=D(2023, 7, 1))
    assert AuditEvent.objects.filter(
        action="framework.record_history", object_id=str(version.pk)
    ).exists()
