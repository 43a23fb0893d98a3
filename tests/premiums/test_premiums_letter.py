"""The premium letter: its text (read with pypdf) in Dutch formats, the figures of the payout
and of the year, the same letter whenever it is downloaded, and who may download it."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from accounts.roles import Role
from placements.services import time_entries_approve
from premiums.pdf import payout_letter_pdf_bytes
from premiums.services import payout_run_approve, payout_run_prepare
from tests.factories import UserFactory
from tests.placements.factories import AssignmentFactory, CandidateFactory, TimeEntryFactory

D = Decimal
JUNE = datetime.date(2026, 6, 30)
DECEMBER = datetime.date(2026, 12, 31)


def _text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def _dutch(msgid: str, **values) -> str:
    """The letter's wording as the Dutch catalogue has it, placeholders filled in."""
    with translation.override("nl"):
        text = gettext(msgid)
    return text % values if values else text


def _client_for(user) -> HttpClient:
    client = HttpClient()
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def work(candidate, days, *, actor, hours="8.00", month=3):
    assignment = AssignmentFactory(
        candidate=candidate,
        active=True,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    entries = [
        TimeEntryFactory(
            assignment=assignment, work_date=datetime.date(2026, month, d), hours=D(hours)
        )
        for d in days
    ]
    time_entries_approve(entries=entries, actor=actor)


@pytest.fixture
def anna(town, framework, back_office_user, town_coordinator):
    """Anna: 24 hours in March (48.00, the June run), 8.25 in August (16.50, December)."""
    anna = CandidateFactory(
        municipality=town,
        first_name="Anna",
        last_name="de Vries",
        client_number="GRN-00417",
        iban="NL91ABNA0417164300",
    )
    work(anna, [2, 3, 4], actor=back_office_user)
    june = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    payout_run_approve(run=june, actor=town_coordinator)
    return anna


@pytest.fixture
def june_line(anna):
    return anna.payout_lines.get(run__payout_date=JUNE)


@pytest.fixture
def december_line(anna, town, back_office_user, town_coordinator):
    work(anna, [3], actor=back_office_user, hours="8.25", month=8)
    december = payout_run_prepare(municipality=town, payout_date=DECEMBER, actor=back_office_user)
    payout_run_approve(run=december, actor=town_coordinator)
    return anna.payout_lines.get(run=december)


def test_the_letter_states_the_payout_and_the_year_in_plain_dutch(december_line, settings):
    settings.NVSI_NAME = "Nederlandse Vereniging voor Sociale Innovatie"
    settings.NVSI_KVK = "87654321"
    text = _text(payout_letter_pdf_bytes(december_line))

    assert "Anna de Vries" in text
    assert "Groningen" in text
    assert "GRN-00417" in text
    assert "Nederlandse Vereniging voor Sociale Innovatie" in text
    assert "87654321" in text
    assert "31-12-2026" in text  # the payout date, dd-mm-yyyy
    assert "4300" in text  # the bank account's last digits...
    assert "NL91ABNA0417164300" not in text  # ...never the whole IBAN
    figures = {
        "Hours in this payout": "8,25",
        "Premium in this payout": "€ 16,50",
        "Maximum premium for %(year)s": "€ 3.398,00",
        "Paid out in %(year)s, this payout included": "€ 64,50",  # 48.00 in June + 16.50
        "Still possible in %(year)s up to the maximum": "€ 3.333,50",
    }
    for label, value in figures.items():
        assert f"{_dutch(label, year=2026)} {value}" in text, label
    assert _dutch("Your premium from Flextensie") in text


def test_the_first_letter_of_the_year_stays_the_same_after_the_second_payout(
    june_line, december_line
):
    text = _text(payout_letter_pdf_bytes(june_line))
    assert f"{_dutch('Premium in this payout')} € 48,00" in text
    paid = _dutch("Paid out in %(year)s, this payout included", year=2026)
    remaining = _dutch("Still possible in %(year)s up to the maximum", year=2026)
    assert f"{paid} € 48,00" in text
    assert f"{remaining} € 3.350,00" in text
    assert "30-06-2026" in text


def test_what_remains_is_never_below_zero(june_line):
    from premiums.pdf import payout_letter_context

    context = payout_letter_context(june_line)
    assert context["figures"].remaining == D("3350.00")
    over = type(context["figures"])(
        hours=D("1"), amount=D("1"), annual_cap=D("10.00"), paid_in_year=D("12.00")
    )
    assert over.remaining == D("0.00")


def test_download_by_the_coordinator_and_the_back_office(june_line, town_coordinator):
    response = _client_for(town_coordinator).get(f"/premies/brieven/{june_line.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="premiebrief-anna-de-vries-2026-06-30.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    assert "Anna de Vries" in _text(response.content)
    back_office = UserFactory(role=Role.BACK_OFFICE, is_staff=True, mfa=True)
    assert _client_for(back_office).get(f"/premies/brieven/{june_line.pk}/").status_code == 200


def test_no_letter_for_others_nor_before_approval(
    june_line, other_town_coordinator, anna, town, back_office_user, town_coordinator
):
    url = f"/premies/brieven/{june_line.pk}/"
    assert _client_for(other_town_coordinator).get(url).status_code == 404
    treasurer = UserFactory(role=Role.TREASURER, mfa=True)
    assert _client_for(treasurer).get(url).status_code == 404
    anonymous = _client_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")

    work(anna, [3], actor=back_office_user, month=8)
    prepared = payout_run_prepare(municipality=town, payout_date=DECEMBER, actor=back_office_user)
    line = prepared.lines.get()
    assert _client_for(town_coordinator).get(f"/premies/brieven/{line.pk}/").status_code == 404


# --- Address, date, period, contact; all letters in one PDF -----------------------------------


def test_the_letter_is_addressed_dated_and_names_the_coordinator(town, june_line):
    anna = june_line.candidate
    anna.street, anna.house_number, anna.postcode, anna.city = (
        "Grote Markt",
        "1a",
        "9712 HN",
        "Groningen",
    )
    anna.save()
    coordinator = june_line.run.approved_by
    text = _text(payout_letter_pdf_bytes(june_line))

    assert "Grote Markt 1a" in text
    assert "9712 HN GRONINGEN" in text
    letter_date = timezone.localdate(june_line.run.approved_at)
    assert f"{letter_date:%d-%m-%Y}" in text  # dated the day of approval
    assert "02-03-2026" in text and "04-03-2026" in text  # the period the hours cover
    assert coordinator.email in text
    assert coordinator.get_full_name() in text
    assert "31, lid 2, onderdeel j" in text  # the premium is exempted within the cap


def test_without_an_address_the_letter_names_the_municipality(june_line):
    text = _text(payout_letter_pdf_bytes(june_line))
    assert _dutch("Municipality of %(municipality)s", municipality="Groningen") in text


def test_all_letters_of_a_run_in_one_pdf_one_page_each(
    town, framework, back_office_user, town_coordinator
):
    names = ["Anna", "Bram", "Cees"]
    for number, name in enumerate(names):
        candidate = CandidateFactory(municipality=town, first_name=name, last_name="Jansen")
        work(candidate, [2 + number], actor=back_office_user)
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    url = f"/premies/betaalmomenten/{run.pk}/brieven/"
    assert _client_for(town_coordinator).get(url).status_code == 404  # not before approval
    payout_run_approve(run=run, actor=town_coordinator)

    response = _client_for(town_coordinator).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "premiebrieven-GM0014-2026-06-30.pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    for page, name in zip(reader.pages, names, strict=True):
        assert f"{name} Jansen" in page.extract_text()


def test_all_letters_only_for_the_municipality_and_the_back_office(
    june_line, other_town_coordinator
):
    url = f"/premies/betaalmomenten/{june_line.run.pk}/brieven/"
    assert _client_for(other_town_coordinator).get(url).status_code == 404
    treasurer = UserFactory(role=Role.TREASURER, mfa=True)
    assert _client_for(treasurer).get(url).status_code == 404
    back_office = UserFactory(role=Role.BACK_OFFICE, is_staff=True, mfa=True)
    assert _client_for(back_office).get(url).status_code == 200
