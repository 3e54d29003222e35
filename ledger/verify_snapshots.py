"""verify's check of the month-end snapshots: each one recomputed from the postings.

A snapshot is a claim "the postings dated up to this month end sum to this", so
verify recomputes it, for every closed month, the way :func:`ledger.snapshots.
write_snapshots` computed it at the close, and names the month, the account (and
award) and both figures of any row that differs, is missing, or should not be there.
One grouped pass over the postings, not one per month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ledger.models import BalanceSnapshot, MonthSnapshot, Period, SubledgerSnapshot
from ledger.snapshots import expected_snapshots


def verify_snapshots(session: Session, codes: dict[int, str], movements=None) -> list[str]:
    """Problems with the stored snapshots. ``movements``: the postings' monthly movements
    already tallied (as :func:`ledger.snapshots.month_movements` returns them), else they are
    summed here."""
    if not inspect(session.connection()).has_table(MonthSnapshot.__tablename__):
        return []  # a database not yet migrated to 0007 keeps no snapshots to check
    months = list(session.scalars(select(MonthSnapshot.month).order_by(MonthSnapshot.month)))
    stored_entries = dict(session.execute(select(MonthSnapshot.month, MonthSnapshot.entries)).all())
    problems: list[str] = []
    latest_closed = session.scalar(select(Period.month).order_by(Period.month.desc()).limit(1))
    for month in months:
        if latest_closed is None or month > latest_closed:
            problems.append(f"snapshot {month}: the month is not closed")
    if not months:
        if latest_closed is not None:
            problems.append(f"no balance snapshots, but the books are closed up to {latest_closed}")
        return problems
    through = max(months[-1], latest_closed or months[-1])
    accounts_stored = _stored(
        session, BalanceSnapshot, ("account_id",), ("balance", "original_balance", "postings")
    )
    subledgers_stored = _stored(
        session,
        SubledgerSnapshot,
        ("account_id", "award_id"),
        ("currency", "balance", "original_balance"),
    )
    for month, entries, accounts, moved in expected_snapshots(
        session, None, through, first=months[0], movements=movements
    ):
        if latest_closed is not None and month <= latest_closed:
            if month not in stored_entries:
                problems.append(f"snapshot {month}: missing, though the month is closed")
                continue
        elif month not in stored_entries:
            continue
        if stored_entries[month] != entries:
            problems.append(
                f"snapshot {month}: says {stored_entries[month]} entries are dated up to its "
                f"end, but {entries} are"
            )
        problems += _compare(month, codes, ACCOUNT_ROWS, accounts_stored.pop(month, {}), accounts)
        problems += _compare(month, codes, AWARD_ROWS, subledgers_stored.pop(month, {}), moved)
    for month in sorted(set(accounts_stored) | set(subledgers_stored)):
        if month not in stored_entries:
            problems.append(f"snapshot {month}: balance rows without a snapshot month")
    return problems


def _stored(session: Session, model, key: tuple[str, ...], values: tuple[str, ...]) -> dict:
    """A snapshot table's rows by month, then by ``key`` (a column, or a tuple of columns),
    each the tuple of its ``values`` columns, as :func:`expected_snapshots` gives them."""
    columns = [getattr(model, name) for name in ("month", *key, *values)]
    by_month: dict[str, dict] = {}
    for row in session.execute(select(*columns)):
        found = row[1] if len(key) == 1 else tuple(row[1 : 1 + len(key)])
        by_month.setdefault(row.month, {})[found] = tuple(row[1 + len(key) :])
    return by_month


@dataclass(frozen=True)
class _Rows:
    """How verify names and shows one kind of snapshot row."""

    #: The row's key → its account id, and what follows the account's code in its name.
    where: Callable[[object], tuple[int, str]]
    #: The row → its balance, and the details that follow it in parentheses.
    figures: Callable[[tuple], tuple[int, str]]
    #: Why a stored row should not be there.
    unexpected: str


ACCOUNT_ROWS = _Rows(
    lambda account_id: (account_id, ""),
    lambda row: (row[0], f"{row[1]} original, {row[2]} postings"),
    "it has no postings by then",
)
AWARD_ROWS = _Rows(
    lambda key: (key[0], f", award {key[1]}"),
    lambda row: (row[1], f"{row[2]} {row[0]}"),
    "it did not move that month",
)


def _compare(month, codes, rows: _Rows, stored: dict, expected: dict) -> list[str]:
    """Each row of ``month`` that is missing, stored though it should not be, or different."""
    problems = []
    for key in sorted(set(stored) | set(expected)):
        have, want = stored.get(key), expected.get(key)
        account_id, more = rows.where(key)
        name = f"snapshot {month}, account {codes.get(account_id, account_id)}{more}"
        if have is None:
            problems.append(f"{name}: missing (its postings sum to {rows.figures(want)[0]})")
        elif want is None:
            problems.append(f"{name}: stored balance {rows.figures(have)[0]} but {rows.unexpected}")
        elif have != want:
            (had, had_details), (wanted, wanted_details) = rows.figures(have), rows.figures(want)
            problems.append(
                f"{name}: stored balance {had} ({had_details}) "
                f"but its postings sum to {wanted} ({wanted_details})"
            )
    return problems
