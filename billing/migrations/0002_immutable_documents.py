"""PostgreSQL triggers: an issued invoice or credit note never changes.

The services refuse and the admin is read-only; these triggers hold even for raw SQL. They
refuse, with SQLSTATE 23001 (restrict_violation, an IntegrityError in Django):

- UPDATE of an issued document's immutable columns (listed below: status, number, dates,
  money, copied client details, links). Columns not listed stay writable, so a payment
  status added later needs no change here. The PDF (`pdf`, `pdf_rendered_at`) may be stored
  once: it is refused to change after `pdf_rendered_at` is set.
- DELETE of an issued document.
- INSERT, UPDATE and DELETE of the lines of an issued document, and of their time-entry
  links.
"""

from django.db import migrations

INVOICE_COLUMNS = [
    "status",
    "number",
    "client_id",
    "run_id",
    "period",
    "invoice_date",
    "due_date",
    "payment_reference",
    "vat_percentage",
    "subtotal",
    "vat_amount",
    "total",
    "client_name",
    "client_address",
    "client_kvk_number",
    "client_vat_number",
    "issued_at",
    "issued_by_id",
]
CREDIT_NOTE_COLUMNS = [
    "status",
    "number",
    "invoice_id",
    "credit_date",
    "reason",
    "is_full",
    "vat_percentage",
    "subtotal",
    "vat_amount",
    "total",
    "issued_at",
    "issued_by_id",
]


def _row(prefix: str, columns: list[str]) -> str:
    return "(" + ", ".join(f"{prefix}.{c}" for c in columns) + ")"


def _document_function(table: str, columns: list[str]) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'issued' THEN
            RAISE EXCEPTION '{table} %: an issued document is never deleted', OLD.number
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'issued' AND {_row("NEW", columns)} IS DISTINCT FROM {_row("OLD", columns)} THEN
        RAISE EXCEPTION '{table} %: an issued document never changes', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.pdf_rendered_at IS NOT NULL
       AND (NEW.pdf, NEW.pdf_rendered_at) IS DISTINCT FROM (OLD.pdf, OLD.pdf_rendered_at) THEN
        RAISE EXCEPTION '{table} %: the stored PDF never changes', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_immutable();
"""


def _child_function(table: str, parent_sql: str) -> str:
    """`parent_sql`: the status of the document a row belongs to, given `r` (the row)."""
    return f"""
CREATE OR REPLACE FUNCTION {table}_immutable() RETURNS trigger AS $$
DECLARE
    r RECORD;
    parent_status TEXT;
BEGIN
    IF TG_OP = 'INSERT' THEN r := NEW; ELSE r := OLD; END IF;
    {parent_sql}
    IF parent_status = 'issued' THEN
        RAISE EXCEPTION '{table}: the lines of an issued document never change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        r := NEW;
        {parent_sql}
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


INVOICE_OF_LINE = "SELECT status INTO parent_status FROM billing_invoice WHERE id = r.invoice_id;"
INVOICE_OF_LINK = (
    "SELECT i.status INTO parent_status FROM billing_invoice i"
    " JOIN billing_invoiceline l ON l.invoice_id = i.id WHERE l.id = r.line_id;"
)
CREDIT_NOTE_OF_LINE = (
    "SELECT status INTO parent_status FROM billing_creditnote WHERE id = r.credit_note_id;"
)
CREDIT_NOTE_OF_LINK = (
    "SELECT c.status INTO parent_status FROM billing_creditnote c"
    " JOIN billing_creditnoteline l ON l.credit_note_id = c.id WHERE l.id = r.line_id;"
)

TABLES = [
    "billing_invoice",
    "billing_invoiceline",
    "billing_invoicelineentry",
    "billing_creditnote",
    "billing_creditnoteline",
    "billing_creditnotelineentry",
]

FORWARD = "\n".join(
    [
        _document_function("billing_invoice", INVOICE_COLUMNS),
        _child_function("billing_invoiceline", INVOICE_OF_LINE),
        _child_function("billing_invoicelineentry", INVOICE_OF_LINK),
        _document_function("billing_creditnote", CREDIT_NOTE_COLUMNS),
        _child_function("billing_creditnoteline", CREDIT_NOTE_OF_LINE),
        _child_function("billing_creditnotelineentry", CREDIT_NOTE_OF_LINK),
    ]
)
BACKWARD = "\n".join(
    f"DROP TRIGGER IF EXISTS {t}_immutable ON {t}; DROP FUNCTION IF EXISTS {t}_immutable();"
    for t in TABLES
)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
