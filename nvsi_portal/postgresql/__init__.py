"""Django's PostgreSQL backend, with the test database made and dropped by the owner role
(nvsi_portal/db_roles.py): the application role may create no database and own no table."""
