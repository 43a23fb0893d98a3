"""Django's `migrate`, run as the database owner (nvsi_portal/db_roles.py): the owner creates
and alters the tables; the application role, which the portal runs as, owns nothing. After
the migrations the application role's privileges are granted again (core.apps, post_migrate)."""

from django.core.management.commands import migrate
from django.db import connections

from nvsi_portal.db_roles import as_database_owner


class Command(migrate.Command):
    def handle(self, *args, **options):
        with as_database_owner(connections[options["database"]], adopt=True):
            return super().handle(*args, **options)
