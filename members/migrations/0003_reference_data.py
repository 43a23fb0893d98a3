"""Load the reference data that ships with the portal (members.reference_data): the statutory
premium caps 2019-2026 and the general framework's history from 2024. Idempotent: rows that
are already there (by start date) are kept. Going back leaves them: they may be in use."""

from django.db import migrations


def load(apps, schema_editor):
    from members.reference_data import reference_data_load

    reference_data_load(
        framework_model=apps.get_model("members", "Framework"),
        premium_cap_model=apps.get_model("members", "PremiumCap"),
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0002_municipality_settlement_iban")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
