"""Installation-wide settings that must never change once money is recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import Base, utcnow


class Fund(Base):
    """The fund itself: its name and functional currency, fixed at ``init``.

    Kept in the database (not only in the environment) so that a changed
    ``FUNDLEDGER_CURRENCY`` cannot silently reinterpret every stored amount.
    """

    __tablename__ = "fund"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    functional_currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
