"""Every table, importable from one place so that ``Base.metadata`` is complete."""

from ledger.models.accounts import Account, AccountBalance, SubledgerBalance
from ledger.models.base import Base
from ledger.models.fund import Fund
from ledger.models.fx import FxRate
from ledger.models.journal import GENESIS_HASH, JournalEntry, JournalHead, Period, Posting
from ledger.models.registers import (
    Asset,
    AuditEvent,
    Award,
    Case,
    CashMovement,
    Disbursement,
    Distribution,
    IdempotentRequest,
    Victim,
)
from ledger.models.snapshots import BalanceSnapshot, MonthSnapshot, SubledgerSnapshot
from ledger.models.users import ApiToken, SetupLink, User

__all__ = [
    "GENESIS_HASH",
    "Account",
    "AccountBalance",
    "ApiToken",
    "Asset",
    "AuditEvent",
    "Award",
    "BalanceSnapshot",
    "Base",
    "Case",
    "CashMovement",
    "Disbursement",
    "Distribution",
    "Fund",
    "FxRate",
    "IdempotentRequest",
    "JournalEntry",
    "JournalHead",
    "MonthSnapshot",
    "Period",
    "Posting",
    "SetupLink",
    "SubledgerBalance",
    "SubledgerSnapshot",
    "User",
    "Victim",
]
