"""PostgreSQL guards of issue 14 for billing. SQLSTATE 23001 (restrict_violation, an
IntegrityError in Django) on:

- the number series (`billing_documentcounter`): DELETE, a change of series or year, and a
  `last_number` lower than before. It only moves forward; a rolled-back issue gives its
  number back by the rollback, never by an UPDATE;
- a time entry (`placements_timeentry`) that is invoiced: a change of its hours, work date or
  assignment, and DELETE. Invoiced means linked to an invoice line (the link table
  `billing_invoicelineentry`, draft or issued invoice) or in status invoiced or credited;
  its status stays writable (credited by a credit note, approved again when a draft invoice
  is deleted, which drops the link first). The link tables' own triggers are not touched;
- TRUNCATE of every billing table (core's `nvsi_refuse_truncate`, migration core 0002).
"""

from django.db import migrations

TABLES = [
    "billing_bankstatement",
    "billing_bankstatementline",
    "billing_creditnote",
    "billing_creditnoteline",
    "billing_creditnotelineentry",
    "billing_documentcounter",
    "billing_invoice",
    "billing_invoiceline",
    "billing_invoicelineentry",
    "billing_invoicereminder",
    "billing_invoicerun",
    "billing_payment",
    "billing_paymentallocation",
]

FORWARD = """
CREATE OR REPLACE FUNCTION billing_documentcounter_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'number series % %: never deleted', OLD.series, OLD.year
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.series, NEW.year) IS DISTINCT FROM (OLD.series, OLD.year)
       OR NEW.last_number < OLD.last_number THEN
        RAISE EXCEPTION 'number series % %: only moves forward', OLD.series, OLD.year
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_documentcounter_forward BEFORE UPDATE OR DELETE
    ON billing_documentcounter FOR EACH ROW EXECUTE FUNCTION billing_documentcounter_forward();

CREATE OR REPLACE FUNCTION placements_timeentry_invoiced_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.assignment_id, NEW.work_date, NEW.hours)
           IS NOT DISTINCT FROM (OLD.assignment_id, OLD.work_date, OLD.hours) THEN
        RETURN NEW;
    END IF;
    IF OLD.status IN ('invoiced', 'credited')
       OR EXISTS (SELECT FROM billing_invoicelineentry WHERE time_entry_id = OLD.id) THEN
        RAISE EXCEPTION 'time entry %: invoiced hours never change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER placements_timeentry_invoiced_immutable BEFORE UPDATE OR DELETE
    ON placements_timeentry
    FOR EACH ROW EXECUTE FUNCTION placements_timeentry_invoiced_immutable();
""" + "\n".join(
    f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}"
    " FOR EACH STATEMENT EXECUTE FUNCTION nvsi_refuse_truncate();"
    for t in TABLES
)

BACKWARD = "\n".join(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};" for t in TABLES) + """
DROP TRIGGER IF EXISTS placements_timeentry_invoiced_immutable ON placements_timeentry;
DROP FUNCTION IF EXISTS placements_timeentry_invoiced_immutable();
DROP TRIGGER IF EXISTS billing_documentcounter_forward ON billing_documentcounter;
DROP FUNCTION IF EXISTS billing_documentcounter_forward();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_roles_sql_guards"),
        ("placements", "0004_roles_truncate_guard"),
        ("billing", "0007_invoice15_link_triggers_per_statement"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
