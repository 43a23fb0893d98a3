"""The premium pages: who may open what (one matrix over every new URL), the figures on
/premies/ against the ledger (under, at and over the cap, under 27), Dutch formats, the runs
awaiting approval first, and approval through the portal (the preparer refused, the SEPA
file made)."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Sum
from django.test import Client as HttpClient

from accounts.roles import Role
from placements.services import time_entries_approve
from premiums.models import PayoutRun, PremiumAccrual
from premiums.services import payout_run_approve, payout_run_prepare
from tests.factories import UserFactory
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    PlacementsUserFactory,
    TimeEntryFactory,
)

D = Decimal
YEAR = 2026
JUNE = datetime.date(YEAR, 6, 30)
DECEMBER = datetime.date(YEAR, 12, 31)
CAP = D("3398.00")


def _client_for(user, *, language="en") -> HttpClient:
    client = HttpClient()
    if user is not None:
        client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def work(candidate, days, *, actor, hours="8.00", month=3):
    """Hours on these days of the month of YEAR, approved (accrued) by `actor`."""
    assignment = AssignmentFactory(
        candidate=candidate,
        active=True,
        start_date=datetime.date(YEAR, 1, 1),
        end_date=datetime.date(YEAR, 12, 31),
    )
    entries = [
        TimeEntryFactory(assignment=assignment, work_date=datetime.date(YEAR, month, d), hours=D(h))
        for d in days
        for h in [hours]
    ]
    time_entries_approve(entries=entries, actor=actor)
    return entries


def prior(candidate, amount: str) -> PremiumAccrual:
    """Premium accrued earlier this year, straight into the ledger."""
    return PremiumAccrual.objects.create(
        candidate=candidate,
        year=YEAR,
        work_date=datetime.date(YEAR, 1, 5),
        hours=D(amount) / 2,
        rate=D("2.00"),
        annual_cap=CAP,
        amount=D(amount),
    )


@pytest.fixture
def treasurer(db):
    return UserFactory(role=Role.TREASURER, mfa=True)


@pytest.fixture
def back_office(db):
    return UserFactory(role=Role.BACK_OFFICE, is_staff=True, mfa=True)


@pytest.fixture
def scene(town, other_town, framework, back_office_user, town_coordinator):
    """Groningen: Anna under the cap (March, paid in the approved June run; August unpaid),
    Bram exactly at the cap, Cees over it, Dirk under 27. Assen: Erik, in a prepared run."""
    anna = CandidateFactory(
        municipality=town, first_name="Anna", last_name="Aalders", client_number="G-1"
    )
    bram = CandidateFactory(
        municipality=town, first_name="Bram", last_name="Bakker", client_number="G-2"
    )
    cees = CandidateFactory(
        municipality=town, first_name="Cees", last_name="Claassen", client_number="G-3"
    )
    dirk = CandidateFactory(
        municipality=town,
        first_name="Dirk",
        last_name="Dekker",
        client_number="G-4",
        birth_date=datetime.date(2005, 3, 1),
    )
    erik = CandidateFactory(
        municipality=other_town, first_name="Erik", last_name="Evers", client_number="A-1"
    )
    work(anna, [2, 3, 4], actor=back_office_user)  # 24 h, 48.00
    june = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    payout_run_approve(run=june, actor=town_coordinator)
    work(anna, [3], actor=back_office_user, month=8)  # 8 h, 16.00, unpaid
    prior(bram, "3382.00")
    work(bram, [2], actor=back_office_user, month=7)  # 16.00: exactly at the cap
    prior(cees, "3390.00")
    work(cees, [2], actor=back_office_user, month=7)  # 8.00 accrued, 8.00 above the cap
    work(dirk, [2], actor=back_office_user, month=7)  # under 27: nothing
    work(erik, [2], actor=back_office_user)
    assen_run = payout_run_prepare(
        municipality=other_town, payout_date=JUNE, actor=back_office_user
    )
    return {
        "anna": anna,
        "bram": bram,
        "cees": cees,
        "dirk": dirk,
        "erik": erik,
        "june": june,
        "assen_run": assen_run,
        "letter_line": june.lines.get(candidate=anna),
    }


# --- The scope matrix -------------------------------------------------------------------------

PAGES = {
    "overview": "/premies/?year=2026",
    "runs": "/premies/betaalmomenten/",
    "run": "/premies/betaalmomenten/{run}/",
    "letter": "/premies/brieven/{line}/",
    "export_csv": "/premies/export/?municipality=GM0014&year=2026&format=csv",
    "export_xlsx": "/premies/export/?municipality=GM0014&year=2026&format=xlsx",
}


def _url(name, scene):
    return PAGES[name].format(run=scene["june"].pk, line=scene["letter_line"].pk)


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_sign_in(scene, name):
    response = _client_for(None).get(_url(name, scene))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_cannot_approve(scene):
    response = _client_for(None).post(f"/premies/betaalmomenten/{scene['june'].pk}/goedkeuren/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["run", "letter", "export_csv", "export_xlsx"])
def test_a_coordinator_of_another_municipality_gets_404(scene, other_town_coordinator, name):
    response = _client_for(other_town_coordinator).get(_url(name, scene))
    assert response.status_code == 404


def test_another_municipality_cannot_approve_and_sees_only_its_own(
    scene, other_town_coordinator, town
):
    june = PayoutRun.objects.create(
        municipality=town,
        payout_date=DECEMBER,
        prepared_by=scene["june"].prepared_by,
        prepared_at=scene["june"].prepared_at,
    )
    client = _client_for(other_town_coordinator)
    response = client.post(f"/premies/betaalmomenten/{june.pk}/goedkeuren/", {"confirm": "on"})
    assert response.status_code == 404
    june.refresh_from_db()
    assert june.status == PayoutRun.Status.PREPARED

    overview = client.get("/premies/", {"year": YEAR}).content.decode()
    assert "Evers" in overview
    assert "Aalders" not in overview
    runs = client.get("/premies/betaalmomenten/")
    assert list(runs.context["page"].object_list) == [scene["assen_run"]]


@pytest.mark.parametrize("name", PAGES)
def test_the_coordinator_of_the_municipality_opens_every_page(scene, town_coordinator, name):
    assert _client_for(town_coordinator).get(_url(name, scene)).status_code == 200


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("overview", 200),
        ("runs", 200),
        ("run", 200),
        ("letter", 404),  # a letter to a candidate is not the treasurer's business
        ("export_csv", 200),
    ],
)
def test_the_treasurer_reads_every_municipality(scene, treasurer, name, status):
    assert _client_for(treasurer).get(_url(name, scene)).status_code == status


@pytest.mark.parametrize("name", PAGES)
def test_the_back_office_reads_everything(scene, back_office, name):
    assert _client_for(back_office).get(_url(name, scene)).status_code == 200


def test_treasurer_and_back_office_cannot_approve(scene, treasurer, back_office):
    run = scene["assen_run"]
    for user in (treasurer, back_office):
        client = _client_for(user)
        page = client.get(f"/premies/betaalmomenten/{run.pk}/")
        assert "you cannot approve it" in page.content.decode()
        assert "Approve the payout run" not in page.content.decode()
        response = client.post(f"/premies/betaalmomenten/{run.pk}/goedkeuren/", {"confirm": "on"})
        assert response.status_code == 404
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.PREPARED


def test_an_unknown_or_foreign_municipality_export_is_404(scene, town_coordinator):
    client = _client_for(town_coordinator)
    for query in (
        "municipality=GM0106&year=2026&format=csv",  # Assen: not theirs
        "municipality=GM9999&year=2026&format=csv",
        "year=2026&format=csv",
        "municipality=GM0014&year=2026&format=pdf",
    ):
        assert client.get(f"/premies/export/?{query}").status_code == 404


# --- The figures on /premies/ -----------------------------------------------------------------


def _ledger(candidate) -> dict:
    rows = PremiumAccrual.objects.filter(candidate=candidate, year=YEAR)
    return rows.aggregate(
        hours=Sum("hours"),
        accrued=Sum("amount"),
        capped=Sum("capped_amount"),
    ) | {
        "paid": rows.filter(payout_line__run__status__in=["approved", "paid"]).aggregate(
            s=Sum("amount", default=D("0.00"))
        )["s"]
    }


def test_the_figures_equal_the_ledger_under_at_and_over_the_cap(scene, town_coordinator):
    response = _client_for(town_coordinator).get("/premies/", {"year": YEAR})
    assert response.status_code == 200
    rows = {row.candidate.first_name: row for row in response.context["rows"]}
    assert list(rows) == ["Anna", "Bram", "Cees", "Dirk"]  # by last name; Erik is Assen's

    for name in rows:
        row, ledger = rows[name], _ledger(scene[name.lower()])
        assert (row.hours, row.accrued, row.capped, row.paid) == (
            ledger["hours"],
            ledger["accrued"],
            ledger["capped"],
            ledger["paid"],
        )
        assert row.unpaid == ledger["accrued"] - ledger["paid"]
        assert row.cap == CAP
        assert row.remaining == max(CAP - ledger["accrued"], D("0"))

    anna, bram, cees, dirk = rows["Anna"], rows["Bram"], rows["Cees"], rows["Dirk"]
    assert (anna.hours, anna.accrued, anna.paid, anna.unpaid) == (
        D("32.00"),
        D("64.00"),
        D("48.00"),
        D("16.00"),
    )
    assert (anna.remaining, anna.percentage, anna.cap_reached) == (D("3334.00"), 1, False)
    assert (bram.accrued, bram.capped, bram.remaining, bram.cap_reached) == (
        CAP,
        D("0.00"),
        D("0.00"),
        True,
    )
    assert bram.percentage == 100
    assert (cees.accrued, cees.capped, cees.remaining) == (CAP, D("8.00"), D("0.00"))
    assert (dirk.hours, dirk.accrued, dirk.earns_no_premium) == (D("8.00"), D("0.00"), True)

    totals = response.context["totals"]
    ledger = PremiumAccrual.objects.filter(candidate__municipality=scene["anna"].municipality)
    assert totals["accrued"] == ledger.aggregate(s=Sum("amount"))["s"]
    assert totals["capped"] == D("8.00")
    assert totals["paid"] == D("48.00")
    assert totals["candidates"] == 4

    content = response.content.decode()
    assert "Not in the wage-cost-subsidy target group" in content
    assert "01-03-2032" in content  # Dirk's 27th birthday
    assert "cap reached" in content
    assert 'max="3398.00" value="64.00"' in content  # the <progress> of Anna


def test_dutch_formats_by_default(scene, town_coordinator):
    content = (
        _client_for(town_coordinator, language=None).get("/premies/", {"year": YEAR}).content
    ).decode()
    assert "€\xa03.398,00" in content  # the cap
    assert "€\xa03.334,00" in content  # Anna's remaining
    assert "32,00" in content  # Anna's hours


def test_filter_by_municipality_and_search(scene, town, other_town):
    region = PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town, other_town])
    client = _client_for(region)
    every = client.get("/premies/", {"year": YEAR}).context["rows"]
    assert len(every) == 5
    assen = client.get("/premies/", {"year": YEAR, "municipality": "GM0106"}).context["rows"]
    assert [r.candidate.last_name for r in assen] == ["Evers"]
    found = client.get("/premies/", {"year": YEAR, "q": "G-3"}).context["rows"]
    assert [r.candidate.last_name for r in found] == ["Claassen"]
    response = client.get("/premies/", {"year": YEAR, "q": "nobody"})
    assert "No candidates match these filters." in response.content.decode()


def test_paginated_with_totals_over_every_page(scene, town_coordinator, monkeypatch):
    from premiums import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = _client_for(town_coordinator)
    first = client.get("/premies/", {"year": YEAR})
    second = client.get("/premies/", {"year": YEAR, "page": 2})
    names = [r.candidate.first_name for r in first.context["rows"]] + [
        r.candidate.first_name for r in second.context["rows"]
    ]
    assert names == ["Anna", "Bram", "Cees", "Dirk"]
    assert first.context["totals"] == second.context["totals"]
    assert first.context["totals"]["candidates"] == 4


def test_a_year_without_premium_has_a_clear_empty_state(scene, town_coordinator):
    response = _client_for(town_coordinator).get("/premies/", {"year": 2025})
    assert response.context["rows"] == []
    assert "No premium in 2025 yet." in response.content.decode()


@pytest.fixture
def today_in_2026(monkeypatch):
    """Today is 27 November 2026 (this year's figures, the cap in force today)."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(YEAR, 11, 27))


def test_this_year_by_default(scene, town_coordinator, today_in_2026):
    response = _client_for(town_coordinator).get("/premies/")
    assert response.context["year"] == YEAR
    assert len(response.context["rows"]) == 4
    assert "(in force today)" in response.content.decode()


def test_the_candidate_page_shows_this_years_premium(scene, town_coordinator, today_in_2026):
    client = _client_for(town_coordinator)
    anna = client.get(f"/kandidaten/{scene['anna'].pk}/").content.decode()
    assert "Premium 2026" in anna
    assert "€\xa03,334.00 of €\xa03,398.00" in anna  # remaining under the cap
    assert 'max="3398.00" value="64.00"' in anna
    dirk = client.get(f"/kandidaten/{scene['dirk'].pk}/").content.decode()
    assert "no premium: under 27" in dirk


# --- Payout runs ------------------------------------------------------------------------------


def test_runs_awaiting_approval_come_first(scene, town, back_office_user, town_coordinator):
    work(scene["anna"], [1], actor=back_office_user, month=9)
    december = payout_run_prepare(municipality=town, payout_date=DECEMBER, actor=back_office_user)
    response = _client_for(town_coordinator).get("/premies/betaalmomenten/")
    assert list(response.context["page"].object_list) == [december, scene["june"]]
    assert response.context["awaiting_count"] == 1
    payout_run_approve(run=december, actor=town_coordinator)
    response = _client_for(town_coordinator).get("/premies/betaalmomenten/")
    assert list(response.context["page"].object_list) == [december, scene["june"]]
    assert response.context["awaiting_count"] == 0
    assert "No payout runs yet." not in response.content.decode()


def test_the_run_page_summarises_and_lists_who_was_left_out(
    town, framework, back_office_user, town_coordinator
):
    anna = CandidateFactory(municipality=town, first_name="Anna", last_name="Aalders")
    cees = CandidateFactory(municipality=town, first_name="Cees", last_name="Claassen", iban="")
    work(anna, [2, 3], actor=back_office_user)
    work(cees, [2], actor=back_office_user)
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    content = _client_for(town_coordinator).get(f"/premies/betaalmomenten/{run.pk}/")
    text = content.content.decode()
    assert "Anna Aalders" in text
    assert "32.00" in text  # the total
    assert "Cees Claassen" in text and "No IBAN" in text
    assert back_office_user.get_full_name() in text  # prepared by
    assert "Approve the payout run" in text
    assert "Letter (PDF)" not in text  # no letters before approval


def test_approval_in_the_portal_makes_the_sepa_file(
    town, framework, back_office_user, town_coordinator
):
    anna = CandidateFactory(municipality=town)
    work(anna, [2, 3], actor=back_office_user)
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    client = _client_for(town_coordinator)
    url = f"/premies/betaalmomenten/{run.pk}/goedkeuren/"

    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 400
    assert "Tick the box" in unconfirmed.content.decode()
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.PREPARED

    response = client.post(url, {"confirm": "on"}, follow=True)
    assert response.redirect_chain == [(f"/premies/betaalmomenten/{run.pk}/", 302)]
    run.refresh_from_db()
    assert (run.status, run.approved_by) == (PayoutRun.Status.APPROVED, town_coordinator)
    assert run.sepa_message_id and run.sepa_message_id in run.sepa_xml
    assert "<InstdAmt" in run.sepa_xml
    text = response.content.decode()
    assert "The payout run has been approved." in text
    assert "Letter (PDF)" in text
    assert "Approve the payout run" not in text

    again = client.post(url, {"confirm": "on"}, follow=True)
    assert "already been approved" in again.content.decode()


def test_the_preparer_is_refused_with_a_clear_message(town, framework, town_coordinator):
    both = UserFactory(
        role=Role.BACK_OFFICE, is_staff=True, mfa=True, municipalities=[town], first_name="Pim"
    )
    both.groups.add(*town_coordinator.groups.all())
    anna = CandidateFactory(municipality=town)
    work(anna, [2], actor=both)
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=both)
    client = _client_for(both)
    page = client.get(f"/premies/betaalmomenten/{run.pk}/").content.decode()
    assert "You prepared this run, so you cannot approve it." in page
    assert "Approve the payout run" not in page

    response = client.post(f"/premies/betaalmomenten/{run.pk}/goedkeuren/", {"confirm": "on"})
    assert response.status_code == 403
    assert "The person who prepared a payout run cannot approve it." in response.content.decode()
    run.refresh_from_db()
    assert (run.status, run.sepa_xml) == (PayoutRun.Status.PREPARED, "")


def test_an_empty_run_cannot_be_approved(town, framework, back_office_user, town_coordinator):
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    client = _client_for(town_coordinator)
    assert "nothing to approve" in client.get(f"/premies/betaalmomenten/{run.pk}/").content.decode()
    response = client.post(f"/premies/betaalmomenten/{run.pk}/goedkeuren/", {"confirm": "on"})
    assert response.status_code == 400
    assert "nothing to approve" in response.content.decode()
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.PREPARED


def test_no_runs_yet(town_coordinator):
    response = _client_for(town_coordinator).get("/premies/betaalmomenten/")
    assert "No payout runs yet." in response.content.decode()


def test_a_run_cancelled_while_approving_sends_back_to_the_list(
    town, framework, back_office_user, town_coordinator, monkeypatch
):
    from django.core.exceptions import ValidationError

    from premiums import views

    run = PayoutRun.objects.create(
        municipality=town,
        payout_date=JUNE,
        prepared_by=back_office_user,
        prepared_at=datetime.datetime(2026, 6, 30, 9, tzinfo=datetime.UTC),
    )

    def cancelled_meanwhile(*, run, actor):
        PayoutRun.objects.filter(pk=run.pk).delete()
        raise ValidationError("This payout run was cancelled.")

    monkeypatch.setattr(views, "payout_run_approve", cancelled_meanwhile)
    response = _client_for(town_coordinator).post(
        f"/premies/betaalmomenten/{run.pk}/goedkeuren/", {"confirm": "on"}, follow=True
    )
    assert response.redirect_chain == [("/premies/betaalmomenten/", 302)]
    assert "This payout run was cancelled." in response.content.decode()


def test_the_run_page_puts_the_approval_below_the_lines_and_says_to_be_paid(
    town, framework, back_office_user, town_coordinator
):
    anna = CandidateFactory(municipality=town, first_name="Anna", last_name="Aalders")
    work(anna, [2, 3], actor=back_office_user)
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    text = _client_for(town_coordinator).get(f"/premies/betaalmomenten/{run.pk}/").content.decode()
    assert text.index("Anna Aalders") < text.index('<button type="submit">Approve the payout run')
    assert text.index("Left out of this run") < text.index('id="approve-title"')
    assert "Candidates to be paid" in text
    assert "Candidates paid" not in text  # nothing is paid before the bank pays


def test_the_run_page_links_all_letters_once_approved(
    town, framework, back_office_user, town_coordinator
):
    anna = CandidateFactory(municipality=town)
    work(anna, [2], actor=back_office_user)
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    letters = f"/premies/betaalmomenten/{run.pk}/brieven/"
    page = f"/premies/betaalmomenten/{run.pk}/"
    assert letters not in _client_for(town_coordinator).get(page).content.decode()
    payout_run_approve(run=run, actor=town_coordinator)
    assert letters in _client_for(town_coordinator).get(page).content.decode()


def test_no_iban_says_how_to_resolve_it_and_links_to_the_record(
    town, framework, back_office_user, town_coordinator, back_office
):
    cees = CandidateFactory(municipality=town, first_name="Cees", last_name="Claassen", iban="")
    work(cees, [2], actor=back_office_user)
    anna = CandidateFactory(municipality=town)
    work(anna, [3], actor=back_office_user)
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    page = f"/premies/betaalmomenten/{run.pk}/"

    coordinator_text = _client_for(town_coordinator).get(page).content.decode()
    assert f"/kandidaten/{cees.pk}/" in coordinator_text
    assert "cancel it and prepare it again" in coordinator_text

    back_office_text = _client_for(back_office).get(page).content.decode()
    assert f"/admin/placements/candidate/{cees.pk}/change/" in back_office_text
    assert f"/admin/premiums/payoutrun/{run.pk}/cancel/" in back_office_text
