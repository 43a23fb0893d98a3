"""The database itself guards the money (issue 14): what an attacker with the portal's own
database connection tries in raw SQL is refused, and what the portal legitimately does still
works.

The tests' connection is the application role's (nvsi_portal/db_roles.py), as the portal's;
`owner_cursor` (tests/database_roles.py) switches to the owner, where a guard must hold for
the owner too. A trigger refuses with SQLSTATE 23001 (IntegrityError); a missing privilege
with 42501 (ProgrammingError).
"""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, transaction

from accounts.roles import Role
from billing.models import DocumentCounter, InvoiceLineEntry
from billing.services import credit_note_create, invoice_draft_delete
from core.models import AuditEvent
from core.services import audit_record
from members.models import PremiumCap
from nvsi_portal.db_roles import DELETE_TABLES, INSERT_ONLY_TABLES, READ_ONLY_TABLES
from placements.models import TimeEntry
from placements.services import time_entries_approve
from premiums.models import PayoutLine, PayoutRun, PremiumAccrual
from premiums.services import (
    payout_run_approve,
    payout_run_cancel,
    payout_run_mark_paid,
    payout_run_prepare,
)
from tests.billing.factories import draft_invoice, issued_invoice
from tests.database_roles import app_cursor, owner_cursor
from tests.placements.factories import (
    AssignmentFactory,
    CandidateFactory,
    PlacementsMunicipalityFactory,
    PlacementsUserFactory,
    TimeEntryFactory,
    general_framework,
)

pytestmark = pytest.mark.django_db

D = Decimal
JUNE = datetime.date(2026, 6, 30)

# Tables whose every row is money or its record: TRUNCATE refused, even for the owner.
MONEY_APPS = ["billing", "premiums", "settlements"]
MONEY_TABLES = sorted(
    {m._meta.db_table for app in MONEY_APPS for m in apps.get_app_config(app).get_models()}
    | {"placements_timeentry", "core_auditevent"}
)
# Ledgers: never deleted by the application role, whatever the row.
LEDGERS = [
    "core_auditevent",
    "billing_documentcounter",
    "billing_creditnote",
    "billing_creditnoteline",
    "billing_creditnotelineentry",
    "billing_payment",
    "billing_paymentallocation",
    "billing_bankstatement",
    "billing_bankstatementline",
    "billing_invoicereminder",
    "premiums_premiumaccrual",
    "premiums_premiumopeningbalance",
    "settlements_settlement",
    "settlements_settlementpayment",
    "settlements_settlementstatement",
    "settlements_settlementtransferfile",
]


def _as_app(sql: str, params=()):
    with app_cursor() as cursor:
        cursor.execute(sql, params)


def _trigger_refuses(sql: str, params=()):
    with pytest.raises(IntegrityError, match=r"never|only moves forward"):
        _as_app(sql, params)


def _privilege_refuses(sql: str, params=()):
    with pytest.raises(
        ProgrammingError, match=r"permission denied|must be owner|must be superuser"
    ):
        _as_app(sql, params)


def _privilege(table: str, privilege: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(current_user, %s, %s)", [table, privilege])
        return cursor.fetchone()[0]


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names(include_views=False))


# --- Who the portal is --------------------------------------------------------------------------


def test_the_portal_runs_as_the_application_role_which_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,"
            " pg_has_role(current_user, %s, 'MEMBER')"
            " FROM pg_roles r WHERE r.rolname = current_user",
            [settings.DATABASE_OWNER_ROLE],
        )
        assert cursor.fetchone() == (settings.DATABASE_APP_ROLE, False, False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole"
            " UNION ALL SELECT count(*) FROM pg_proc WHERE proowner = current_user::regrole"
            " UNION ALL SELECT count(*) FROM pg_namespace WHERE nspowner = current_user::regrole"
        )
        assert [row[0] for row in cursor.fetchall()] == [0, 0, 0]
        cursor.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
            " UNION SELECT pg_get_userbyid(datdba) FROM pg_database"
            " WHERE datname = current_database()"
        )
        assert {row[0] for row in cursor.fetchall()} == {settings.DATABASE_OWNER_ROLE}


def test_the_application_role_has_exactly_its_privileges():
    tables = _tables()
    assert set(DELETE_TABLES) <= set(tables), "DELETE_TABLES names a table that does not exist"
    wrong = []
    for table in tables:
        expected = {
            "SELECT": True,
            "INSERT": table not in READ_ONLY_TABLES,
            "UPDATE": table not in READ_ONLY_TABLES | INSERT_ONLY_TABLES,
            "DELETE": table in DELETE_TABLES,
            "TRUNCATE": False,
            "REFERENCES": False,
            "TRIGGER": False,
        }
        actual = {privilege: _privilege(table, privilege) for privilege in expected}
        if actual != expected:
            wrong.append((table, actual))
    assert wrong == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, has_sequence_privilege(current_user, c.oid, 'USAGE'),"
            " has_sequence_privilege(current_user, c.oid, 'UPDATE')"
            " FROM pg_class c WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
        )
        sequences = cursor.fetchall()
    assert sequences
    assert {(usage, update) for _name, usage, update in sequences} == {(True, False)}


@pytest.mark.parametrize("table", LEDGERS)
def test_no_delete_on_a_ledger(table):
    assert not _privilege(table, "DELETE")
    _privilege_refuses(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE billing_invoice DISABLE TRIGGER billing_invoice_immutable",
        "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE premiums_payoutline DISABLE TRIGGER USER",
        "DROP TRIGGER core_auditevent_append_only ON core_auditevent",
        "ALTER TABLE premiums_payoutline ADD COLUMN note text",
        "ALTER TABLE billing_invoice OWNER TO CURRENT_USER",
        "DROP TABLE billing_documentcounter",
        "CREATE OR REPLACE FUNCTION nvsi_refuse_truncate() RETURNS trigger"
        " AS $$ BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql",
        "CREATE TABLE public.nvsi_attacker (id int)",
        "CREATE TRIGGER t BEFORE UPDATE ON billing_invoice"
        " FOR EACH ROW EXECUTE FUNCTION nvsi_refuse_truncate()",
        "SET session_replication_role = replica",
        "ALTER ROLE CURRENT_USER SUPERUSER",
        "SELECT setval('billing_invoice_id_seq', 1)",
    ],
)
def test_the_application_role_cannot_alter_disable_or_bypass(sql):
    _privilege_refuses(sql)


def test_the_application_role_cannot_grant_itself_a_privilege():
    _as_app(f"GRANT DELETE, TRUNCATE ON core_auditevent TO {settings.DATABASE_APP_ROLE}")
    assert not _privilege("core_auditevent", "DELETE")
    assert not _privilege("core_auditevent", "TRUNCATE")


# --- TRUNCATE ------------------------------------------------------------------------------------


def test_every_money_table_has_a_truncate_guard():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE p.proname = 'nvsi_refuse_truncate' AND t.tgtype & 32 = 32 AND t.tgenabled = 'O'"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert set(MONEY_TABLES) - guarded == set()


@pytest.mark.parametrize("table", MONEY_TABLES)
def test_the_application_role_cannot_truncate_a_money_table(table):
    _privilege_refuses(f"TRUNCATE {table}")
    # The maintenance flag is a session setting anyone may set; it does not give the privilege.
    with pytest.raises(ProgrammingError, match="permission denied"), app_cursor() as cursor:
        cursor.execute("SET LOCAL nvsi.maintenance = 'on'")
        cursor.execute(f"TRUNCATE {table} CASCADE")


def _no_pending_constraint_checks():
    """TRUNCATE in the transaction that wrote the rows waits for no deferred FK check."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_owner_truncates_a_money_table_only_in_maintenance(framework):
    invoice = issued_invoice()
    _no_pending_constraint_checks()
    with pytest.raises(IntegrityError, match="never truncated"), owner_cursor() as cursor:
        cursor.execute("TRUNCATE billing_invoiceline CASCADE")
    # A cascade from a table without a guard reaches the guarded ones: refused as well.
    with pytest.raises(IntegrityError, match="never truncated"), owner_cursor() as cursor:
        cursor.execute("TRUNCATE placements_client CASCADE")
    assert invoice.lines.exists()
    with owner_cursor() as cursor:
        cursor.execute("SET LOCAL nvsi.maintenance = 'on'")
        cursor.execute("TRUNCATE billing_invoice CASCADE")
        cursor.execute("SELECT count(*) FROM billing_invoiceline")
        assert cursor.fetchone() == (0,)
        cursor.execute("SET LOCAL nvsi.maintenance = 'off'")


def test_a_truncate_privilege_granted_by_mistake_still_meets_the_trigger(framework):
    issued_invoice()
    _no_pending_constraint_checks()
    with owner_cursor() as cursor:
        cursor.execute(
            f"GRANT TRUNCATE ON billing_invoicelineentry TO {settings.DATABASE_APP_ROLE}"
        )
    with pytest.raises(IntegrityError, match="never truncated"), app_cursor() as cursor:
        cursor.execute("SET LOCAL nvsi.maintenance = 'on'")
        cursor.execute("TRUNCATE billing_invoicelineentry")


# --- The audit trail -------------------------------------------------------------------------


def test_the_audit_trail_is_insert_only_even_for_the_owner(back_office):
    event = audit_record(actor=back_office, action="test.action", summary="recorded")
    assert AuditEvent.objects.filter(pk=event.pk, summary="recorded").exists()
    _privilege_refuses("UPDATE core_auditevent SET summary = 'rewritten' WHERE id = %s", [event.pk])
    _privilege_refuses("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    for sql in (
        "UPDATE core_auditevent SET summary = 'rewritten' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="never changed"), owner_cursor() as cursor:
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.summary == "recorded"


# --- Payout runs ------------------------------------------------------------------------------


@pytest.fixture
def framework(db):
    general = general_framework()
    PremiumCap.objects.get_or_create(
        valid_from=datetime.date(2025, 7, 1), defaults={"amount": D("3326")}
    )
    return general


@pytest.fixture
def town(db):
    return PlacementsMunicipalityFactory(name="Groningen", cbs_code="GM0014")


@pytest.fixture
def back_office_user(db):
    return PlacementsUserFactory(role=Role.BACK_OFFICE, is_staff=True)


@pytest.fixture
def town_coordinator(town):
    return PlacementsUserFactory(role=Role.COORDINATOR, municipalities=[town])


def _worked(town, actor, name, days):
    candidate = CandidateFactory(municipality=town, first_name=name, last_name="Aalders")
    assignment = AssignmentFactory(
        candidate=candidate,
        active=True,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    entries = [
        TimeEntryFactory(assignment=assignment, work_date=datetime.date(2026, 3, d), hours=D(8))
        for d in days
    ]
    time_entries_approve(entries=entries, actor=actor)
    return candidate


@pytest.fixture
def prepared_run(town, framework, back_office_user):
    _worked(town, back_office_user, "Anna", [2, 3])
    _worked(town, back_office_user, "Bram", [2])
    run = payout_run_prepare(municipality=town, payout_date=JUNE, actor=back_office_user)
    assert run.lines.count() == 2
    return run


@pytest.fixture
def approved_run(prepared_run, town_coordinator):
    return payout_run_approve(run=prepared_run, actor=town_coordinator)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE premiums_payoutline SET iban = 'NL91ABNA0417164300' WHERE run_id = %s",
        "UPDATE premiums_payoutline SET amount = amount + 100 WHERE run_id = %s",
        "UPDATE premiums_payoutline SET candidate_name = 'X' WHERE run_id = %s",
        "DELETE FROM premiums_payoutline WHERE run_id = %s",
        "INSERT INTO premiums_payoutline (run_id, candidate_id, year, sequence, candidate_name,"
        " iban, hours, amount) SELECT %s, id, 2026, 2, 'X', 'NL91ABNA0417164300', 1, 1"
        " FROM placements_candidate LIMIT 1",
        "UPDATE premiums_payoutrun SET total = total + 100 WHERE id = %s",
        "UPDATE premiums_payoutrun SET sepa_xml = 'tampered' WHERE id = %s",
        "UPDATE premiums_payoutrun SET payout_date = payout_date + 1 WHERE id = %s",
        "UPDATE premiums_payoutrun SET status = 'prepared', approved_by_id = NULL,"
        " approved_at = NULL WHERE id = %s",
        "DELETE FROM premiums_payoutrun WHERE id = %s",
        "UPDATE premiums_premiumaccrual SET payout_line_id = NULL"
        " WHERE payout_line_id IN (SELECT id FROM premiums_payoutline WHERE run_id = %s)",
    ],
)
def test_an_approved_payout_run_and_its_lines_never_change(approved_run, sql):
    before = list(PayoutLine.objects.filter(run=approved_run).values())
    _trigger_refuses(sql, [approved_run.pk])
    assert list(PayoutLine.objects.filter(run=approved_run).values()) == before


def test_an_approved_run_is_still_marked_paid_once(approved_run, back_office_user):
    run = payout_run_mark_paid(run=approved_run, actor=back_office_user, paid_on=JUNE)
    assert (run.status, run.paid_on) == ("paid", JUNE)
    _trigger_refuses(
        "UPDATE premiums_payoutrun SET paid_on = paid_on + 1 WHERE id = %s", [approved_run.pk]
    )
    _trigger_refuses(
        "UPDATE premiums_payoutrun SET status = 'approved', paid_on = NULL, marked_paid_by_id ="
        " NULL WHERE id = %s",
        [approved_run.pk],
    )
    _trigger_refuses("UPDATE premiums_payoutline SET amount = 1 WHERE run_id = %s", [run.pk])


def test_the_guards_hold_for_the_owner_too(approved_run):
    with pytest.raises(IntegrityError, match="never change"), owner_cursor() as cursor:
        cursor.execute(
            "UPDATE premiums_payoutline SET amount = 1 WHERE run_id = %s", [approved_run.pk]
        )


def test_a_prepared_run_is_still_cancelled_and_its_lines_deleted(prepared_run, back_office_user):
    assert payout_run_cancel(run=prepared_run, actor=back_office_user)
    assert not PayoutRun.objects.filter(pk=prepared_run.pk).exists()
    assert not PayoutLine.objects.exists()
    assert PremiumAccrual.objects.filter(payout_line__isnull=True).count() == 3


# --- Invoiced hours and the number series ---------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "hours = hours + 1",
        "hours = 0.5",
        "work_date = work_date + 1",
        "assignment_id = (SELECT max(id) FROM placements_assignment)",
    ],
)
def test_invoiced_hours_never_change(framework, change):
    invoice = issued_invoice()
    AssignmentFactory()  # another assignment to move the hours to
    entry = TimeEntry.objects.get(invoice_link__line__invoice=invoice)
    _trigger_refuses(f"UPDATE placements_timeentry SET {change} WHERE id = %s", [entry.pk])  # noqa: S608
    _trigger_refuses("DELETE FROM placements_timeentry WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert (entry.hours, entry.status) == (D("8.00"), TimeEntry.Status.INVOICED)


def test_a_draft_invoices_hours_are_held_by_the_link_not_the_status(framework):
    draft = draft_invoice()
    entry = TimeEntry.objects.get(invoice_link__line__invoice=draft)
    # Even with its status not saying so, the link row makes the entry invoiced.
    _as_app("UPDATE placements_timeentry SET status = 'approved' WHERE id = %s", [entry.pk])
    _trigger_refuses("UPDATE placements_timeentry SET hours = 1 WHERE id = %s", [entry.pk])
    _as_app("UPDATE placements_timeentry SET status = 'invoiced' WHERE id = %s", [entry.pk])
    # The legitimate ways: deleting the draft releases the hours, which may then change.
    invoice_draft_delete(invoice=draft, actor=None)
    assert not InvoiceLineEntry.objects.exists()
    _as_app("UPDATE placements_timeentry SET hours = 7 WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert (entry.hours, entry.status) == (D("7.00"), TimeEntry.Status.APPROVED)


def test_a_credit_note_still_credits_invoiced_hours(framework):
    invoice = issued_invoice()
    credit_note_create(invoice=invoice, actor=None, reason="wrong rate")
    entry = TimeEntry.objects.get(invoice_link__line__invoice=invoice)
    assert entry.status == TimeEntry.Status.CREDITED
    _trigger_refuses("UPDATE placements_timeentry SET hours = 1 WHERE id = %s", [entry.pk])


def test_the_number_series_only_moves_forward(framework):
    invoice = issued_invoice()
    counter = DocumentCounter.objects.get(series="invoice", year=invoice.invoice_date.year)
    assert counter.last_number == 1
    for sql in (
        "UPDATE billing_documentcounter SET last_number = last_number - 1 WHERE id = %s",
        "UPDATE billing_documentcounter SET last_number = 0 WHERE id = %s",
        "UPDATE billing_documentcounter SET year = year + 1 WHERE id = %s",
        "UPDATE billing_documentcounter SET series = 'credit_note' WHERE id = %s",
    ):
        _trigger_refuses(sql, [counter.pk])
    _privilege_refuses("DELETE FROM billing_documentcounter WHERE id = %s", [counter.pk])
    with pytest.raises(IntegrityError, match="only moves forward"), owner_cursor() as cursor:
        cursor.execute(
            "UPDATE billing_documentcounter SET last_number = 0 WHERE id = %s", [counter.pk]
        )
    # Forward is how a number is handed out.
    _as_app("UPDATE billing_documentcounter SET last_number = 2 WHERE id = %s", [counter.pk])
    counter.refresh_from_db()
    assert counter.last_number == 2


def test_a_refused_statement_leaves_the_transaction_usable(framework):
    """The savepoint of each refusal rolls back only that statement."""
    invoice = issued_invoice()
    with transaction.atomic():
        _trigger_refuses("DELETE FROM billing_invoice WHERE id = %s", [invoice.pk])
        assert invoice.lines.count() == 1
