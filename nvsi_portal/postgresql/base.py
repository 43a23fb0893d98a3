"""Django's PostgreSQL backend, with the two roles of nvsi_portal/db_roles.py:

- with one superuser URL, the first connection of a process makes sure the roles `nvsi_owner`
  and `nvsi_app` exist before it does SET ROLE (a fresh server, the embedded PostgreSQL);
- the test database is made and dropped by the owner (the application role may create no
  database and owns no table).
"""

from django.conf import settings
from django.db.backends.postgresql import base, creation

from nvsi_portal.db_roles import as_database_owner, roles_create, test_database_adopt

_roles_exist = False


class DatabaseCreation(creation.DatabaseCreation):
    def create_test_db(self, *args, **kwargs):
        test_database_adopt(self.connection.settings_dict, self._get_test_db_name())
        with as_database_owner(self.connection):
            return super().create_test_db(*args, **kwargs)

    def destroy_test_db(self, *args, **kwargs):
        with as_database_owner(self.connection):
            return super().destroy_test_db(*args, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation

    def init_connection_state(self):
        global _roles_exist
        if settings.DATABASE_ROLES_MANAGED and not _roles_exist:
            with self.connection.cursor() as cursor:  # still the login itself: no SET ROLE yet
                roles_create(cursor)
            _roles_exist = True
        super().init_connection_state()
