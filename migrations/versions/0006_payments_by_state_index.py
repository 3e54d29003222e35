"""Payments: an index on their state.

The payments queue, the dashboard's "awaiting approval / execution" and its
returned payments all look payments up by state; without an index each of them
read every payment ever made (23,808 at a fund of 250,000 postings).

Plain ``op.create_index``, not a batch: on SQLite a batch could copy the table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_disbursements_status", "disbursements", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_disbursements_status", table_name="disbursements")
