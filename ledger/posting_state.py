"""What a transaction knows about the books once it has read them: read once, kept till it ends.

Posting needs the fund's functional currency and the chart (to validate legs),
and, under the journal-head lock, the head (number and hash), the audit log's
tail, the latest closed month and the balances it must check. Reading them for
every entry was most of the statements a posting sent (issue 11). Here they are
read once per transaction and kept in ``session.info``, tied to that one
transaction, so nothing is ever kept across transactions or processes:

- the context (functional currency, chart) is read by the first step of a
  transaction that needs it, in one statement;
- the books' state is read when the lock is taken; while the lock is held no
  other writer can change it, so what this transaction writes is all that
  changes it, and the writers here keep it up to date;
- any rollback (a savepoint's too) forgets all of it, and so does an ORM insert
  of a closed month or an account, so the next step reads afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import event, text
from sqlalchemy.orm import Session, SessionTransaction

from ledger.errors import Conflict
from ledger.models import Account, Period
from ledger.models.accounts import AccountRules

_KEY = "fundledger.posting_state"


@dataclass(frozen=True)
class ChartAccount(AccountRules):
    """An account as posting sees it (no ORM object: a plain, immutable row)."""

    id: int
    code: str
    name: str
    type: str
    currency: str | None
    overdraft_scope: str | None
    active: bool


@dataclass
class Books:
    """The books as the lock holder sees them; only this transaction can change them."""

    last_number: int
    last_hash: str
    #: Read with the audit tail on first need (``tail_known``).
    tail_known: bool = False
    audit_id: int = 0
    audit_hash: str = ""
    closed_month: str | None = None
    #: account id -> (balance, original_balance), once read or written under the lock.
    balances: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: (account id, award id) -> (currency, balance, original_balance) or None (no row).
    subledgers: dict[tuple[int, int], tuple[str, int, int] | None] = field(default_factory=dict)


@dataclass
class TxState:
    transaction: SessionTransaction
    functional: str | None = None
    chart: dict[str, ChartAccount] | None = None
    books: Books | None = None


def state(session: Session) -> TxState:
    """This transaction's state (a new, empty one when the transaction is new)."""
    root = session.get_transaction()
    if root is None:
        session.connection()  # begins the transaction; sends no statement of its own
        root = session.get_transaction()
    current = session.info.get(_KEY)
    if current is None or current.transaction is not root:
        current = TxState(root)
        session.info[_KEY] = current
    return current


def context(session: Session) -> tuple[str, dict[str, ChartAccount]]:
    """(functional currency, chart by code): one statement, once per transaction."""
    current = state(session)
    if current.chart is None:
        rows = session.execute(
            text(
                "SELECT f.functional_currency, a.id, a.code, a.name, a.type, a.currency,"
                " a.overdraft_scope, a.active FROM fund f LEFT JOIN accounts a ON 1 = 1"
                " WHERE f.id = 1"
            )
        ).all()
        if not rows:
            raise Conflict("the database is not initialised: run `fundledger init`")
        current.functional = rows[0][0]
        current.chart = {
            r[2]: ChartAccount(r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]))
            for r in rows
            if r[1] is not None
        }
    return current.functional, current.chart


def functional(session: Session) -> str:
    return context(session)[0]


def held(session: Session) -> Books | None:
    """The books if this transaction holds the lock, else None (sends nothing)."""
    current = session.info.get(_KEY)
    if current is None or current.transaction is not session.get_transaction():
        return None
    return current.books


def lock(session: Session) -> Books:
    """Take the journal-head lock once per transaction and return the books' state."""
    current = state(session)
    if current.books is None:
        row = session.execute(
            text("SELECT last_number, last_hash FROM journal_head WHERE id = 1 FOR UPDATE")
            if session.get_bind().dialect.name == "postgresql"
            else text("SELECT last_number, last_hash FROM journal_head WHERE id = 1")
        ).first()
        if row is None:
            raise Conflict("the database is not initialised: run `fundledger init`")
        current.books = Books(int(row[0]), row[1])
    return current.books


def forget(session: Session) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction) -> None:
    forget(session)


@event.listens_for(Period, "after_insert")
def _closed_month_changed(mapper, connection, target) -> None:
    current = _of(target)
    if current is not None and current.books is not None:
        current.books.tail_known = False  # the next posting reads the closed month again


@event.listens_for(Account, "after_insert")
def _chart_changed(mapper, connection, target) -> None:
    current = _of(target)
    if current is not None:
        current.chart = None


def _of(target) -> TxState | None:
    from sqlalchemy.orm import object_session

    session = object_session(target)
    return None if session is None else session.info.get(_KEY)
