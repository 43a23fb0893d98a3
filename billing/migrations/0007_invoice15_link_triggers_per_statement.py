"""The immutability triggers of the time-entry link tables check a statement's rows as a set.

Migrations 0002 and 0004 checked every inserted, changed or deleted link with a row-level
trigger: two primary-key lookups per row, some 8 microseconds each, 2.8 s of a 345,000-entry
invoice run. These statement-level triggers (AFTER ... FOR EACH STATEMENT, with the
statement's rows as a transition table) run one query per statement: is any of these links
on a line of an issued document? If so the statement is refused, as before, with SQLSTATE
23001 (restrict_violation, an IntegrityError in Django) and the same message.

PostgreSQL allows a transition table on a trigger of one event only, so each table gets three
triggers (insert: the new rows; update: old and new; delete: the old rows) sharing one
function. The transition table's size is known to the planner (it is not a table without
statistics), and the query goes from those rows to the line and the document by primary key.
"""

from django.db import migrations

LINK_TABLES = [
    # link table, line table, the line's document column, document table
    ("billing_invoicelineentry", "billing_invoiceline", "invoice_id", "billing_invoice"),
    (
        "billing_creditnotelineentry",
        "billing_creditnoteline",
        "credit_note_id",
        "billing_creditnote",
    ),
]


def _forward(table: str, line_table: str, line_parent: str, parent_table: str) -> str:
    def refused(rows: str) -> str:
        return f"""
    IF EXISTS (
        SELECT 1 FROM {line_table} l JOIN {parent_table} d ON d.id = l.{line_parent}
        WHERE l.id IN (SELECT DISTINCT line_id FROM {rows}) AND d.status = 'issued'
    ) THEN
        RAISE EXCEPTION '{table}: the lines of an issued document never change'
            USING ERRCODE = 'restrict_violation';
    END IF;"""

    return f"""
DROP TRIGGER IF EXISTS {table}_immutable ON {table};
DROP FUNCTION IF EXISTS {table}_immutable();
CREATE FUNCTION {table}_immutable_rows() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN{refused("old_rows")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN{refused("new_rows")}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_immutable_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_immutable_rows();
CREATE TRIGGER {table}_immutable_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_immutable_rows();
CREATE TRIGGER {table}_immutable_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_immutable_rows();
"""


def _backward(table: str, line_table: str, line_parent: str, parent_table: str) -> str:
    """The row-level trigger of migration 0004."""
    return f"""
DROP TRIGGER IF EXISTS {table}_immutable_insert ON {table};
DROP TRIGGER IF EXISTS {table}_immutable_update ON {table};
DROP TRIGGER IF EXISTS {table}_immutable_delete ON {table};
DROP FUNCTION IF EXISTS {table}_immutable_rows();
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
CREATE TRIGGER {table}_immutable BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_sweeper_run_progress_pdf_missing")]

    operations = [
        migrations.RunSQL(
            "".join(_forward(*names) for names in LINK_TABLES),
            "".join(_backward(*names) for names in LINK_TABLES),
        )
    ]
