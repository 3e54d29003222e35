"""Journal entries: the value-date index carries the entry number.

The dashboard's chart finds each value date's lowest and highest entry number
by seeking in this index (``ledger.reads.dashboard._days``). SQLite's index on
``value_date`` already holds the number (it is the rowid); PostgreSQL's does not,
and would read every entry of the day from the table instead. The new index
replaces ``ix_journal_entries_value_date``, whose column it starts with, so every
query by date is served as before.

Plain ``op.create_index``/``op.drop_index``, not a batch: on SQLite a batch could
copy the table, and the append-only triggers would go with the old one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_journal_entries_value_date_number",
        "journal_entries",
        ["value_date", "number"],
        unique=False,
    )
    op.drop_index("ix_journal_entries_value_date", table_name="journal_entries")


def downgrade() -> None:
    op.create_index(
        "ix_journal_entries_value_date", "journal_entries", ["value_date"], unique=False
    )
    op.drop_index("ix_journal_entries_value_date_number", table_name="journal_entries")
