"""PostgreSQL guards of issue 14: the audit trail is insert-only, and the money tables refuse
TRUNCATE.

- `nvsi_refuse_truncate()`: the function of every money table's statement-level BEFORE
  TRUNCATE trigger (this migration for the audit events, the apps' own migrations for their
  tables). A row trigger does not fire on TRUNCATE, so without it a TRUNCATE would empty an
  issued invoice's lines. It lets through only a session whose current role owns the table
  (or is a superuser) AND has set `nvsi.maintenance = 'on'`: the owner's maintenance (the
  test flush, a migration; nvsi_portal/db_roles.py). The application role has no TRUNCATE
  privilege at all; should it ever get one, setting the flag would not help it.
- `core_auditevent`: UPDATE and DELETE refused for everyone (the owner included).

Both raise SQLSTATE 23001 (restrict_violation, an IntegrityError in Django).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION nvsi_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('nvsi.maintenance', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE')
    THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '%: a money table is never truncated', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit event %: the audit trail is never changed or deleted', OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION nvsi_refuse_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_append_only();
DROP FUNCTION IF EXISTS nvsi_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0002_sweeper_claims")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
