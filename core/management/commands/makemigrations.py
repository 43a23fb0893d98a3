"""Django's `makemigrations`, run as the database owner (nvsi_portal/db_roles.py), as
`migrate` is: it reads the migration history to check it is consistent, and on a database
not yet handed to the roles (migrated before they existed) the application role may not read
it yet; such a database is handed to the owner first, as `migrate` would. It writes no
table."""

from django.core.management.commands import makemigrations
from django.db import DEFAULT_DB_ALIAS, connections

from nvsi_portal.db_roles import as_database_owner


class Command(makemigrations.Command):
    def handle(self, *args, **options):
        with as_database_owner(connections[DEFAULT_DB_ALIAS], adopt=True):
            return super().handle(*args, **options)
