"""PostgreSQL triggers: an approved settlement, its breakdown, its statement and its payment
instructions never change.

The services refuse and the admin is read-only; these triggers hold even for raw SQL. They
raise SQLSTATE 23001 (restrict_violation, an IntegrityError in Django) on:

- UPDATE or DELETE of an approved settlement; DELETE of a submitted one too (only drafts
  and rejected settlements are ever replaced, and then only by recomputing them);
- INSERT, UPDATE or DELETE of the breakdown lines of an approved settlement;
- UPDATE or DELETE of a stored statement or SEPA transfer file;
- DELETE of a payment instruction, and any UPDATE except putting it into a transfer file once.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION settlements_settlement_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'approved' THEN
        RAISE EXCEPTION 'settlement %: an approved settlement never changes', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'submitted' THEN
            RAISE EXCEPTION 'settlement %: a submitted settlement is not deleted', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER settlements_settlement_immutable BEFORE UPDATE OR DELETE
    ON settlements_settlement FOR EACH ROW EXECUTE FUNCTION settlements_settlement_immutable();

CREATE OR REPLACE FUNCTION settlements_settlementline_immutable() RETURNS trigger AS $$
DECLARE
    parent_status TEXT;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT status INTO parent_status FROM settlements_settlement WHERE id = OLD.settlement_id;
        IF parent_status = 'approved' THEN
            RAISE EXCEPTION 'the breakdown of an approved settlement never changes'
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT status INTO parent_status FROM settlements_settlement WHERE id = NEW.settlement_id;
        IF parent_status = 'approved' THEN
            RAISE EXCEPTION 'the breakdown of an approved settlement never changes'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER settlements_settlementline_immutable BEFORE INSERT OR UPDATE OR DELETE
    ON settlements_settlementline
    FOR EACH ROW EXECUTE FUNCTION settlements_settlementline_immutable();

CREATE OR REPLACE FUNCTION settlements_stored_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%: a stored statement or transfer file never changes', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER settlements_settlementstatement_immutable BEFORE UPDATE OR DELETE
    ON settlements_settlementstatement
    FOR EACH ROW EXECUTE FUNCTION settlements_stored_immutable();
CREATE TRIGGER settlements_settlementtransferfile_immutable BEFORE UPDATE OR DELETE
    ON settlements_settlementtransferfile
    FOR EACH ROW EXECUTE FUNCTION settlements_stored_immutable();

CREATE OR REPLACE FUNCTION settlements_settlementpayment_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'settlement payment %: a payment instruction is never deleted', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.transfer_file_id IS NOT NULL
       OR (NEW.settlement_id, NEW.payee, NEW.name, NEW.iban, NEW.amount, NEW.created_at)
          IS DISTINCT FROM
          (OLD.settlement_id, OLD.payee, OLD.name, OLD.iban, OLD.amount, OLD.created_at) THEN
        RAISE EXCEPTION 'settlement payment %: only its transfer file is set, once', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER settlements_settlementpayment_immutable BEFORE UPDATE OR DELETE
    ON settlements_settlementpayment
    FOR EACH ROW EXECUTE FUNCTION settlements_settlementpayment_immutable();
"""

TRIGGERS = {
    "settlements_settlement": "settlements_settlement_immutable",
    "settlements_settlementline": "settlements_settlementline_immutable",
    "settlements_settlementstatement": "settlements_stored_immutable",
    "settlements_settlementtransferfile": "settlements_stored_immutable",
    "settlements_settlementpayment": "settlements_settlementpayment_immutable",
}
BACKWARD = "\n".join(
    f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};" for table in TRIGGERS
) + "\n".join(
    f"DROP FUNCTION IF EXISTS {function}();" for function in sorted(set(TRIGGERS.values()))
)


class Migration(migrations.Migration):
    dependencies = [("settlements", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
