"""Writes for settlements, by subject: settlements (compute a draft, submit, approve, reject;
the amounts, terms and fingerprint they rest on), runs (a half-year's settlement run, by hand
or on schedule, set-based: half_year computes every municipality of a half-year at once), payments (payment instructions of an approved
settlement and the SEPA transfer file of a half-year) and statement (the PDF statement of an
approved settlement, stored once). The figures a settlement is computed from are read by
settlements.figures.

The public names are re-exported here; `settlements.services.<module>` is the same code.
"""

from settlements.services.half_year import settlements_compute_many
from settlements.services.payments import (
    settlement_payments_create,
    settlement_payments_due,
    settlement_payments_waiting,
    settlement_transfer_file_make,
)
from settlements.services.runs import (
    settlement_run_dispatch,
    settlement_run_execute,
    settlement_run_finish,
    settlement_run_is_member,
    settlement_run_municipalities,
    settlement_run_municipality,
    settlement_run_period,
    settlement_run_scheduled,
    settlement_run_settle,
    settlement_run_start,
)
from settlements.services.settlements import (
    InvariantBroken,
    lock_settlement_key,
    settlement_amounts,
    settlement_approve,
    settlement_compute,
    settlement_fingerprint,
    settlement_reject,
    settlement_submit,
    settlement_terms,
)
from settlements.services.statement import settlement_preview_pdf, settlement_statement_store

__all__ = [
    "InvariantBroken",
    "lock_settlement_key",
    "settlement_amounts",
    "settlement_approve",
    "settlement_compute",
    "settlement_fingerprint",
    "settlement_payments_create",
    "settlement_payments_due",
    "settlement_payments_waiting",
    "settlement_preview_pdf",
    "settlement_reject",
    "settlement_run_dispatch",
    "settlement_run_execute",
    "settlement_run_finish",
    "settlement_run_is_member",
    "settlement_run_municipalities",
    "settlement_run_municipality",
    "settlement_run_period",
    "settlement_run_scheduled",
    "settlement_run_settle",
    "settlement_run_start",
    "settlement_statement_store",
    "settlement_submit",
    "settlement_terms",
    "settlement_transfer_file_make",
    "settlements_compute_many",
]
