"""Two database roles: the OWNER runs the migrations, the APPLICATION role runs the portal.

The owner owns every table, sequence and trigger function. The application role (web,
workers, every management command but `migrate` and `flush`) owns nothing: it has SELECT,
INSERT and UPDATE on the tables it writes, DELETE only on the tables in `DELETE_TABLES`,
USAGE on the sequences, and no TRUNCATE, no ALTER, no ownership, so it can neither disable a
trigger nor change a table. `application_role_grant` gives exactly these privileges after
every `migrate` (a `post_migrate` hook), revoking anything else first, so a table added by a
later migration gets them too and a grant made by hand is undone.

Two set-ups (settings.py, docs/deployment.md):

- two logins: `DATABASE_URL` is the application role's login, `DATABASE_OWNER_URL` the
  owner's; `migrate` connects with the owner's, everything else with the application's;
- one superuser URL (`DATABASE_URL` alone, as CI, the embedded PostgreSQL and a newcomer give
  it): the project creates the roles `nvsi_owner` and `nvsi_app` (NOLOGIN) itself and every
  connection does `SET ROLE` to one of them: `nvsi_app` normally, `nvsi_owner` for `migrate`,
  `flush` and the test database's creation. The database and the objects in its `public`
  schema are handed to `nvsi_owner` ("adopted") before migrating, so a database that was
  migrated as the superuser before keeps working.

`as_database_owner()` switches a connection to the owner for the time of a block, with the
session setting `nvsi.maintenance = on`: the money tables' `BEFORE TRUNCATE` triggers let only
a session of their owner with that setting truncate them (the test flush; a migration).
"""

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

OWNER_ROLE = "nvsi_owner"
APPLICATION_ROLE = "nvsi_app"
MAINTENANCE_OPTION = "-c nvsi.maintenance=on"

# Tables the portal really deletes from, and why. Everything else (audit events, issued
# documents, payments, bank statements, settlement payments, the number series...) is never
# deleted by the application role. Some of these hold money (draft invoices, prepared payout
# runs, a draft settlement's breakdown): their triggers refuse the delete once the document is
# issued, approved or paid.
DELETE_TABLES = {
    "django_session": "sign-out, a new session at sign-in, clearsessions",
    "account_emailaddress": "accounts.services (e-mail change), allauth",
    "account_emailconfirmation": "allauth, cascade of an e-mail address",
    "mfa_authenticator": "allauth.mfa: an authenticator deactivated or replaced",
    "auth_group": "the admin (superuser)",
    "auth_group_permissions": "the admin's group form (superuser)",
    "accounts_user_groups": "roles revoked (accounts.services, demo)",
    "accounts_user_user_permissions": "the admin's user form (superuser)",
    "members_municipality_coordinators": "a coordinator's municipalities changed",
    "members_municipality_representatives": "a representative's municipality changed",
    "members_contract_covered_municipalities": "a contract's municipalities changed",
    "members_labourmarketregion": "the admin (superuser), when nothing refers to it",
    "members_municipality": "the admin (superuser), when nothing refers to it",
    "members_framework": "a local framework version not yet in force (members.services)",
    "members_premiumcap": "a premium cap not yet in force (the admin)",
    "members_instrumentdocument": "the catalogue (members.services_catalogue)",
    "core_workerheartbeat": "old heartbeats (the admin)",
    "placements_timeentry": "entered hours deleted (placements.services); refused once invoiced",
    "billing_invoice": "a draft invoice deleted; refused once issued (trigger)",
    "billing_invoiceline": "the lines of a draft invoice; refused once issued (trigger)",
    "billing_invoicelineentry": "the links of a draft invoice; refused once issued (trigger)",
    "premiums_payoutrun": "a prepared run cancelled; refused once approved (trigger)",
    "premiums_payoutline": "the lines of a cancelled run; refused once approved (trigger)",
    "premiums_payoutexclusion": "idem",
    "settlements_settlementline": "a draft settlement recomputed; refused once approved",
}

# Tables the application role reads but does not write (or only inserts into).
READ_ONLY_TABLES = {"django_migrations"}
INSERT_ONLY_TABLES = {"core_auditevent"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _owner_settings(current: dict) -> dict:
    owner = settings.DATABASE_OWNER
    options = {**owner["OPTIONS"]}
    options["options"] = " ".join(filter(None, [options.get("options", ""), MAINTENANCE_OPTION]))
    return {
        **current,
        "USER": owner["USER"],
        "PASSWORD": owner["PASSWORD"],
        "HOST": owner["HOST"],
        "PORT": owner["PORT"],
        "OPTIONS": options,
    }


@contextlib.contextmanager
def _session_user_cursor(settings_dict: dict, *, database: str | None):
    """A cursor of the login itself (no SET ROLE) on `database` (None: `postgres`),
    autocommitting, on a connection of its own."""
    import psycopg
    from django.db.backends.postgresql.base import DatabaseWrapper

    options = {k: v for k, v in settings_dict["OPTIONS"].items() if k != "assume_role"}
    wrapper = DatabaseWrapper({**settings_dict, "NAME": database, "OPTIONS": options})
    params = wrapper.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as conn, conn.cursor() as cursor:
        yield cursor


ROLES_CREATE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
        BEGIN
            CREATE ROLE {OWNER_ROLE} NOLOGIN CREATEDB;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APPLICATION_ROLE}') THEN
        BEGIN
            CREATE ROLE {APPLICATION_ROLE} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
END
$$;
"""  # noqa: S608 - fixed role names

# Hands the database, its public schema and what is in it to the owner role (objects that
# belong to an extension stay as they are; a sequence owned by a column follows its table).
ADOPT = f"""
DO $$
DECLARE
    owner_oid OID := '{OWNER_ROLE}'::regrole;
    r RECORD;
BEGIN
    IF (SELECT datdba FROM pg_database WHERE datname = current_database()) <> owner_oid THEN
        EXECUTE format('ALTER DATABASE %I OWNER TO {OWNER_ROLE}', current_database());
    END IF;
    IF (SELECT nspowner FROM pg_namespace WHERE nspname = 'public') <> owner_oid THEN
        ALTER SCHEMA public OWNER TO {OWNER_ROLE};
    END IF;
    FOR r IN
        SELECT c.oid::regclass AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relowner <> owner_oid
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND NOT EXISTS (
              SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
              AND d.deptype IN ('e', 'a', 'i'))
        ORDER BY c.relkind <> 'r'
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO {OWNER_ROLE}', r.name);
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> owner_oid
          AND NOT EXISTS (
              SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
              AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO {OWNER_ROLE}', r.name);
    END LOOP;
END
$$;
"""  # noqa: S608 - fixed role names


def roles_create(cursor) -> None:
    """Create `nvsi_owner` and `nvsi_app` (NOLOGIN) if missing; the cursor's login must be a
    superuser, which may then SET ROLE to either."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")
    row = cursor.fetchone()
    if not (row and row[0]):
        raise ImproperlyConfigured(
            "DATABASE_URL names no superuser, so the portal cannot create its two database "
            "roles itself: set DATABASE_URL to the application role's login and "
            "DATABASE_OWNER_URL to the owner's (docs/deployment.md, 'Two database roles')."
        )
    cursor.execute(ROLES_CREATE)


def _roles_prepare(settings_dict: dict, *, adopt: bool) -> None:
    """One superuser URL: the roles exist and, with `adopt`, the database belongs to the
    owner (a database migrated as the superuser before the roles existed)."""
    with _session_user_cursor(settings_dict, database=None) as cursor:
        roles_create(cursor)
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings_dict["NAME"]])
        exists = cursor.fetchone() is not None
    if adopt and exists:
        with _session_user_cursor(settings_dict, database=settings_dict["NAME"]) as cursor:
            cursor.execute(ADOPT)


def test_database_adopt(settings_dict: dict, name: str) -> None:
    """One superuser URL: a test database left by a run before the roles existed is handed to
    the owner, which may then drop (or, with --reuse-db, migrate) it."""
    if not settings.DATABASE_ROLES_MANAGED:
        return
    with _session_user_cursor(settings_dict, database=None) as cursor:
        cursor.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name])
        row = cursor.fetchone()
        if row and row[0] != OWNER_ROLE:
            cursor.execute(f"ALTER DATABASE {_quote(name)} OWNER TO {OWNER_ROLE}")


@contextlib.contextmanager
def as_database_owner(connection=None, *, adopt: bool = False) -> Iterator[None]:
    """Within the block, `connection` (default: the default one) is the owner's, with
    `nvsi.maintenance = on`; outside it the application role's again. Reentrant; not inside
    a transaction (the connection is closed and opened again). `adopt` (for `migrate`): with
    one superuser URL, hand the database and its objects to the owner role first."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if getattr(connection, "nvsi_owner_depth", 0):
        if adopt and settings.DATABASE_ROLES_MANAGED:
            connection.close()
            _roles_prepare(connection.settings_dict, adopt=True)
        connection.nvsi_owner_depth += 1
        try:
            yield
        finally:
            connection.nvsi_owner_depth -= 1
        return
    if connection.in_atomic_block:
        raise RuntimeError("The database owner is not taken inside a transaction.")
    original = connection.settings_dict
    owner = _owner_settings(original)
    if settings.DATABASE_ROLES_MANAGED:
        _roles_prepare(owner, adopt=adopt)
    connection.close()
    connection.settings_dict = owner
    connection.nvsi_owner_depth = 1
    try:
        yield
    finally:
        connection.close()
        original["NAME"] = owner["NAME"]  # the test database's name, when one was made
        connection.settings_dict = original
        connection.nvsi_owner_depth = 0


def application_role_grant(*, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Give the application role exactly its privileges (a post_migrate hook, as the owner)."""
    connection = connections[using]
    role = _quote(settings.DATABASE_APP_ROLE)
    tables = set(connection.introspection.table_names(include_views=False))
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    statements += [
        f"REVOKE INSERT, UPDATE ON {_quote(t)} FROM {role}" for t in sorted(READ_ONLY_TABLES)
    ]
    statements += [f"REVOKE UPDATE ON {_quote(t)} FROM {role}" for t in sorted(INSERT_ONLY_TABLES)]
    statements += [
        f"GRANT DELETE ON {_quote(t)} TO {role}" for t in sorted(DELETE_TABLES) if t in tables
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace"
            " WHERE nspname = 'public'"
        )
        if cursor.fetchone()[0]:
            # PostgreSQL before 15 lets every role create tables in public.
            statements.append("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        for statement in statements:
            cursor.execute(statement)
