"""Month-end balance snapshots: as-of balances read one period, not the whole history.

Three tables (:mod:`ledger.models.snapshots`): ``month_snapshots`` (one row per
closed month, with the number of entries dated up to its end), ``balance_snapshots``
(every posted-to account's balance at that month end) and ``subledger_snapshots``
(an award's balance in a control account, for the months it moved). A balance as
of a date is then the last snapshot at or before it plus the postings dated after
that month end, found through ``ix_journal_entries_value_date_number`` (0005).

A fund upgrading with months already closed gets their snapshots here, computed
from its postings by the same code that writes them at a close
(:func:`ledger.snapshots.write_snapshots`, selecting and inserting named columns
only), so its as-of figures stay exactly what they were.

New tables only, plain ``op.create_table``: nothing existing is copied or rebuilt.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "month_snapshots",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("length(month) = 7", name=op.f("ck_month_snapshots_month_format")),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_month_snapshots")),
    )
    op.create_table(
        "balance_snapshots",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("original_balance", sa.BigInteger(), nullable=False),
        sa.Column("postings", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_balance_snapshots_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["month"],
            ["month_snapshots.month"],
            name=op.f("fk_balance_snapshots_month_month_snapshots"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("month", "account_id", name=op.f("pk_balance_snapshots")),
    )
    op.create_table(
        "subledger_snapshots",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("original_balance", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "length(currency) = 3", name=op.f("ck_subledger_snapshots_currency_code")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_subledger_snapshots_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["month"],
            ["month_snapshots.month"],
            name=op.f("fk_subledger_snapshots_month_month_snapshots"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "award_id", "month", name=op.f("pk_subledger_snapshots")
        ),
    )
    _fill_closed_months()


def _fill_closed_months() -> None:
    from ledger.snapshots import write_snapshots

    session = Session(bind=op.get_bind())
    latest = session.scalar(sa.text("SELECT max(month) FROM periods"))
    if latest is not None:
        write_snapshots(session, None, latest)
    session.flush()


def downgrade() -> None:
    op.drop_table("subledger_snapshots")
    op.drop_table("balance_snapshots")
    op.drop_table("month_snapshots")
