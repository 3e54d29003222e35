"""The chart of accounts and the running balances kept beside it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base, utcnow

ACCOUNT_TYPES = ("asset", "liability", "net_assets", "revenue", "expense")
DEBIT_NORMAL = frozenset({"asset", "expense"})
#: Where a no-overdraft rule is checked: the account as a whole, or each award's subledger.
OVERDRAFT_SCOPES = ("account", "award")


class AccountRules:
    """What an account's ``type`` and ``overdraft_scope`` mean: shared by the ORM row
    (:class:`Account`) and the plain row posting reads (``ledger.posting_state.ChartAccount``)."""

    type: str
    overdraft_scope: str | None

    @property
    def normal_side(self) -> str:
        """``debit`` for assets and expenses, ``credit`` for the rest."""
        return "debit" if self.type in DEBIT_NORMAL else "credit"

    @property
    def no_overdraft(self) -> bool:
        return self.overdraft_scope is not None

    def on_normal_side(self, debit_positive: int) -> int:
        """Turn a debit-positive figure into one positive on the account's normal side."""
        return debit_positive if self.type in DEBIT_NORMAL else -debit_positive


class Account(AccountRules, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            "type IN ('asset','liability','net_assets','revenue','expense')", name="type_known"
        ),
        CheckConstraint(
            "overdraft_scope IS NULL OR overdraft_scope IN ('account','award')",
            name="overdraft_scope_known",
        ),
        CheckConstraint(
            "overdraft_scope IS NULL OR type IN ('asset','liability')",
            name="overdraft_only_assets_liabilities",
        ),
        CheckConstraint("length(code) BETWEEN 1 AND 10", name="code_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(16))
    #: Fixed currency of the account (a bank account in USD), or NULL for any currency.
    currency: Mapped[str | None] = mapped_column(String(3))
    #: NULL: may go either way; "account": the whole account never crosses zero;
    #: "award": each award's subledger never crosses zero.
    overdraft_scope: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AccountBalance(Base):
    """Running balance per account, updated in the transaction that posts.

    ``balance`` is functional minor units, debit-positive; ``original_balance``
    is in the account's fixed currency (equal to ``balance`` for a functional
    account, 0 for a multi-currency one).
    """

    __tablename__ = "account_balances"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    original_balance: Mapped[int] = mapped_column(BigInteger, default=0)
    postings: Mapped[int] = mapped_column(BigInteger, default=0)


class SubledgerBalance(Base):
    """Running balance of one award within a control account (SPEC §2.4: per award)."""

    __tablename__ = "subledger_balances"
    __table_args__ = (CheckConstraint("length(currency) = 3", name="currency_code"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), primary_key=True
    )
    award_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    original_balance: Mapped[int] = mapped_column(BigInteger, default=0)
