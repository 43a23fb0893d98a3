"""Events of settlements for the apps above (notifications connects to them in its
`AppConfig.ready()`). Sent after commit (core.signals.announce_on_commit) with sender
Settlement and the keyword arguments `object_id` and `actor_id`.

- `settlement_submitted`: the back office submitted a settlement to the treasurer.
- `settlement_rejected`: the treasurer rejected it (the reason is on the settlement).
- `settlement_approved`: the treasurer approved it (its statement is made by a task).
"""

from django.dispatch import Signal

settlement_submitted = Signal()
settlement_rejected = Signal()
settlement_approved = Signal()
