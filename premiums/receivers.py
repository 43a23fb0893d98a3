"""premiums' receivers of the placements hook (placements.signals), connected in
`PremiumsConfig.ready()`: approved hours accrue their premium, hours that stop counting have
their accruals reversed. Both run inside the placements transaction, under its locks."""

from premiums.services import premium_accruals_reverse, premium_accrue_for_entries


def premium_accrue_on_approval(sender, *, entry_ids, actor, **kwargs) -> int:
    return premium_accrue_for_entries(entry_ids=entry_ids, actor=actor)


def premium_reverse_on_withdrawal(sender, *, entry_ids, actor, **kwargs) -> int:
    return premium_accruals_reverse(entry_ids=entry_ids, actor=actor)
