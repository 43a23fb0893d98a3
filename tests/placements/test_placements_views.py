"""The coordinator's placement pages: who may open what (one matrix), the displacement check
and the decisions through the views, the BSN shown once, and hours per month."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone

from core.models import AuditEvent
from placements.models import Assignment, DisplacementCheck, TimeEntry
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    DisplacementCheckFactory,
    TimeEntryFactory,
)

BSN = "111222333"


def _client_for(user) -> HttpClient:
    client = HttpClient()
    if user is not None:
        client.force_login(user)
    # The pages in English, as the assertions are (the language switch sets this cookie).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def scene(town, other_town, framework):
    """A candidate with a requested assignment and hours in each of the two towns."""
    mine = CandidateFactory(
        municipality=town, first_name="Anna", last_name="Smit", client_number="G-1", bsn=BSN
    )
    theirs = CandidateFactory(
        municipality=other_town, first_name="Bert", last_name="Kok", client_number="A-1"
    )
    return {
        "candidate": mine,
        "other_candidate": theirs,
        "assignment": AssignmentFactory(candidate=mine),
        "other_assignment": AssignmentFactory(candidate=theirs),
        "entry": TimeEntryFactory(assignment=AssignmentFactory(candidate=mine, active=True)),
        "other_entry": TimeEntryFactory(
            assignment=AssignmentFactory(candidate=theirs, active=True)
        ),
    }


@pytest.fixture
def coordinator_client(town_coordinator):
    return _client_for(town_coordinator)


@pytest.fixture
def other_client(other_town_coordinator):
    return _client_for(other_town_coordinator)


# --- The scope matrix -------------------------------------------------------------------------

OBJECT_URLS = {
    "candidate": "/kandidaten/{candidate}/",
    "assignment": "/opdrachten/{assignment}/",
}
ACTION_URLS = {
    "bsn": "/kandidaten/{candidate}/bsn/",
    "check": "/opdrachten/{assignment}/toets/",
    "approve": "/opdrachten/{assignment}/goedkeuren/",
    "reject": "/opdrachten/{assignment}/afwijzen/",
}
LIST_URLS = [
    "/kandidaten/",
    "/kandidaten/?format=csv",
    "/kandidaten/?format=xlsx",
    "/opdrachten/",
    "/opdrachten/?format=csv",
    "/opdrachten/?format=xlsx",
    "/uren/?month=2026-03",
    "/uren/?month=2026-03&format=csv",
    "/uren/?month=2026-03&format=xlsx",
]
ACTION_DATA = {
    "bsn": {},
    "check": {
        "check-temporary_or_peak_work": "on",
        "check-no_open_vacancy": "on",
        "check-no_recent_layoffs": "on",
        "check-works_council_informed": "on",
        "check-client_signatory_name": "J. Bakker",
        "check-client_signed_on": "2026-02-20",
    },
    "approve": {"approve-confirm_sign_off": "on", "approve-sign_off_reason": "Piek"},
    "reject": {"reject-rejection_reason": "Geen toets"},
}


def _ids(scene, *, other: bool = False) -> dict:
    prefix = "other_" if other else ""
    return {
        "candidate": scene[f"{prefix}candidate"].pk,
        "assignment": scene[f"{prefix}assignment"].pk,
    }


def _text(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    if response["Content-Type"].startswith("application/vnd.openxml"):
        import io

        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).active
        return "\n".join("|".join("" if v is None else str(v) for v in row) for row in sheet.values)
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", OBJECT_URLS)
def test_own_objects_open_for_their_coordinator(scene, coordinator_client, name):
    response = coordinator_client.get(OBJECT_URLS[name].format(**_ids(scene)))
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", OBJECT_URLS)
def test_another_municipalitys_objects_are_not_found(scene, coordinator_client, name):
    response = coordinator_client.get(OBJECT_URLS[name].format(**_ids(scene, other=True)))
    assert response.status_code == 404
    assert "Kok" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACTION_URLS)
def test_actions_on_another_municipality_are_not_found_and_change_nothing(
    scene, coordinator_client, name
):
    other = scene["other_assignment"]
    events = AuditEvent.objects.count()

    response = coordinator_client.post(
        ACTION_URLS[name].format(**_ids(scene, other=True)), ACTION_DATA[name]
    )

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Assignment.Status.REQUESTED
    assert other.rejection_reason == ""
    assert not DisplacementCheck.objects.filter(assignment=other).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACTION_URLS)
def test_actions_answer_post_only(scene, coordinator_client, name):
    response = coordinator_client.get(ACTION_URLS[name].format(**_ids(scene)))
    assert response.status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*OBJECT_URLS.values(), *ACTION_URLS.values(), *LIST_URLS])
def test_anonymous_is_sent_to_sign_in(scene, url):
    client = _client_for(None)
    url = url.format(**_ids(scene))
    response = client.post(url) if url in _action_urls(scene) else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _action_urls(scene) -> set[str]:
    return {url.format(**_ids(scene)) for url in ACTION_URLS.values()}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["treasurer_client", "back_office_client"])
@pytest.mark.parametrize("url", [*OBJECT_URLS.values(), *LIST_URLS])
def test_the_coordinator_pages_are_for_coordinators(scene, request, role, url):
    """Treasurer and back office (signed in with their second factor) have other screens."""
    client = request.getfixturevalue(role)
    assert client.get(url.format(**_ids(scene))).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url", LIST_URLS)
def test_lists_and_exports_show_only_the_own_municipality(scene, coordinator_client, url):
    response = coordinator_client.get(url)

    assert response.status_code == 200
    text = _text(response)
    assert "Smit" in text
    assert "Kok" not in text
    assert "A-1" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/kandidaten/", "/opdrachten/", "/uren/?month=2026-03"])
def test_filtering_on_another_municipality_shows_nothing(scene, coordinator_client, url):
    separator = "&" if "?" in url else "?"
    response = coordinator_client.get(f"{url}{separator}municipality=GM0106")

    assert response.status_code == 200
    assert "Kok" not in response.content.decode()
    assert "Smit" not in response.content.decode()
    assert response.context["form"].errors["municipality"]


# --- Candidates ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_candidate_search_and_status_filter(town, coordinator_client):
    CandidateFactory(municipality=town, first_name="Anna", last_name="Smit", client_number="G-1")
    CandidateFactory(
        municipality=town, first_name="Carla", last_name="Smit", client_number="G-2", status="ended"
    )
    CandidateFactory(municipality=town, first_name="Dirk", last_name="Berg", client_number="X-9")

    def names(query: str) -> list[str]:
        page = coordinator_client.get("/kandidaten/" + query).context["page"]
        return [c.first_name for c in page.object_list]

    assert names("?q=smit") == ["Anna", "Carla"]
    assert names("?q=anna+smit") == ["Anna"]
    assert names("?q=x-9") == ["Dirk"]
    assert names("?q=smit&status=ended") == ["Carla"]
    assert names("?q=nobody") == []
    assert (
        "No candidates match these filters."
        in coordinator_client.get("/kandidaten/?q=nobody").content.decode()
    )


@pytest.mark.django_db
def test_candidate_list_pages(town, coordinator_client):
    CandidateFactory.create_batch(51, municipality=town)
    first = coordinator_client.get("/kandidaten/")
    second = coordinator_client.get("/kandidaten/?page=2")
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.django_db
def test_empty_candidate_list(town, coordinator_client):
    response = coordinator_client.get("/kandidaten/")
    assert "Your municipalities have no candidates yet." in response.content.decode()


@pytest.mark.django_db
def test_candidate_page_masks_bsn_and_iban(scene, coordinator_client):
    response = coordinator_client.get(f"/kandidaten/{scene['candidate'].pk}/")
    page = response.content.decode()

    assert BSN not in page
    assert "*****2333" in page
    assert "NL91ABNA0417164300" not in page
    assert "NL************4300" in page
    assert not AuditEvent.objects.filter(action="candidate.bsn_reveal").exists()


@pytest.mark.django_db
def test_show_bsn_reveals_it_once_and_audits(scene, coordinator_client, town_coordinator):
    candidate = scene["candidate"]

    response = coordinator_client.post(f"/kandidaten/{candidate.pk}/bsn/")

    assert response.status_code == 200
    assert BSN in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="candidate.bsn_reveal")
    assert event.actor == town_coordinator
    assert event.object_id == str(candidate.pk)
    assert BSN not in str(event.changes) + event.summary + event.object_repr
    # Not on the next view of the page, nor on the list, nor in any export.
    assert BSN not in coordinator_client.get(f"/kandidaten/{candidate.pk}/").content.decode()
    for url in ["/kandidaten/", "/kandidaten/?format=csv", "/kandidaten/?format=xlsx"]:
        assert BSN not in _text(coordinator_client.get(url))


@pytest.mark.django_db
def test_show_bsn_without_a_bsn(scene, coordinator_client):
    candidate = CandidateFactory(municipality=scene["candidate"].municipality)
    response = coordinator_client.post(f"/kandidaten/{candidate.pk}/bsn/", follow=True)
    assert "No BSN has been registered for this candidate." in response.content.decode()
    assert not AuditEvent.objects.filter(action="candidate.bsn_reveal").exists()


@pytest.mark.django_db
def test_candidate_hours_per_month(town, coordinator_client):
    candidate = CandidateFactory(municipality=town)
    assignment = AssignmentFactory(candidate=candidate, active=True)
    for day, hours, status in [
        (datetime.date(2026, 3, 3), "8.00", "entered"),
        (datetime.date(2026, 3, 4), "4.25", "approved"),
        (datetime.date(2026, 3, 31), "1.50", "invoiced"),
        (datetime.date(2026, 4, 1), "7.00", "approved"),
    ]:
        TimeEntryFactory(
            assignment=assignment,
            work_date=day,
            hours=Decimal(hours),
            status=status,
            approved_at=None if status == "entered" else datetime.datetime.now(datetime.UTC),
        )

    months = list(coordinator_client.get(f"/kandidaten/{candidate.pk}/").context["months"])

    assert [
        (m["month"], m["entered"], m["approved"], m["invoiced"], m["total"]) for m in months
    ] == [
        (datetime.date(2026, 4, 1), Decimal("0"), Decimal("7.00"), Decimal("0"), Decimal("7.00")),
        (
            datetime.date(2026, 3, 1),
            Decimal("8.00"),
            Decimal("4.25"),
            Decimal("1.50"),
            Decimal("13.75"),
        ),
    ]


# --- Assignments --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_assignment_filters(town, coordinator_client):
    candidate = CandidateFactory(municipality=town)
    plain = AssignmentFactory(candidate=candidate)
    flagged = AssignmentFactory(
        candidate=candidate,
        is_long=True,
        is_large_or_long=True,
        start_date=datetime.date(2026, 1, 5),
    )
    active = AssignmentFactory(
        candidate=candidate, active=True, start_date=datetime.date(2026, 2, 2)
    )

    def pks(query: str) -> set[int]:
        page = coordinator_client.get("/opdrachten/" + query).context["page"]
        return {a.pk for a in page.object_list}

    assert pks("") == {plain.pk, flagged.pk, active.pk}
    assert pks("?status=active") == {active.pk}
    assert pks("?flag=yes") == {flagged.pk}
    assert pks("?flag=awaiting") == {flagged.pk}
    assert pks("?flag=no") == {plain.pk, active.pk}
    assert pks(f"?client={active.client_id}") == {active.pk}


@pytest.mark.django_db
def test_client_filter_offers_only_clients_of_the_own_candidates(scene, coordinator_client):
    choices = coordinator_client.get("/opdrachten/").context["form"].fields["client"].queryset
    assert scene["assignment"].client in choices
    assert scene["other_assignment"].client not in choices
    response = coordinator_client.get(f"/opdrachten/?client={scene['other_assignment'].client_id}")
    assert response.context["page"].paginator.count == 0


def _check(client, assignment, **overrides):
    data = {**ACTION_DATA["check"], **overrides}
    return client.post(f"/opdrachten/{assignment.pk}/toets/", data)


@pytest.mark.django_db
def test_displacement_check_then_approval(scene, coordinator_client, town_coordinator):
    assignment = scene["assignment"]
    page = coordinator_client.get(f"/opdrachten/{assignment.pk}/").content.decode()
    assert "Complete and save the displacement check first" in page

    response = _check(coordinator_client, assignment)
    assert response.status_code == 302
    check = DisplacementCheck.objects.get(assignment=assignment)
    assert check.is_complete and check.performed_by == town_coordinator

    page = coordinator_client.get(f"/opdrachten/{assignment.pk}/").content.decode()
    assert "Approve the assignment" in page

    response = coordinator_client.post(f"/opdrachten/{assignment.pk}/goedkeuren/", follow=True)
    assert "The assignment has been approved." in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.APPROVED
    assert assignment.decided_by == town_coordinator
    assert AuditEvent.objects.filter(action="assignment.approve", object_id=str(assignment.pk))


@pytest.mark.django_db
def test_incomplete_check_is_saved_but_approval_refused(scene, coordinator_client):
    assignment = scene["assignment"]
    data = {k: v for k, v in ACTION_DATA["check"].items() if "no_recent_layoffs" not in k}

    response = coordinator_client.post(f"/opdrachten/{assignment.pk}/toets/", data, follow=True)
    assert "not complete yet: no recent lay-offs" in response.content.decode()

    response = coordinator_client.post(f"/opdrachten/{assignment.pk}/goedkeuren/")
    assert response.status_code == 400
    assert "The displacement check is not complete: no recent lay-offs." in (
        response.content.decode()
    )
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.REQUESTED


@pytest.mark.django_db
def test_check_form_errors_on_their_fields(scene, coordinator_client):
    assignment = scene["assignment"]
    response = _check(
        coordinator_client,
        assignment,
        **{"check-client_signatory_name": "", "check-client_signed_on": "2099-01-01"},
    )
    assert response.status_code == 400
    form = response.context["check_form"]
    assert "client_signatory_name" in form.errors
    # The service's rule (no date in the future) lands on its field too.
    response = _check(coordinator_client, assignment, **{"check-client_signed_on": "2099-01-01"})
    assert response.context["check_form"].errors["client_signed_on"] == [
        "This date lies in the future."
    ]
    assert not DisplacementCheck.objects.filter(assignment=assignment).exists()


@pytest.mark.django_db
def test_approval_without_a_check(scene, coordinator_client):
    response = coordinator_client.post(f"/opdrachten/{scene['assignment'].pk}/goedkeuren/")
    assert response.status_code == 400
    assert "Approval needs the displacement check first." in response.content.decode()


@pytest.mark.django_db
def test_flagged_assignment_needs_the_sign_off_with_a_reason(
    town, coordinator_client, town_coordinator, framework
):
    assignment = AssignmentFactory(
        candidate=CandidateFactory(municipality=town),
        hours_per_week=Decimal("36.00"),
        is_large_hours=True,
        is_large_or_long=True,
    )
    DisplacementCheckFactory(assignment=assignment, performed_by=town_coordinator)
    page = coordinator_client.get(f"/opdrachten/{assignment.pk}/").content.decode()
    assert "many hours a week" in page
    assert "I sign off this large-or-long assignment explicitly" in page

    response = coordinator_client.post(f"/opdrachten/{assignment.pk}/goedkeuren/")
    assert response.status_code == 400
    errors = response.context["approve_form"].errors
    assert set(errors) == {"confirm_sign_off", "sign_off_reason"}
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.REQUESTED

    response = coordinator_client.post(
        f"/opdrachten/{assignment.pk}/goedkeuren/",
        {"approve-confirm_sign_off": "on", "approve-sign_off_reason": "Seizoenspiek in de oogst"},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.APPROVED
    assert assignment.sign_off_by == town_coordinator
    assert assignment.sign_off_reason == "Seizoenspiek in de oogst"


@pytest.mark.django_db
def test_rejection_needs_a_reason(scene, coordinator_client):
    assignment = scene["assignment"]

    response = coordinator_client.post(
        f"/opdrachten/{assignment.pk}/afwijzen/", {"reject-rejection_reason": "  "}
    )
    assert response.status_code == 400
    assert "rejection_reason" in response.context["reject_form"].errors
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.REQUESTED

    response = coordinator_client.post(
        f"/opdrachten/{assignment.pk}/afwijzen/",
        {"reject-rejection_reason": "De toets wijst op verdringing."},
        follow=True,
    )
    page = response.content.decode()
    assert "The assignment has been rejected." in page
    assert "De toets wijst op verdringing." in page
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.REJECTED


@pytest.mark.django_db
def test_an_illegal_transition_shows_its_message(scene, coordinator_client):
    assignment = scene["assignment"]
    assignment.status = Assignment.Status.ACTIVE
    assignment.save(update_fields=["status"])

    response = coordinator_client.post(
        f"/opdrachten/{assignment.pk}/afwijzen/", {"reject-rejection_reason": "Te laat"}
    )

    assert response.status_code == 400
    assert "An assignment cannot go from “Active” to “Rejected”." in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACTIVE


# --- Hours per month ---------------------------------------------------------------------------


@pytest.fixture
def march_hours(town, other_town):
    anna = CandidateFactory(municipality=town, first_name="Anna", last_name="Smit")
    first = AssignmentFactory(candidate=anna, active=True)
    second = AssignmentFactory(candidate=anna, active=True)
    bert = CandidateFactory(municipality=other_town, first_name="Bert", last_name="Kok")
    now = datetime.datetime.now(datetime.UTC)
    rows = [
        (first, datetime.date(2026, 3, 2), "8.00", "entered"),
        (first, datetime.date(2026, 3, 3), "7.25", "approved"),
        (first, datetime.date(2026, 3, 31), "0.75", "invoiced"),
        (second, datetime.date(2026, 3, 4), "3.50", "approved"),
        (first, datetime.date(2026, 2, 27), "6.00", "approved"),  # another month
        (first, datetime.date(2026, 4, 1), "6.00", "approved"),  # another month
        (
            AssignmentFactory(candidate=bert, active=True),
            datetime.date(2026, 3, 2),
            "9.00",
            "entered",
        ),
    ]
    for assignment, day, hours, status in rows:
        TimeEntryFactory(
            assignment=assignment,
            work_date=day,
            hours=Decimal(hours),
            status=status,
            approved_at=None if status == TimeEntry.Status.ENTERED else now,
        )
    return first, second


@pytest.mark.django_db
def test_hours_per_month_sums(march_hours, coordinator_client):
    first, second = march_hours
    response = coordinator_client.get("/uren/?month=2026-03")

    rows = {row["assignment_id"]: row for row in response.context["page"].object_list}
    assert set(rows) == {first.pk, second.pk}
    assert (rows[first.pk]["entered"], rows[first.pk]["approved"]) == (
        Decimal("8.00"),
        Decimal("7.25"),
    )
    assert (rows[first.pk]["invoiced"], rows[first.pk]["total"]) == (
        Decimal("0.75"),
        Decimal("16.00"),
    )
    assert rows[second.pk]["total"] == Decimal("3.50")
    totals = response.context["totals"]
    assert totals["total"] == Decimal("19.50")
    assert totals["candidates"] == 1
    page = response.content.decode()
    assert "19,50" in page or "19.50" in page


@pytest.mark.django_db
def test_hours_per_month_defaults_to_this_month_and_refuses_nonsense(
    march_hours, coordinator_client
):
    response = coordinator_client.get("/uren/")
    today = timezone.localdate()
    assert response.context["month"] == today.replace(day=1)

    response = coordinator_client.get("/uren/?month=2026-13")
    assert response.status_code == 200
    assert response.context["form"].errors["month"]
    assert not response.context["page"].object_list


@pytest.mark.django_db
def test_empty_month(march_hours, coordinator_client):
    response = coordinator_client.get("/uren/?month=2025-01")
    assert "No hours have been registered in" in response.content.decode()
