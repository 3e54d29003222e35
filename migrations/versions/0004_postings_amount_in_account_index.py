"""Postings: the account index carries the amount, so sums over entry ranges read no rows.

The dashboard's chart sums the postings of the bank accounts and of 2000 over
ranges of entry numbers (``ledger.reads.dashboard._series``); with ``amount``
in the index those sums are index-only scans on both engines. The new index
replaces ``ix_postings_account_entry`` (account, entry): it serves every query
that one did (its first two columns are the same), so posting still maintains
one index, not two.

Plain ``op.create_index``/``op.drop_index``, not a batch: on SQLite a batch could
copy the table, and the append-only triggers would go with the old one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_postings_account_entry_amount",
        "postings",
        ["account_id", "entry_number", "amount"],
        unique=False,
    )
    op.drop_index("ix_postings_account_entry", table_name="postings")


def downgrade() -> None:
    op.create_index(
        "ix_postings_account_entry", "postings", ["account_id", "entry_number"], unique=False
    )
    op.drop_index("ix_postings_account_entry_amount", table_name="postings")
