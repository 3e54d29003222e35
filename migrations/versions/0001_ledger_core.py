"""Ledger core: journal, chart of accounts, FX rates, periods, users.

Besides the tables, the database itself enforces the journal invariants it
can (SPEC §2): append-only journal tables, no entry in a closed month, no
overdraft of a no-overdraft balance, and (PostgreSQL) a deferred constraint
trigger that every entry has two or more postings summing to zero.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 18:08:06.553033
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("overdraft_scope", sa.String(length=8), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "overdraft_scope IS NULL OR overdraft_scope IN ('account','award')",
            name=op.f("ck_accounts_overdraft_scope_known"),
        ),
        sa.CheckConstraint(
            "overdraft_scope IS NULL OR type IN ('asset','liability')",
            name=op.f("ck_accounts_overdraft_only_assets_liabilities"),
        ),
        sa.CheckConstraint(
            "type IN ('asset','liability','net_assets','revenue','expense')",
            name=op.f("ck_accounts_type_known"),
        ),
        sa.CheckConstraint("length(code) BETWEEN 1 AND 10", name=op.f("ck_accounts_code_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_accounts_code")),
    )
    op.create_table(
        "fund",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("functional_currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_fund_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund")),
    )
    op.create_table(
        "fx_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rate", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_fx_rates_currency_code")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
        sa.UniqueConstraint("currency", "date", name=op.f("uq_fx_rates_currency_date")),
    )
    op.create_table(
        "journal_entries",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("reverses", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("length(hash) = 64", name=op.f("ck_journal_entries_hash_length")),
        sa.CheckConstraint(
            "length(prev_hash) = 64", name=op.f("ck_journal_entries_prev_hash_length")
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_journal_entries_number_positive")),
        sa.CheckConstraint(
            "reverses IS NULL OR reverses < number",
            name=op.f("ck_journal_entries_reverses_earlier"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses"],
            ["journal_entries.number"],
            name=op.f("fk_journal_entries_reverses_journal_entries"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("hash", name=op.f("uq_journal_entries_hash")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_journal_entries_idempotency_key")),
        sa.UniqueConstraint("reverses", name=op.f("uq_journal_entries_reverses")),
    )
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_journal_entries_source", ["source_type", "source_id"], unique=False
        )
        batch_op.create_index("ix_journal_entries_value_date", ["value_date"], unique=False)

    op.create_table(
        "journal_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_journal_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_head")),
    )
    op.create_table(
        "periods",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("length(month) = 7", name=op.f("ck_periods_month_format")),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_periods")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('administrator','court','auditor')", name=op.f("ck_users_role_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "account_balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("original_balance", sa.BigInteger(), nullable=False),
        sa.Column("postings", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_balances_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_balances")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_number", sa.Integer(), nullable=False),
        sa.Column("line", sa.SmallInteger(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("original_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("victim_id", sa.Integer(), nullable=True),
        sa.Column("award_id", sa.Integer(), nullable=True),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(amount >= 0 AND original_amount >= 0) OR (amount <= 0 AND original_amount <= 0)",
            name=op.f("ck_postings_same_sign"),
        ),
        sa.CheckConstraint(
            "amount <> 0 OR original_amount <> 0", name=op.f("ck_postings_not_zero")
        ),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_postings_currency_code")),
        sa.CheckConstraint("line >= 1", name=op.f("ck_postings_line_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_postings_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entry_number"],
            ["journal_entries.number"],
            name=op.f("fk_postings_entry_number_journal_entries"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
        sa.UniqueConstraint("entry_number", "line", name=op.f("uq_postings_entry_number_line")),
    )
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_postings_account_entry", ["account_id", "entry_number"], unique=False
        )
        batch_op.create_index("ix_postings_asset", ["asset_id"], unique=False)
        batch_op.create_index("ix_postings_award", ["award_id"], unique=False)
        batch_op.create_index("ix_postings_case", ["case_id"], unique=False)
        batch_op.create_index("ix_postings_victim", ["victim_id"], unique=False)

    op.create_table(
        "subledger_balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("original_balance", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "length(currency) = 3", name=op.f("ck_subledger_balances_currency_code")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_subledger_balances_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("account_id", "award_id", name=op.f("pk_subledger_balances")),
    )
    _install_guards()


def downgrade() -> None:
    _drop_guards()
    op.drop_table("subledger_balances")
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_index("ix_postings_victim")
        batch_op.drop_index("ix_postings_case")
        batch_op.drop_index("ix_postings_award")
        batch_op.drop_index("ix_postings_asset")
        batch_op.drop_index("ix_postings_account_entry")

    op.drop_table("postings")
    op.drop_table("api_tokens")
    op.drop_table("account_balances")
    op.drop_table("users")
    op.drop_table("periods")
    op.drop_table("journal_head")
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_entries_value_date")
        batch_op.drop_index("ix_journal_entries_source")

    op.drop_table("journal_entries")
    op.drop_table("fx_rates")
    op.drop_table("fund")
    op.drop_table("accounts")


APPEND_ONLY = ("journal_entries", "postings", "periods")

# -- PostgreSQL ---------------------------------------------------------------

PG_FUNCTIONS = [
    """
    CREATE FUNCTION fundledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'fundledger: % on % is refused: the journal is append-only',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END $$
    """,
    """
    CREATE FUNCTION fundledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        entry integer;
        legs integer;
        total bigint;
    BEGIN
        -- Each branch names only the column its table has (PL/pgSQL plans lazily).
        IF TG_TABLE_NAME = 'postings' THEN
            entry := NEW.entry_number;
        ELSE
            entry := NEW.number;
        END IF;
        SELECT count(*), coalesce(sum(amount), 0) INTO legs, total
          FROM postings WHERE entry_number = entry;
        IF legs < 2 OR total <> 0 THEN
            RAISE EXCEPTION 'fundledger: entry % is unbalanced (% postings summing to %)',
                entry, legs, total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION fundledger_period_open() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM periods WHERE month >= to_char(NEW.value_date, 'YYYY-MM')) THEN
            RAISE EXCEPTION 'fundledger: % is in a closed period', NEW.value_date
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE FUNCTION fundledger_no_overdraft() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        kind text;
        scope text;
        fixed text;
        functional text;
        watched bigint[];
        amount bigint;
    BEGIN
        SELECT type, overdraft_scope, currency INTO kind, scope, fixed
          FROM accounts WHERE id = NEW.account_id;
        IF scope IS DISTINCT FROM TG_ARGV[0] THEN
            RETURN NEW;
        END IF;
        SELECT functional_currency INTO functional FROM fund WHERE id = 1;
        IF scope = 'award' THEN
            -- an award's carrying value and its own-currency amount both stay on their side
            watched := ARRAY[NEW.balance, NEW.original_balance];
        ELSIF fixed IS NOT NULL AND fixed <> functional THEN
            -- a foreign-currency bank account runs out in its own currency
            watched := ARRAY[NEW.original_balance];
        ELSE
            watched := ARRAY[NEW.balance, NEW.original_balance];
        END IF;
        FOREACH amount IN ARRAY watched LOOP
            IF (kind = 'asset' AND amount < 0) OR (kind = 'liability' AND amount > 0) THEN
                RAISE EXCEPTION 'fundledger: account % would be overdrawn', NEW.account_id
                    USING ERRCODE = 'check_violation';
            END IF;
        END LOOP;
        RETURN NEW;
    END $$
    """,
]


def _pg_triggers() -> list[str]:
    statements = []
    for table in APPEND_ONLY:
        statements += [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION fundledger_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION fundledger_refuse_change()",
        ]
    for table in ("journal_entries", "postings"):
        statements.append(
            f"CREATE CONSTRAINT TRIGGER {table}_balanced AFTER INSERT ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION fundledger_entry_balanced()"
        )
    statements += [
        "CREATE TRIGGER journal_entries_period_open BEFORE INSERT ON journal_entries "
        "FOR EACH ROW EXECUTE FUNCTION fundledger_period_open()",
        "CREATE TRIGGER account_balances_no_overdraft BEFORE INSERT OR UPDATE ON account_balances "
        "FOR EACH ROW EXECUTE FUNCTION fundledger_no_overdraft('account')",
        "CREATE TRIGGER subledger_balances_no_overdraft "
        "BEFORE INSERT OR UPDATE ON subledger_balances "
        "FOR EACH ROW EXECUTE FUNCTION fundledger_no_overdraft('award')",
    ]
    return statements


# -- SQLite -------------------------------------------------------------------


def _sqlite_triggers() -> list[str]:
    statements = []
    for table in APPEND_ONLY:
        for op_name in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'fundledger: {op_name} on {table} is refused: "
                "the journal is append-only'); END"
            )
    statements.append(
        "CREATE TRIGGER journal_entries_period_open BEFORE INSERT ON journal_entries "
        "WHEN EXISTS (SELECT 1 FROM periods WHERE month >= strftime('%Y-%m', NEW.value_date)) "
        "BEGIN SELECT RAISE(ABORT, 'fundledger: entry dated in a closed period'); END"
    )
    # The balance that must not cross zero: an award's carrying value and its own-currency
    # amount; a foreign-currency bank account's own currency; otherwise the functional one.
    watched = {
        "account": (
            "(CASE WHEN a.currency IS NOT NULL AND a.currency <> "
            "(SELECT functional_currency FROM fund WHERE id = 1) "
            "THEN NEW.original_balance ELSE NEW.balance END)",
            "NEW.original_balance",
        ),
        "award": ("NEW.balance", "NEW.original_balance"),
    }
    for table, scope in (("account_balances", "account"), ("subledger_balances", "award")):
        crossing = " OR ".join(
            f"(a.type = 'asset' AND {v} < 0) OR (a.type = 'liability' AND {v} > 0)"
            for v in watched[scope]
        )
        for op_name in ("INSERT", "UPDATE"):
            statements.append(
                f"CREATE TRIGGER {table}_no_overdraft_{op_name.lower()} "
                f"BEFORE {op_name} ON {table} WHEN EXISTS (SELECT 1 FROM accounts a "
                f"WHERE a.id = NEW.account_id AND a.overdraft_scope = '{scope}' AND ({crossing})) "
                "BEGIN SELECT RAISE(ABORT, 'fundledger: balance would be overdrawn'); END"
            )
    return statements


def _install_guards() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in PG_FUNCTIONS + _pg_triggers():
            op.execute(statement)
    elif dialect == "sqlite":
        for statement in _sqlite_triggers():
            op.execute(statement)


def _drop_guards() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name in (
            "fundledger_refuse_change",
            "fundledger_entry_balanced",
            "fundledger_period_open",
            "fundledger_no_overdraft",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
