"""The invoice copies the client's contact person (for the attention of) and reference
(purchase-order number) when issued; the immutability trigger of 0002 covers them too."""

import importlib

from django.db import migrations, models

_0002 = importlib.import_module("billing.migrations.0002_immutable_documents")


def _function_only(columns: list[str]) -> str:
    """The invoice's trigger function of 0002 for `columns`, without its CREATE TRIGGER."""
    sql = _0002._document_function("billing_invoice", columns)
    return sql[: sql.index("CREATE TRIGGER")]


FORWARD = _function_only([*_0002.INVOICE_COLUMNS, "client_contact", "client_reference"])
BACKWARD = _function_only(_0002.INVOICE_COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_link_triggers_by_primary_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="client_contact",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="for the attention of"
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="client_reference",
            field=models.CharField(blank=True, max_length=50, verbose_name="client's reference"),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
