"""The settlements models, by subject: the half-year (`Period`), the settlement and its lines
in `settlements`, the runs that compute a half-year in `runs`, and what an approved settlement
leaves behind (its statement, payment instructions and transfer files) in `payments`. Import
them from here: `from settlements.models import Period, Settlement`.
"""

from settlements.models.payments import (
    SettlementPayment,
    SettlementStatement,
    SettlementTransferFile,
)
from settlements.models.runs import SettlementRun, SettlementRunItem
from settlements.models.settlements import (
    MONEY,
    PERCENTAGE,
    PERIOD_PATTERN,
    Period,
    Settlement,
    SettlementLine,
)

__all__ = [
    "MONEY",
    "PERCENTAGE",
    "PERIOD_PATTERN",
    "Period",
    "Settlement",
    "SettlementLine",
    "SettlementPayment",
    "SettlementRun",
    "SettlementRunItem",
    "SettlementStatement",
    "SettlementTransferFile",
]
