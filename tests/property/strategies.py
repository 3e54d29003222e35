"""Hypothesis strategies for random ledger histories, and a tampering helper.

A history is a list of operations a fund could perform against the posting
service: donations into the bank account, costs paid out of it, awards
registered and paid (some in foreign currencies), foreign cash seized into
escrow, arbitrary balanced adjustments, reversals of earlier entries,
idempotent retries, and month closings. Operations carry only plain data; the
test turns them into :func:`ledger.journal.post_entry` calls and keeps its own
model of what the books must say.

:func:`alter_behind_the_back` changes one column of one journal row directly
in SQL with the append-only triggers bypassed, the way someone with access to
the database files (not to the application) would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, event, text, update
from sqlalchemy.pool import NullPool

FIRST_DAY = date(2026, 1, 2)
LAST_DAY = date(2026, 6, 30)
#: Foreign currencies with real ECB rates in tests/data (JPY has no minor unit).
FOREIGN = ("USD", "JPY", "GBP")
AWARDS = (1, 2, 3)
#: Accounts without any overdraft rule that an adjustment may touch in EUR.
FREE_ACCOUNTS = (
    "1010",
    "1100",
    "2100",
    "2200",
    "3000",
    "4000",
    "4100",
    "4200",
    "4300",
    "5100",
    "5200",
    "5300",
    "5500",
)
CLOSABLE_MONTHS = ("2026-01", "2026-02", "2026-03")

days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
amounts = st.integers(min_value=1, max_value=150_000)
foreign_amounts = st.integers(min_value=100, max_value=150_000)


@dataclass(frozen=True)
class Donation:
    """1000 / 4200: money in, with any printable memo (tabs and newlines allowed)."""

    day: date
    amount: int
    keyed: bool = False
    note: str = ""


@dataclass(frozen=True)
class AdminCost:
    """5500 / 1000: money out; refused when the bank account would be overdrawn."""

    day: date
    amount: int
    keyed: bool = False


@dataclass(frozen=True)
class Adjustment:
    """Any balanced EUR entry over 2 to 4 legs, possibly touching the bank account."""

    day: date
    legs: tuple[tuple[str, int], ...]
    keyed: bool = False


@dataclass(frozen=True)
class SeizeForeignCash:
    """1010 / 2100 in a foreign currency, at the rate of the day."""

    day: date
    currency: str
    amount: int


@dataclass(frozen=True)
class RegisterAward:
    """5000 / 2000 (award dimension), in the award's currency."""

    day: date
    award: int
    amount: int
    keyed: bool = False


@dataclass(frozen=True)
class PayAward:
    """2000 at the rate of the day / 1000 what the bank debited; the difference is FX."""

    day: date
    award: int
    amount: int
    bank_difference: int


@dataclass(frozen=True)
class Reverse:
    """Reverse the ``pick``-th entry posted so far (modulo their number)."""

    pick: int
    day: date
    #: Keep ``day`` even when it is before the original (the service must refuse).
    early: bool = False


@dataclass(frozen=True)
class Retry:
    """Post a keyed request again: a replay, or a conflict when the memo differs."""

    pick: int
    change_memo: bool


@dataclass(frozen=True)
class CloseMonth:
    month: str


@dataclass(frozen=True)
class History:
    #: The currency each award is kept in (fixed per award, as the subledger requires).
    award_currencies: dict[int, str]
    operations: tuple
    #: A date for the balances-as-of check.
    probe: date


@st.composite
def adjustments(draw) -> Adjustment:
    size = draw(st.integers(min_value=2, max_value=4))
    codes = draw(
        st.lists(
            st.sampled_from((*FREE_ACCOUNTS, "1000")), min_size=size, max_size=size, unique=True
        )
    )
    signed = st.integers(min_value=-100_000, max_value=100_000).filter(bool)
    amounts_ = draw(st.lists(signed, min_size=size - 1, max_size=size - 1))
    last = -sum(amounts_)
    if last == 0:  # keep every leg non-zero: move one minor unit from the first leg
        amounts_[0] += 1 if amounts_[0] > 0 else -1
        last = -sum(amounts_)
    return Adjustment(
        draw(days), tuple(zip(codes, [*amounts_, last], strict=True)), draw(st.booleans())
    )


keyed = st.booleans()
#: What the ledger accepts in a memo: any text but control characters other than tab and
#: newline, and lone surrogates (refused: tests/integration/test_journal.py).
notes = st.text(
    st.characters(
        exclude_characters=[chr(c) for c in range(32) if chr(c) not in "\t\n"],
        exclude_categories=["Cs"],
    ),
    max_size=60,
)
donations = st.builds(Donation, days, amounts, keyed, notes)
operation = st.one_of(
    donations,
    donations,
    st.builds(AdminCost, days, amounts, keyed),
    st.builds(AdminCost, days, amounts, keyed),
    adjustments(),
    st.builds(SeizeForeignCash, days, st.sampled_from(FOREIGN), foreign_amounts),
    st.builds(RegisterAward, days, st.sampled_from(AWARDS), foreign_amounts, keyed),
    st.builds(RegisterAward, days, st.sampled_from(AWARDS), foreign_amounts, keyed),
    st.builds(
        PayAward,
        days,
        st.sampled_from(AWARDS),
        foreign_amounts,
        st.integers(min_value=-500, max_value=500),
    ),
    st.builds(
        PayAward,
        days,
        st.sampled_from(AWARDS),
        foreign_amounts,
        st.integers(min_value=-500, max_value=500),
    ),
    st.builds(Reverse, st.integers(min_value=0, max_value=1000), days, st.booleans()),
    st.builds(Reverse, st.integers(min_value=0, max_value=1000), days),
    st.builds(Retry, st.integers(min_value=0, max_value=1000), st.booleans()),
    st.builds(CloseMonth, st.sampled_from(CLOSABLE_MONTHS)),
)


def histories(min_operations: int = 15, max_operations: int = 40) -> st.SearchStrategy[History]:
    """A history that starts with a donation (so it has at least one entry)."""
    return st.builds(
        lambda currencies, first, rest, probe: History(
            dict(zip(AWARDS, currencies, strict=True)), (first, *rest), probe
        ),
        st.lists(st.sampled_from(("EUR", *FOREIGN)), min_size=len(AWARDS), max_size=len(AWARDS)),
        donations,
        st.lists(operation, min_size=min_operations, max_size=max_operations),
        st.dates(min_value=FIRST_DAY - timedelta(days=3), max_value=LAST_DAY),
    )


# -- tampering ---------------------------------------------------------------------------


def alter_behind_the_back(engine: Engine, table, where, column: str, value) -> None:
    """``UPDATE table SET column = value WHERE where`` with the refusal triggers bypassed.

    PostgreSQL: ``session_replication_role = replica`` for the transaction (which
    also skips foreign-key triggers); SQLite: a connection without foreign keys
    drops the table's ``<table>_no_update`` trigger, updates, and recreates the
    trigger from the SQL saved in ``sqlite_master``, all in one transaction.
    """
    statement = update(table).where(where).values({column: value})
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            assert connection.execute(statement).rowcount == 1
        return
    raw = create_engine(engine.url, poolclass=NullPool)
    event.listen(raw, "connect", _sqlite_connect_without_foreign_keys)
    event.listen(raw, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    trigger = f"{table.name}_no_update"
    try:
        with raw.begin() as connection:
            saved = connection.scalar(
                text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
                {"name": trigger},
            )
            assert saved, f"trigger {trigger} is missing"
            connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
            assert connection.execute(statement).rowcount == 1
            connection.exec_driver_sql(saved)
    finally:
        raw.dispose()


def _sqlite_connect_without_foreign_keys(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
