"""TRUNCATE refused on every settlements table (issue 14): a row trigger does not fire on
TRUNCATE, so an approved settlement's breakdown could otherwise be emptied. The BEFORE TRUNCATE
trigger runs core's `nvsi_refuse_truncate` (migration core 0002, SQLSTATE 23001)."""

from django.db import migrations

TABLES = [
    "settlements_settlement",
    "settlements_settlementline",
    "settlements_settlementpayment",
    "settlements_settlementrun",
    "settlements_settlementrunitem",
    "settlements_settlementstatement",
    "settlements_settlementtransferfile",
]

FORWARD = "\n".join(
    f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}"
    " FOR EACH STATEMENT EXECUTE FUNCTION nvsi_refuse_truncate();"
    for t in TABLES
)
BACKWARD = "\n".join(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};" for t in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_roles_sql_guards"),
        ("settlements", "0004_sweeper_run_progress"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
