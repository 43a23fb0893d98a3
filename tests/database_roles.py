"""Raw SQL as the database owner inside a test (the code under test runs as the application
role, nvsi_portal/db_roles.py).

`owner_cursor()` switches the test's own connection to the owner role within a savepoint of
the test's transaction, and back to the application role at its end (a failure rolls the
savepoint back, and the role with it). It needs the test session's login to be allowed to
SET ROLE to the owner: the one-superuser-URL set-up that `make test`, CI and the embedded
PostgreSQL use."""

import contextlib

from django.conf import settings
from django.db import connection, transaction


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def owner_cursor():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {_quote(settings.DATABASE_OWNER_ROLE)}")
        yield cursor
        cursor.execute(f"SET LOCAL ROLE {_quote(settings.DATABASE_APP_ROLE)}")


@contextlib.contextmanager
def app_cursor():
    """A cursor of the application role (the test's connection), in a savepoint."""
    with transaction.atomic(), connection.cursor() as cursor:
        yield cursor
