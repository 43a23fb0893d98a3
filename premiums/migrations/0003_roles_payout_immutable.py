"""PostgreSQL triggers: a payout run's money never changes once it is approved (issue 14).

The services refuse and the admin is read-only; these triggers hold for raw SQL too. They
raise SQLSTATE 23001 (restrict_violation, an IntegrityError in Django) on:

- DELETE of an approved or paid run; UPDATE of its amounts and record (municipality, date,
  total, line count, who prepared and approved it and when, the SEPA message and file). What
  stays writable is the payment step: `status` from approved to paid, with `paid_on` and
  `marked_paid_by`, once; a paid run never changes;
- INSERT, UPDATE and DELETE of the lines and exclusions of an approved or paid run (moving a
  line into or out of one included). A prepared run's lines may still go (cancellation);
- UPDATE of an accrual's `payout_line` when the old or the new line belongs to an approved or
  paid run: a paid premium stays paid by that run;
- TRUNCATE of every premiums table (core's `nvsi_refuse_truncate`, migration core 0002).
"""

from django.db import migrations

RUN_COLUMNS = [
    "municipality_id",
    "payout_date",
    "total",
    "line_count",
    "prepared_by_id",
    "prepared_at",
    "approved_by_id",
    "approved_at",
    "sepa_message_id",
    "sepa_xml",
]
PAYMENT_COLUMNS = ["status", "paid_on", "marked_paid_by_id"]
TABLES = [
    "premiums_premiumaccrual",
    "premiums_premiumopeningbalance",
    "premiums_payoutrun",
    "premiums_payoutline",
    "premiums_payoutexclusion",
]


def _row(prefix: str, columns: list[str]) -> str:
    return "(" + ", ".join(f"{prefix}.{c}" for c in columns) + ")"


FORWARD = f"""
CREATE OR REPLACE FUNCTION premiums_payoutrun_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status NOT IN ('approved', 'paid') THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'payout run %: an approved run is never deleted', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF {_row("NEW", RUN_COLUMNS)} IS DISTINCT FROM {_row("OLD", RUN_COLUMNS)} THEN
        RAISE EXCEPTION 'payout run %: an approved run never changes', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'paid'
       AND {_row("NEW", PAYMENT_COLUMNS)} IS DISTINCT FROM {_row("OLD", PAYMENT_COLUMNS)} THEN
        RAISE EXCEPTION 'payout run %: a paid run never changes', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.status NOT IN ('approved', 'paid') THEN
        RAISE EXCEPTION 'payout run %: an approved run does not go back', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER premiums_payoutrun_immutable BEFORE UPDATE OR DELETE ON premiums_payoutrun
    FOR EACH ROW EXECUTE FUNCTION premiums_payoutrun_immutable();

CREATE OR REPLACE FUNCTION premiums_payout_part_immutable() RETURNS trigger AS $$
DECLARE
    run_status TEXT;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT status INTO run_status FROM premiums_payoutrun WHERE id = OLD.run_id;
        IF run_status IN ('approved', 'paid') THEN
            RAISE EXCEPTION '%: the lines of an approved payout run never change', TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT status INTO run_status FROM premiums_payoutrun WHERE id = NEW.run_id;
        IF run_status IN ('approved', 'paid') THEN
            RAISE EXCEPTION '%: the lines of an approved payout run never change', TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER premiums_payoutline_immutable BEFORE INSERT OR UPDATE OR DELETE
    ON premiums_payoutline FOR EACH ROW EXECUTE FUNCTION premiums_payout_part_immutable();
CREATE TRIGGER premiums_payoutexclusion_immutable BEFORE INSERT OR UPDATE OR DELETE
    ON premiums_payoutexclusion FOR EACH ROW EXECUTE FUNCTION premiums_payout_part_immutable();

CREATE OR REPLACE FUNCTION premiums_premiumaccrual_paid_line() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT FROM premiums_payoutline l JOIN premiums_payoutrun r ON r.id = l.run_id
        WHERE l.id IN (OLD.payout_line_id, NEW.payout_line_id)
          AND r.status IN ('approved', 'paid')
    ) THEN
        RAISE EXCEPTION 'premium accrual %: its payout by an approved run never changes', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER premiums_premiumaccrual_paid_line BEFORE UPDATE ON premiums_premiumaccrual
    FOR EACH ROW WHEN (OLD.payout_line_id IS DISTINCT FROM NEW.payout_line_id)
    EXECUTE FUNCTION premiums_premiumaccrual_paid_line();
""" + "\n".join(
    f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}"
    " FOR EACH STATEMENT EXECUTE FUNCTION nvsi_refuse_truncate();"
    for t in TABLES
)

BACKWARD = "\n".join(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};" for t in TABLES) + """
DROP TRIGGER IF EXISTS premiums_premiumaccrual_paid_line ON premiums_premiumaccrual;
DROP TRIGGER IF EXISTS premiums_payoutexclusion_immutable ON premiums_payoutexclusion;
DROP TRIGGER IF EXISTS premiums_payoutline_immutable ON premiums_payoutline;
DROP TRIGGER IF EXISTS premiums_payoutrun_immutable ON premiums_payoutrun;
DROP FUNCTION IF EXISTS premiums_premiumaccrual_paid_line();
DROP FUNCTION IF EXISTS premiums_payout_part_immutable();
DROP FUNCTION IF EXISTS premiums_payoutrun_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_roles_sql_guards"),
        ("premiums", "0002_premium_opening_balance"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
