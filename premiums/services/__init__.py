"""Writes for premiums, by subject: accrual (accrual when hours are approved, reversal when
they stop counting, the catch-up), opening (the opening balances of go-live), payouts (payout
runs: prepare, cancel while prepared, approve with the SEPA file, mark paid by hand) and bank
(payout runs marked paid from the debit on NVSI's bank statement). Callers import from
`premiums.services`; the names are re-exported here.

Lock order: see premiums.locks.
"""

from premiums.services.accrual import (
    premium_accruals_catch_up,
    premium_accruals_reverse,
    premium_accrue_for_entries,
)
from premiums.services.bank import StatementPayout, payout_runs_mark_paid_from_statement
from premiums.services.opening import OPENING_BALANCE_FIELDS, premium_opening_balance_record
from premiums.services.payouts import (
    payout_run_approve,
    payout_run_cancel,
    payout_run_mark_paid,
    payout_run_prepare,
)

__all__ = [
    "OPENING_BALANCE_FIELDS",
    "StatementPayout",
    "payout_run_approve",
    "payout_run_cancel",
    "payout_run_mark_paid",
    "payout_run_prepare",
    "payout_runs_mark_paid_from_statement",
    "premium_accruals_catch_up",
    "premium_accruals_reverse",
    "premium_accrue_for_entries",
    "premium_opening_balance_record",
]
