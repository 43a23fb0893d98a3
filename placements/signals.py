"""The hook through which the apps above placements follow its time entries.

placements is a lower app: it does not import the apps that build on its hours (premiums
accrues a premium on approved hours). It announces what happened to the hours instead, and
those apps connect their receivers in their `AppConfig.ready()`.

Both signals are sent synchronously with `sender=TimeEntry` and the keyword arguments
`entry_ids` (a sorted list of primary keys) and `actor` (a user, or None for the system). They
are sent inside the transaction that changes the entries, after it locked them (and, when
approving, their candidates first: core.db's lock order), at the point where the entries'
status changes, so a receiver writes under the same locks and rolls back with the change. A
receiver that raises aborts the change: it is `send`, never `send_robust`.

- `time_entries_approved`: entered hours were approved (sent after their status is approved).
- `time_entries_withdrawn`: hours stop counting: set back to entered (changed, or changed by
  an import), deleted (sent before the row is deleted) or credited (sent after the status is
  credited).
"""

from django.dispatch import Signal

time_entries_approved = Signal()
time_entries_withdrawn = Signal()

# Events announced after commit (core.signals.announce_on_commit), with the keyword arguments
# `object_id` and `actor_id`: an assignment was requested (sender Assignment).
assignment_requested = Signal()
