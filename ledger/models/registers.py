"""The fund's registers: cases, seized assets, victims, awards, payments.

Every money event of a register posts a journal entry; the register keeps the
state machine and the references, the journal keeps the money. Amounts are
integer minor units of the currency stored beside them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.models.base import Base, utcnow

ASSET_KINDS = ("cash", "bank_account", "vehicle", "real_estate", "securities", "crypto", "other")
ASSET_STATES = ("seized", "forfeited", "liquidated", "released")
AWARD_STATES = ("registered", "partially_paid", "paid", "cancelled")
DISBURSEMENT_STATES = ("proposed", "approved", "rejected", "paid", "returned")
#: Payments that still commit part of an award and of the fund's cash.
PENDING_PAYMENT_STATES = ("proposed", "approved")
PAYMENT_METHODS = ("bank_transfer", "intermediary", "cash")


def _known(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """``<column>_known``: the column holds one of ``values``."""
    listed = ", ".join(repr(v) for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"{column}_known")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (CheckConstraint("status IN ('open','closed')", name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    court: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    jurisdiction: Mapped[str] = mapped_column(String(100))
    opened_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Asset(Base):
    """A seized asset; non-cash ones are not fund assets (no entry) until forfeited."""

    __tablename__ = "assets"
    __table_args__ = (
        _known("kind", ASSET_KINDS),
        _known("state", ASSET_STATES),
        CheckConstraint("estimated_minor >= 0", name="estimate_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(500))
    seized_on: Mapped[date] = mapped_column(Date)
    estimated_minor: Mapped[int] = mapped_column(BigInteger)
    estimated_currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(12), default="seized")
    forfeited_on: Mapped[date | None] = mapped_column(Date)
    forfeiture_order: Mapped[str | None] = mapped_column(String(100))
    #: Appraised value at forfeiture, as the order states it (non-cash assets).
    value_minor: Mapped[int | None] = mapped_column(BigInteger)
    value_currency: Mapped[str | None] = mapped_column(String(3))
    #: Functional carrying value once forfeited (appraised value, or the cash moved).
    carrying_minor: Mapped[int | None] = mapped_column(BigInteger)
    sold_on: Mapped[date | None] = mapped_column(Date)
    proceeds_minor: Mapped[int | None] = mapped_column(BigInteger)
    selling_costs_minor: Mapped[int | None] = mapped_column(BigInteger)
    sale_currency: Mapped[str | None] = mapped_column(String(3))
    released_on: Mapped[date | None] = mapped_column(Date)
    release_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(lazy="joined")


class Victim(Base):
    """A victim, known everywhere but to administrators only by ``code``.

    ``pii`` is a Fernet token (AES-128-CBC + HMAC) of a JSON document with the
    name, date of birth, contact and bank details; ``pii_key_id`` names the key.
    """

    __tablename__ = "victims"
    __table_args__ = (
        _known("payment_method", PAYMENT_METHODS),
        CheckConstraint("length(country_of_residence) = 2", name="country_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    pii: Mapped[bytes] = mapped_column(LargeBinary)
    pii_key_id: Mapped[str] = mapped_column(String(16))
    country_of_residence: Mapped[str] = mapped_column(String(2))
    returned_home: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_method: Mapped[str] = mapped_column(String(16))
    payment_currency: Mapped[str] = mapped_column(String(3))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Award(Base):
    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("victim_id", "order_reference"),
        _known("status", AWARD_STATES),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(
            "paid_minor >= 0 AND cancelled_minor >= 0"
            " AND paid_minor + cancelled_minor <= amount_minor",
            name="within_amount",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    victim_id: Mapped[int] = mapped_column(
        ForeignKey("victims.id", ondelete="RESTRICT"), index=True
    )
    order_reference: Mapped[str] = mapped_column(String(100))
    ordered_on: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: Functional value on the award date (the carrying value when registered).
    functional_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="registered")
    registered_by: Mapped[str] = mapped_column(String(64))
    #: The court user who registered it (a court sees only its own awards), if any.
    court_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(lazy="joined")
    victim: Mapped[Victim] = relationship(lazy="joined")

    @property
    def outstanding_minor(self) -> int:
        return self.amount_minor - self.paid_minor - self.cancelled_minor


class Distribution(Base):
    __tablename__ = "distributions"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    decided_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    lines: Mapped[list[Disbursement]] = relationship(
        back_populates="distribution", order_by="Disbursement.award_id"
    )


class Disbursement(Base):
    """A payment of (part of) an award: proposed, approved by another, executed, maybe returned."""

    __tablename__ = "disbursements"
    __table_args__ = (
        _known("status", DISBURSEMENT_STATES),
        _known("method", PAYMENT_METHODS),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("approved_by IS NULL OR approved_by <> proposed_by", name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"), index=True)
    distribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("distributions.id", ondelete="RESTRICT")
    )
    #: In the award's currency.
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: Functional estimate reserved against the fund's cash while pending.
    estimate_minor: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    #: Indexed: the queue, the dashboard and the returned payments look payments up by state.
    status: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    rejected_by: Mapped[str | None] = mapped_column(String(64))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    paid_on: Mapped[date | None] = mapped_column(Date)
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    debited_minor: Mapped[int | None] = mapped_column(BigInteger)
    fee_minor: Mapped[int | None] = mapped_column(BigInteger)
    payment_entry: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.number", ondelete="RESTRICT")
    )
    returned_on: Mapped[date | None] = mapped_column(Date)
    return_reason: Mapped[str | None] = mapped_column(String(500))
    return_entry: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.number", ondelete="RESTRICT")
    )

    award: Mapped[Award] = relationship(lazy="joined")
    distribution: Mapped[Distribution | None] = relationship(back_populates="lines")


class CashMovement(Base):
    """A receipt (donation, grant, interest…) or an expense (custody, bank charges…)."""

    __tablename__ = "cash_movements"
    __table_args__ = (
        CheckConstraint("direction IN ('receipt','expense')", name="direction_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    counterparty: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="RESTRICT"))
    #: Set in the same transaction, once the entry is posted.
    entry_number: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.number", ondelete="RESTRICT")
    )
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(Base):
    """Append-only, hash-chained record of every state change (SPEC §5)."""

    __tablename__ = "audit_events"
    __table_args__ = (CheckConstraint("length(hash) = 64", name="hash_length"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class IdempotentRequest(Base):
    """The first response to a POST with an ``Idempotency-Key``, replayed on retries."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
