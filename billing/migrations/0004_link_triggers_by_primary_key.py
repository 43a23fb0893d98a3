"""The immutability triggers of the time-entry link tables find a link's document by two
primary-key lookups (line, then document) instead of a join.

The join let the planner start from the document table when its statistics said the tables
were empty (a table vacuumed after rolled-back rows keeps its pages but counts no rows): a
full scan of every invoice and its lines for each inserted link, some 5 ms a row. Two lookups
by primary key cost the same whatever the statistics. Behaviour is unchanged.
"""

from django.db import migrations


def _link_function(table: str, line_table: str, line_parent: str, parent_table: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger AS $$
DECLARE
    r RECORD;
    parent_id BIGINT;
    parent_status TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN r := NEW; ELSE r := OLD; END IF;
    SELECT {line_parent} INTO parent_id FROM {line_table} WHERE id = r.line_id;
    SELECT status INTO parent_status FROM {parent_table} WHERE id = parent_id;
    IF parent_status = 'issued' THEN
        RAISE EXCEPTION '{table}: the lines of an issued document never change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT {line_parent} INTO parent_id FROM {line_table} WHERE id = NEW.line_id;
        SELECT status INTO parent_status FROM {parent_table} WHERE id = parent_id;
        IF parent_status = 'issued' THEN
            RAISE EXCEPTION '{table}: the lines of an issued document never change'
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def _joined_function(table: str, parent_join: str) -> str:
    """The function as migration 0002 wrote it, for going back."""
    return f"""
CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger AS $$
DECLARE
    r RECORD;
    parent_status TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN r := NEW; ELSE r := OLD; END IF;
    {parent_join}
    IF parent_status = 'issued' THEN
        RAISE EXCEPTION '{table}: the lines of an issued document never change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        r := NEW;
        {parent_join}
        IF parent_status = 'issued' THEN
            RAISE EXCEPTION '{table}: the lines of an issued document never change'
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


FORWARD = _link_function(
    "billing_invoicelineentry", "billing_invoiceline", "invoice_id", "billing_invoice"
) + _link_function(
    "billing_creditnotelineentry", "billing_creditnoteline", "credit_note_id", "billing_creditnote"
)
BACKWARD = _joined_function(
    "billing_invoicelineentry",
    "SELECT i.status INTO parent_status FROM billing_invoice i"
    " JOIN billing_invoiceline l ON l.invoice_id = i.id WHERE l.id = r.line_id;",
) + _joined_function(
    "billing_creditnotelineentry",
    "SELECT c.status INTO parent_status FROM billing_creditnote c"
    " JOIN billing_creditnoteline l ON l.credit_note_id = c.id WHERE l.id = r.line_id;",
)


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_payments")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
