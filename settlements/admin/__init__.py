"""The back office for settlements: the settlements of every half-year and the runs that
compute them.

Nothing here is typed in by hand: figures come from `settlement_compute` (a run, or
"Recompute" on a draft), a draft goes to the treasurer through `settlement_submit`, and
approval or rejection happens in the treasurer's portal. Every page is read-only; the
treasurer (view permissions only) sees the same pages without the actions. A run is started
from "Start a settlement run" and its progress (municipalities done of the total) shows in
the run list and on the run's page, which reload themselves while it runs (no JavaScript).
"""

from settlements.admin import payments, runs, settlements  # noqa: F401 - registers the admins
