"""Journal tables: entries, their postings, and the head of the chain.

``journal_entries`` and ``postings`` are append-only; the migrations install
triggers that refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.models.accounts import Account
from ledger.models.base import Base

GENESIS_HASH = "0" * 64


class JournalEntry(Base):
    __tablename__ = "journal_entries"
    __table_args__ = (
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("length(prev_hash) = 64", name="prev_hash_length"),
        CheckConstraint("length(hash) = 64", name="hash_length"),
        CheckConstraint("reverses IS NULL OR reverses < number", name="reverses_earlier"),
        # With the number: a value date's first and last entry are one seek (migration 0005).
        Index("ix_journal_entries_value_date_number", "value_date", "number"),
        Index("ix_journal_entries_source", "source_type", "source_id"),
    )

    #: Gapless sequence 1, 2, 3… assigned under the head lock; also the primary key.
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value_date: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime] = mapped_column(DateTime)
    memo: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(64))
    source_type: Mapped[str | None] = mapped_column(String(32))
    source_id: Mapped[int | None] = mapped_column(Integer)
    reverses: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.number", ondelete="RESTRICT"), unique=True
    )
    created_by: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="entry", order_by="Posting.line", lazy="selectin"
    )
    reversed_by: Mapped[JournalEntry | None] = relationship(
        "JournalEntry",
        primaryjoin="JournalEntry.number == foreign(JournalEntry.reverses)",
        uselist=False,
        viewonly=True,
    )


class Posting(Base):
    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("entry_number", "line"),
        CheckConstraint("amount <> 0 OR original_amount <> 0", name="not_zero"),
        CheckConstraint(
            "(amount >= 0 AND original_amount >= 0) OR (amount <= 0 AND original_amount <= 0)",
            name="same_sign",
        ),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        CheckConstraint("line >= 1", name="line_positive"),
        # With the amount: sums over ranges of entries read the index alone (migration 0004).
        Index("ix_postings_account_entry_amount", "account_id", "entry_number", "amount"),
        Index("ix_postings_award", "award_id"),
        Index("ix_postings_victim", "victim_id"),
        Index("ix_postings_case", "case_id"),
        Index("ix_postings_asset", "asset_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_number: Mapped[int] = mapped_column(
        ForeignKey("journal_entries.number", ondelete="RESTRICT")
    )
    line: Mapped[int] = mapped_column(SmallInteger)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    #: Functional minor units, debit > 0, credit < 0.
    amount: Mapped[int] = mapped_column(BigInteger)
    #: The same movement in the currency it happened in (equal to amount when functional).
    original_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    case_id: Mapped[int | None] = mapped_column(Integer)
    victim_id: Mapped[int | None] = mapped_column(Integer)
    award_id: Mapped[int | None] = mapped_column(Integer)
    asset_id: Mapped[int | None] = mapped_column(Integer)

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    account: Mapped[Account] = relationship(lazy="joined")


class JournalHead(Base):
    """One row: the last number and hash. Locking it serialises posting.

    Gapless numbering and a hash chain both need a total order of entries;
    this row is where concurrent writers queue for it.
    """

    __tablename__ = "journal_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class Period(Base):
    """A closed month. A row exists only once the month is closed; it is never removed."""

    __tablename__ = "periods"
    __table_args__ = (CheckConstraint("length(month) = 7", name="month_format"),)

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(DateTime)
    closed_by: Mapped[str] = mapped_column(String(64))
