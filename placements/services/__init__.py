"""Writes for the placements app, by subject: candidates, clients, assignments (request,
change, reject, activate, end), approvals (displacement check, sign-off, approval, an approval
recorded from before go-live) and hours (time entries and their billing transitions).
Callers import from `placements.services`; the names are re-exported here.

Every service is keyword-only, runs in one transaction, locks the rows it changes and writes
its audit record in that same transaction. Rows are always locked in this order, so two
services never wait on each other in a circle: client, candidate, assignment, time entries
(several of one kind in primary-key order).

The plain BSN passes through `candidate_create` / `candidate_update` and comes out of
`candidate_bsn_reveal` only; it is never logged, never part of an audit record.

placements imports no app above it: what happens to time entries is announced through
placements.signals (premiums follows it there).
"""

from placements.services.approvals import (
    CHECK_FIELDS,
    assignment_approval_record,
    assignment_approve,
    assignment_sign_off,
    displacement_check_record,
)
from placements.services.assignments import (
    ASSIGNMENT_AUDIT_FIELDS,
    ASSIGNMENT_FIELDS,
    ASSIGNMENT_TRANSITIONS,
    CONCURRENT_STATUSES,
    assignment_activate,
    assignment_end,
    assignment_flags,
    assignment_reject,
    assignment_request,
    assignment_request_check,
    assignment_update,
    assignment_update_check,
)
from placements.services.candidates import (
    CANDIDATE_FIELDS,
    candidate_bsn_reveal,
    candidate_check,
    candidate_create,
    candidate_find_by_bsn,
    candidate_update,
)
from placements.services.clients import (
    CLIENT_FIELDS,
    client_check,
    client_create,
    client_update,
)
from placements.services.hours import (
    BILLING_TRANSITIONS,
    HOURS_OPEN_STATUSES,
    TWO_DECIMALS,
    time_entries_approve,
    time_entries_billing_transition,
    time_entry_check,
    time_entry_create,
    time_entry_create_check,
    time_entry_delete,
    time_entry_refuse_invoiced,
    time_entry_update,
    time_entry_update_check,
)

__all__ = [
    "ASSIGNMENT_AUDIT_FIELDS",
    "ASSIGNMENT_FIELDS",
    "ASSIGNMENT_TRANSITIONS",
    "BILLING_TRANSITIONS",
    "CANDIDATE_FIELDS",
    "CHECK_FIELDS",
    "CLIENT_FIELDS",
    "CONCURRENT_STATUSES",
    "HOURS_OPEN_STATUSES",
    "TWO_DECIMALS",
    "assignment_activate",
    "assignment_approval_record",
    "assignment_approve",
    "assignment_end",
    "assignment_flags",
    "assignment_reject",
    "assignment_request",
    "assignment_request_check",
    "assignment_sign_off",
    "assignment_update",
    "assignment_update_check",
    "candidate_bsn_reveal",
    "candidate_check",
    "candidate_create",
    "candidate_find_by_bsn",
    "candidate_update",
    "client_check",
    "client_create",
    "client_update",
    "displacement_check_record",
    "time_entries_approve",
    "time_entries_billing_transition",
    "time_entry_check",
    "time_entry_create",
    "time_entry_create_check",
    "time_entry_delete",
    "time_entry_refuse_invoiced",
    "time_entry_update",
    "time_entry_update_check",
]
