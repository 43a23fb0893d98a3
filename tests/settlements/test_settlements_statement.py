"""The PDF statement of an approved settlement: its Dutch text (read with pypdf), stored once
(also when two workers race), and never changed afterwards."""

import datetime
import io
import threading
from decimal import Decimal as D

import pytest
from django.db import (
    IntegrityError,
    ProgrammingError,
    close_old_connections,
    connection,
    transaction,
)
from django.utils import timezone
from pypdf import PdfReader

from accounts.roles import Role
from settlements.models import Settlement, SettlementLine, SettlementStatement
from settlements.services import settlement_amounts, settlement_approve
from settlements.services import statement as settlement_statement
from settlements.services.statement import settlement_statement_html, settlement_statement_store
from settlements.tasks import settlement_approved_task
from tests.database_roles import owner_cursor
from tests.factories import MunicipalityFactory, UserFactory
from tests.placements.factories import ClientFactory

pytestmark = pytest.mark.django_db

MUNICIPALITY_IBAN = "NL44RABO0123456789"
TERMS = {
    "fee_percentage": D("30.00"),
    "contribution_municipality_percentage": D("1.00"),
    "contribution_operator_percentage": D("1.00"),
}


def dutch(amount: D) -> str:
    """€ 1.234,56 as on the statement (pypdf reads the no-break space as a space)."""
    text = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"€ {text}"


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


def approved_settlement(
    *,
    municipality=None,
    months=(
        ("2026-01-01", "400.00", "6000.00", "800.00"),
        ("2026-03-01", "423.50", "6345.67", "800.00"),
    ),
    clients=(
        ("Bakkerij Korenschoof", "500.00", "7500.00", "1000.00"),
        ("Zorggroep Noord", "323.50", "4845.67", "600.00"),
    ),
    year=2026,
    half=1,
    approve=True,
) -> Settlement:
    """A settlement submitted by the back office and approved by the treasurer through the
    service (so its fingerprint is the real one); the breakdown as given, the totals its sums
    (the months and the clients must add up to the same)."""
    municipality = municipality or MunicipalityFactory(
        cbs_code="GM0014", name="Groningen", settlement_iban=MUNICIPALITY_IBAN
    )
    submitter = UserFactory(
        email="bea@operator.example.nl",
        first_name="Bea",
        last_name="Backoffice",
        role=Role.BACK_OFFICE,
        is_staff=True,
    )
    treasurer = UserFactory(
        email="piet@nvsi.example.nl",
        first_name="Piet",
        last_name="Penningmeester",
        role=Role.TREASURER,
    )
    gross = sum((D(g) for _m, _h, g, _p in months), D("0.00"))
    premiums = sum((D(p) for _m, _h, _g, p in months), D("0.00"))
    hours = sum((D(h) for _m, h, _g, _p in months), D("0.00"))
    assert gross == sum(D(g) for _c, _h, g, _p in clients)
    now = timezone.now()
    settlement = Settlement.objects.create(
        municipality=municipality,
        year=year,
        half=half,
        status=Settlement.Status.SUBMITTED,
        hours=hours,
        terms_date=datetime.date(year, 1 if half == 1 else 7, 1),
        computed_at=now,
        submitted_by=submitter,
        submitted_at=now,
        invoice_line_count=12,
        credit_line_count=1,
        **settlement_amounts(gross=gross, premiums=premiums, terms=TERMS),
    )
    SettlementLine.objects.bulk_create(
        [
            SettlementLine(
                settlement=settlement,
                kind=SettlementLine.Kind.MONTH,
                month=datetime.date.fromisoformat(month),
                hours=D(h),
                gross=D(g),
                premiums=D(p),
            )
            for month, h, g, p in months
        ]
        + [
            SettlementLine(
                settlement=settlement,
                kind=SettlementLine.Kind.CLIENT,
                client=ClientFactory(name=name),
                client_name=name,
                hours=D(h),
                gross=D(g),
                premiums=D(p),
            )
            for name, h, g, p in clients
        ]
    )
    if approve:
        settlement = settlement_approve(settlement=settlement, actor=treasurer)
    return Settlement.objects.select_related("municipality", "submitted_by", "decided_by").get(
        pk=settlement.pk
    )


@pytest.fixture
def settlement(settings):
    settings.NVSI_NAME = "Nederlandse Vereniging voor Sociale Innovatie"
    settings.NVSI_KVK = "87654321"
    settings.NVSI_IBAN = "NL86INGB0002445588"
    settings.OPERATOR_NAME = "Flextensie Nederland B.V."
    return approved_settlement()


# --- The text --------------------------------------------------------------------------------


def test_the_figures_add_up_as_the_example_says(settlement):
    assert (settlement.gross, settlement.premiums, settlement.fee) == (
        D("12345.67"),
        D("1600.00"),
        D("3703.70"),
    )
    assert (settlement.contribution_municipality, settlement.contribution_operator) == (
        D("123.46"),
        D("123.46"),
    )
    assert settlement.result == D("6918.51")
    assert settlement.operator_receives == D("3580.24")
    assert settlement.nvsi_receives == D("246.92")


@pytest.fixture
def large_ids():
    """Settlement ids of six digits, as in a long-running database: references still read
    whole (no line break inside NVSI-AF123456-G). Sequences are not rolled back; harmless."""
    with owner_cursor() as cursor:  # the application role may not set a sequence
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('settlements_settlement', 'id'), "
            "GREATEST(123456, (SELECT last_value FROM settlements_settlement_id_seq)))"
        )


def test_the_statement_states_every_amount_with_its_meaning_in_dutch(large_ids, settings):
    settings.NVSI_KVK = "87654321"
    settings.OPERATOR_NAME = "Flextensie Nederland B.V."
    settlement = approved_settlement()
    assert settlement.pk > 100_000
    statement = settlement_statement_store(settlement_id=settlement.pk)
    assert statement.pdf.name.endswith("afrekening-GM0014-2026-H1.pdf")
    text = pdf_text(statement.pdf.read())

    # Letterhead, municipality, half-year.
    assert "Nederlandse Vereniging voor Sociale Innovatie" in text
    assert "KvK 87654321" in text
    assert "NL86INGB0002445588" in text
    assert "Gemeente Groningen" in text
    assert "CBS-code GM0014" in text
    assert "1e halfjaar 2026 (1 januari t/m 30 juni 2026)" in text
    assert "01-01-2026 t/m 30-06-2026" in text
    assert f"Kenmerk AF{settlement.pk}" in text
    # The day the percentages were taken from: the half-year's first day.
    assert "percentages die golden op 01-01-2026, de eerste dag van het halfjaar" in text

    # Each amount with its meaning.
    assert "G Bruto-omzet, exclusief btw Wat opdrachtgevers" in text
    assert dutch(D("12345.67")) == "€ 12.345,67"
    assert "P Premies Premie arbeidsinschakeling" in text
    assert "F Vergoeding uitvoerder (30,00 % van G)" in text
    assert "Cm Contributie NVSI, deel gemeente (1,00 % van G)" in text
    assert "Resultaat voor de gemeente G − P − F − Cm" in text
    for amount in ("12345.67", "1600.00", "3703.70", "123.46", "6918.51"):
        assert dutch(D(amount)) in text, amount
    # The contribution explained: 2%, borne 1% by the operator and 1% by the municipality,
    # settled here rather than invoiced.
    assert "contributie van 2,00 % van de bruto-omzet" in text
    assert f"hier {dutch(D('246.92'))}" in text
    assert "uitvoerder 1,00 % (Co, € 123,46" in text
    assert "gemeente 1,00 % (Cm, € 123,46" in text
    assert "verrekend in plaats van gefactureerd" in text
    # Who receives what.
    assert "F − Co Uitvoerder ontvangt" in text and dutch(D("3580.24")) in text
    assert "Flextensie Nederland B.V." in text
    assert "Cm + Co NVSI houdt" in text
    assert "P + (F − Co) + (Cm + Co) + resultaat = G" in text
    assert f"NVSI maakt {dutch(D('6918.51'))} over aan de gemeente" in text
    assert "Afrekening Groningen 2026-H1" in text
    assert f"NVSI-AF{settlement.pk}-G" in text
    assert "verschuldigd." not in text


def test_the_statement_shows_the_breakdown_by_month_and_by_client(settlement):
    text = pdf_text(settlement_statement_store(settlement_id=settlement.pk).pdf.read())
    assert "januari 2026 400,00 € 6.000,00 € 800,00" in text
    assert "maart 2026 423,50 € 6.345,67 € 800,00" in text
    assert "Bakkerij Korenschoof 500,00 € 7.500,00 € 1.000,00" in text
    assert "Zorggroep Noord 323,50 € 4.845,67 € 600,00" in text
    assert text.count("Totaal 823,50 € 12.345,67 € 1.600,00") == 2
    assert "12 factuurregels en 1 creditnotaregel, samen 823,50 gewerkte uren" in text


def test_the_statement_names_submitter_approver_dates_and_the_whole_fingerprint(settlement):
    text = pdf_text(settlement_statement_store(settlement_id=settlement.pk).pdf.read())
    decided = timezone.localtime(settlement.decided_at)
    submitted = timezone.localtime(settlement.submitted_at)
    assert (
        f"Goedgekeurd door Piet Penningmeester (penningmeester NVSI), {decided:%d-%m-%Y %H:%M}"
        in text
    )
    assert (
        f"Ingediend door Bea Backoffice (backoffice uitvoerder), {submitted:%d-%m-%Y %H:%M}" in text
    )
    assert f"Goedgekeurd op {decided:%d-%m-%Y}" in text
    assert len(settlement.fingerprint) == 64
    assert f"Vingerafdruk (SHA-256) {settlement.fingerprint}" in text


def test_a_negative_result_is_an_amount_the_municipality_owes(settings):
    settings.NVSI_IBAN = "NL86INGB0002445588"
    settlement = approved_settlement(
        months=(("2026-02-01", "60.00", "1000.00", "800.00"),),
        clients=(("Sportvereniging De Ster", "60.00", "1000.00", "800.00"),),
    )
    assert settlement.result == D("-110.00")
    text = pdf_text(settlement_statement_store(settlement_id=settlement.pk).pdf.read())
    assert "€ -110,00" in text
    assert "De gemeente is NVSI € 110,00 verschuldigd." in text
    assert "wordt dus niet uitbetaald" in text
    assert "Wij verzoeken u € 110,00 over te maken naar IBAN NL86INGB0002445588" in text
    assert '"Afrekening Groningen 2026-H1"' in text
    assert "NVSI maakt" not in text


def test_the_second_half_year_reads_as_such(settings):
    settlement = approved_settlement(
        months=(("2026-07-01", "10.00", "150.00", "20.00"),),
        clients=(("Bakkerij Korenschoof", "10.00", "150.00", "20.00"),),
        half=2,
    )
    html = settlement_statement_html(settlement)
    assert "2e halfjaar 2026 (1 juli t/m 31 december 2026)" in html
    assert settlement.fingerprint in html
    assert "2.026" not in html


# --- Stored once ------------------------------------------------------------------------------


def test_storing_twice_renders_once_and_returns_the_first(settlement, monkeypatch):
    calls = []
    real = settlement_statement.settlement_statement_pdf

    def counting(obj):
        calls.append(obj.pk)
        return real(obj)

    monkeypatch.setattr(settlement_statement, "settlement_statement_pdf", counting)
    first = settlement_statement_store(settlement_id=settlement.pk)
    again = settlement_statement_store(settlement_id=settlement.pk)
    assert calls == [settlement.pk]
    assert (again.pk, again.pdf.name, again.fingerprint) == (
        first.pk,
        first.pdf.name,
        settlement.fingerprint,
    )
    assert SettlementStatement.objects.count() == 1


def test_a_settlement_that_is_not_approved_gets_no_statement(settings):
    submitted = approved_settlement(approve=False)
    assert settlement_statement_store(settlement_id=submitted.pk) is None
    assert not SettlementStatement.objects.exists()


def test_a_worker_losing_the_race_stores_nothing(settlement, monkeypatch):
    """Another worker stores the statement while this one renders: the first one stays."""
    real = settlement_statement.settlement_statement_pdf

    def render_while_another_stores(obj):
        content = real(obj)
        SettlementStatement.objects.create(
            settlement=obj, pdf="settlements/2026/other.pdf", fingerprint=obj.fingerprint
        )
        return content

    monkeypatch.setattr(
        settlement_statement, "settlement_statement_pdf", render_while_another_stores
    )
    stored = settlement_statement_store(settlement_id=settlement.pk)
    assert stored.pdf.name == "settlements/2026/other.pdf"
    assert SettlementStatement.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_store_one_statement(settings, monkeypatch):
    # Committed for real here: keep the approval's task (eager without a broker) out of it.
    monkeypatch.setattr("settlements.tasks.settlement_approved_task.delay", lambda pk: None)
    settlement = approved_settlement()
    assert not SettlementStatement.objects.exists()
    workers = 4
    barrier = threading.Barrier(workers)
    results, errors = [], []
    real = settlement_statement.settlement_statement_pdf

    def render_then_wait(obj):
        content = real(obj)
        barrier.wait(timeout=60)  # everyone has rendered: all of them try to store
        return content

    monkeypatch.setattr(settlement_statement, "settlement_statement_pdf", render_then_wait)

    def store():
        try:
            results.append(settlement_statement_store(settlement_id=settlement.pk).pk)
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=store) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert SettlementStatement.objects.filter(settlement=settlement).count() == 1
    assert set(results) == {SettlementStatement.objects.get(settlement=settlement).pk}


def test_the_approval_task_stores_the_statement_and_the_payments(settlement):
    settlement_approved_task(settlement.pk)
    settlement_approved_task(settlement.pk)  # redelivered: one effect
    assert SettlementStatement.objects.filter(settlement=settlement).count() == 1
    assert settlement.payments.count() == 2


# --- Never changed ----------------------------------------------------------------------------


def test_the_stored_statement_never_changes(settlement):
    statement = settlement_statement_store(settlement_id=settlement.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementStatement.objects.filter(pk=statement.pk).update(pdf="settlements/forged.pdf")
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementStatement.objects.filter(pk=statement.pk).update(fingerprint="0" * 64)
    # The portal may not delete it at all; the trigger refuses the owner too.
    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        SettlementStatement.objects.filter(pk=statement.pk).delete()
    with pytest.raises(IntegrityError), owner_cursor():
        SettlementStatement.objects.filter(pk=statement.pk).delete()
    assert SettlementStatement.objects.get(pk=statement.pk).pdf.name == statement.pdf.name


# --- From real documents (the shared fixtures) --------------------------------------------------


def test_the_statement_of_a_settlement_computed_from_its_invoices(approved):
    """Computed by settlement_compute from issued invoices, submitted and approved through
    the services: the statement states those figures and that breakdown."""
    text = pdf_text(settlement_statement_store(settlement_id=approved.pk).pdf.read())
    assert approved.gross > 0
    for amount in (approved.gross, approved.premiums, approved.fee, approved.result):
        assert dutch(amount) in text
    for line in approved.lines.filter(kind=SettlementLine.Kind.CLIENT):
        assert f"{line.client_name} " in text
    assert "maart 2026" in text or "april 2026" in text
    assert f"Vingerafdruk (SHA-256) {approved.fingerprint}" in text
