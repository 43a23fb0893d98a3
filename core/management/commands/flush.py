"""Django's `flush`, run as the database owner with `nvsi.maintenance = on`.

The application role may not TRUNCATE, and the money tables' BEFORE TRUNCATE triggers refuse
it to everyone else too (nvsi_portal/db_roles.py). The tests that commit (transactional_db,
live_server) are cleaned up by this command between tests."""

from django.core.management.commands import flush
from django.db import connections

from nvsi_portal.db_roles import as_database_owner


class Command(flush.Command):
    def handle(self, *args, **options):
        with as_database_owner(connections[options["database"]]):
            return super().handle(*args, **options)
