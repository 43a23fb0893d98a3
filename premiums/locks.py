"""Row locks for premiums, in the project's one lock order (core.db), so that no two services
wait on each other in a circle:

    municipality -> payout run -> candidate -> assignment -> time entries -> accruals

Several rows of one kind are locked in primary-key order. Approvals of hours lock the
candidate before they accrue, so the accrued sum of a candidate's year cannot change under a
running accrual; a payout run locks the candidates it pays, so no accrual slips in between
summing and attaching.
"""

from core.db import require_atomic
from members.models import Municipality
from placements.models import Candidate


def lock_municipality(municipality_id: int) -> None:
    require_atomic()
    Municipality.objects.select_for_update().filter(pk=municipality_id).values_list("pk").first()


def lock_candidates(candidate_ids) -> list[int]:
    require_atomic()
    return list(
        Candidate.objects.select_for_update()
        .filter(pk__in=set(candidate_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def lock_run(run_id: int):
    from premiums.models import PayoutRun

    require_atomic()
    return (
        PayoutRun.objects.select_for_update(of=("self",))
        .select_related("municipality")
        .get(pk=run_id)
    )
