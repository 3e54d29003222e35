"""Month-end balance snapshots, written when a month closes (issue 11, point 3).

A closed month can never receive another posting (SPEC §5, and the
``journal_entries_period_open`` trigger), so the balances at its end are final:
they are stored once, in the closing transaction, and a balance as of any date
is the last snapshot at or before it plus the postings dated after that month
end. ``month_snapshots`` marks the months that have one (every closed month), and
carries the number of entries dated up to its end; the other two hold cumulative
figures, never a month's movement. :func:`ledger.verify.verify_journal`
recomputes every row from the postings.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base


class MonthSnapshot(Base):
    """A month whose end balances are stored; one row per closed month."""

    __tablename__ = "month_snapshots"
    __table_args__ = (CheckConstraint("length(month) = 7", name="month_format"),)

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    #: Entries dated on or before the month's last day.
    entries: Mapped[int] = mapped_column(BigInteger)


class BalanceSnapshot(Base):
    """An account's balance at a closed month's end, for every account with a posting by then.

    Same figures as :class:`~ledger.models.accounts.AccountBalance` would have held had
    nothing dated later been posted: ``original_balance`` is 0 for a multi-currency account.
    """

    __tablename__ = "balance_snapshots"

    month: Mapped[str] = mapped_column(
        ForeignKey("month_snapshots.month", ondelete="RESTRICT"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(BigInteger)
    original_balance: Mapped[int] = mapped_column(BigInteger)
    postings: Mapped[int] = mapped_column(BigInteger)


class SubledgerSnapshot(Base):
    """An award's balance in a control account at a closed month's end.

    Written only for the months in which that subledger moved: the balance as of a
    month is the row of the latest month at or before it, one seek in the primary key
    (account, award, month).
    """

    __tablename__ = "subledger_snapshots"
    __table_args__ = (CheckConstraint("length(currency) = 3", name="currency_code"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), primary_key=True
    )
    award_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(
        ForeignKey("month_snapshots.month", ondelete="RESTRICT"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[int] = mapped_column(BigInteger)
    original_balance: Mapped[int] = mapped_column(BigInteger)
