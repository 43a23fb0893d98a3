"""Events of premiums for the apps above (notifications connects to them in its
`AppConfig.ready()`). Sent after commit (core.signals.announce_on_commit) with the keyword
arguments `object_id` and `actor_id`.

- `payout_run_prepared` (sender PayoutRun): a new payout run waits for a coordinator's approval.
"""

from django.dispatch import Signal

payout_run_prepared = Signal()
