"""Hours are money once invoiced: TRUNCATE of the time entries is refused (issue 14), by the
BEFORE TRUNCATE trigger of core's migration 0002 (`nvsi_refuse_truncate`, SQLSTATE 23001).
That an invoiced entry's hours, date and assignment never change is billing's guard (billing
0006), since "invoiced" is billing's link table."""

from django.db import migrations

TABLES = ["placements_timeentry"]

FORWARD = "\n".join(
    f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}"
    " FOR EACH STATEMENT EXECUTE FUNCTION nvsi_refuse_truncate();"
    for t in TABLES
)
BACKWARD = "\n".join(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};" for t in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_roles_sql_guards"),
        ("placements", "0003_candidate_address_client_reference"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
