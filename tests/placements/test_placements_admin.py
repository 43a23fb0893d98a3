"""The back office admin: pages load, saves go through the services (errors on the form),
the BSN never appears in full, hours are approved in bulk, invoiced hours are read-only."""

import datetime
from decimal import Decimal

import pytest

from core.models import AuditEvent
from placements.models import Assignment, Candidate, TimeEntry
from tests.clock import clock_at
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    ClientFactory,
    TimeEntryFactory,
)

BSN = "111222333"


@pytest.fixture
def data(town, framework):
    candidate = CandidateFactory(municipality=town, bsn=BSN)
    assignment = AssignmentFactory(candidate=candidate, active=True)
    entry = TimeEntryFactory(assignment=assignment)
    return {"candidate": candidate, "assignment": assignment, "entry": entry}


@pytest.mark.parametrize(
    "model", ["candidate", "client", "assignment", "displacementcheck", "timeentry"]
)
def test_changelists_and_add_pages_load(back_office_client, data, model):
    response = back_office_client.get(f"/admin/placements/{model}/")
    assert response.status_code == 200
    assert BSN not in response.content.decode()
    if model != "displacementcheck":
        assert back_office_client.get(f"/admin/placements/{model}/add/").status_code == 200


def test_candidate_pages_show_the_bsn_masked_only(back_office_client, data):
    candidate = data["candidate"]
    listing = back_office_client.get("/admin/placements/candidate/").content.decode()
    assert "*****2333" in listing
    page = back_office_client.get(f"/admin/placements/candidate/{candidate.pk}/change/")
    assert page.status_code == 200
    assert BSN not in page.content.decode()
    assert "*****2333" in page.content.decode()


def test_candidate_found_by_full_bsn(back_office_client, data):
    """The search box posts; the list it leads to has a search token, not the number, in its
    address (tests/security/test_no_bsn_in_urls.py covers every search)."""
    response = back_office_client.post(
        "/admin/placements/candidate/", {"_search": "1", "q": "1112.22.333"}, follow=True
    )
    [(address, status)] = response.redirect_chain
    assert status == 303
    assert "111222333" not in address
    assert "1112.22.333" not in address
    assert data["candidate"].client_number in response.content.decode()


def test_candidate_added_through_the_service(back_office_client, back_office_with_mfa, town):
    response = back_office_client.post(
        "/admin/placements/candidate/add/",
        {
            "municipality": town.pk,
            "client_number": "GR-777",
            "first_name": "Piet",
            "last_name": "Hein",
            "birth_date": "1990-02-03",
            "status": "active",
            "bsn": "123456782",
            "new_iban": "nl91 abna 0417 1643 00",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    candidate = Candidate.objects.get(client_number="GR-777")
    assert candidate.bsn_masked == "*****6782" and candidate.iban == "NL91ABNA0417164300"
    assert AuditEvent.objects.get(action="candidate.create").actor == back_office_with_mfa


def test_candidate_bad_bsn_shown_on_the_form(back_office_client, town):
    response = back_office_client.post(
        "/admin/placements/candidate/add/",
        {
            "municipality": town.pk,
            "client_number": "GR-778",
            "first_name": "Piet",
            "last_name": "Hein",
            "birth_date": "1990-02-03",
            "status": "active",
            "bsn": "123456789",
            "new_iban": "NL00ABNA0417164300",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "bsn" in errors and "new_iban" in errors
    assert not Candidate.objects.filter(client_number="GR-778").exists()


def _assignment_post(candidate, client, **overrides):
    data = {
        "candidate": candidate.pk,
        "client": client.pk,
        "start_date": "2026-03-02",
        "end_date": "2026-05-29",
        "hours_per_week": "20",
        "hourly_rate": "",
        "work_description": "Inpakken",
        "displacement_check-TOTAL_FORMS": "0",
        "displacement_check-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_assignment_requested_with_the_default_rate(back_office_client, town, framework):
    candidate, client = CandidateFactory(municipality=town), ClientFactory()
    response = back_office_client.post(
        "/admin/placements/assignment/add/", _assignment_post(candidate, client)
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(candidate=candidate)
    assert (assignment.status, assignment.hourly_rate) == ("requested", Decimal("14.71"))


def test_assignment_rate_below_minimum_on_the_form(back_office_client, town, framework):
    candidate, client = CandidateFactory(municipality=town), ClientFactory()
    response = back_office_client.post(
        "/admin/placements/assignment/add/",
        _assignment_post(candidate, client, hourly_rate="10,00"),
    )
    assert response.status_code == 200
    assert "hourly_rate" in response.context["adminform"].form.errors
    assert not Assignment.objects.exists()


def test_time_entry_rules_on_the_form(back_office_client, data):
    response = back_office_client.post(
        "/admin/placements/timeentry/add/",
        {"assignment": data["assignment"].pk, "work_date": "2026-03-04", "hours": "24.5"},
    )
    assert response.status_code == 200
    assert "hours" in response.context["adminform"].form.errors
    response = back_office_client.post(
        "/admin/placements/timeentry/add/",
        {"assignment": data["assignment"].pk, "work_date": "2026-03-04", "hours": "7,5"},
    )
    assert response.status_code == 302
    assert TimeEntry.objects.get(work_date=datetime.date(2026, 3, 4)).hours == Decimal("7.50")


def test_time_entry_of_a_day_after_today_refused_on_the_form(back_office_client, town, framework):
    assignment = AssignmentFactory(
        candidate=CandidateFactory(municipality=town),
        active=True,
        start_date=datetime.date(2026, 11, 2),
        end_date=datetime.date(2027, 1, 29),
    )
    with clock_at("2026-12-04T22:30Z"):  # 23:30 on 4 December in Amsterdam
        response = back_office_client.post(
            "/admin/placements/timeentry/add/",
            {"assignment": assignment.pk, "work_date": "05-12-2026", "hours": "8"},
        )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["work_date"] == [
        "05-12-2026 ligt na vandaag (04-12-2026): op die dag is nog niet gewerkt."
    ]  # the admin speaks Dutch
    assert not TimeEntry.objects.exists()


def test_bulk_approve_action(back_office_client, back_office_with_mfa, data):
    second = TimeEntryFactory(assignment=data["assignment"], work_date=datetime.date(2026, 3, 4))
    response = back_office_client.post(
        "/admin/placements/timeentry/",
        {"action": "approve_hours", "_selected_action": [data["entry"].pk, second.pk]},
    )
    assert response.status_code == 302
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {"approved"}
    assert set(TimeEntry.objects.values_list("approved_by", flat=True)) == {back_office_with_mfa.pk}


def test_invoiced_entry_is_read_only(back_office_client, data):
    entry = data["entry"]
    TimeEntry.objects.filter(pk=entry.pk).update(
        status="invoiced", approved_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
    )
    url = f"/admin/placements/timeentry/{entry.pk}/change/"
    page = back_office_client.get(url)
    assert page.status_code == 200
    assert 'name="hours"' not in page.content.decode()
    response = back_office_client.post(
        url, {"assignment": entry.assignment_id, "work_date": "2026-03-03", "hours": "1"}
    )
    assert response.status_code == 403
    assert (
        back_office_client.post(f"/admin/placements/timeentry/{entry.pk}/delete/").status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.hours == Decimal("8.00")


def test_activate_and_end_actions(back_office_client, town, framework):
    approved = AssignmentFactory(candidate=CandidateFactory(municipality=town), approved=True)
    requested = AssignmentFactory(candidate=CandidateFactory(municipality=town))
    response = back_office_client.post(
        "/admin/placements/assignment/",
        {"action": "activate_selected", "_selected_action": [approved.pk, requested.pk]},
        follow=True,
    )
    assert response.status_code == 200
    levels = sorted(m.level_tag for m in response.context["messages"])
    assert levels == ["error", "success"]  # the requested one is refused, by name
    approved.refresh_from_db()
    requested.refresh_from_db()
    assert (approved.status, requested.status) == ("active", "requested")
