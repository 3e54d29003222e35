"""verify's check of the month-end snapshots: each one recomputed from the postings.

A snapshot is a claim "the postings dated up to this month end sum to this", so
verify recomputes it, for every closed month, the way :func:`ledger.snapshots.
write_snapshots` computed it at the close, and names the month, the account (and
award) and both figures of any row that differs, is missing, or should not be there.
One grouped pass over the postings, not one per month.
"""

from __future__ import annotations

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
    accounts_stored: dict[str, dict] = {}
    balance_rows = select(
        BalanceSnapshot.month,
        BalanceSnapshot.account_id,
        BalanceSnapshot.balance,
        BalanceSnapshot.original_balance,
        BalanceSnapshot.postings,
    )
    for row in session.execute(balance_rows):
        accounts_stored.setdefault(row.month, {})[row.account_id] = (
            row.balance,
            row.original_balance,
            row.postings,
        )
    subledgers_stored: dict[str, dict] = {}
    subledger_rows = select(
        SubledgerSnapshot.month,
        SubledgerSnapshot.account_id,
        SubledgerSnapshot.award_id,
        SubledgerSnapshot.currency,
        SubledgerSnapshot.balance,
        SubledgerSnapshot.original_balance,
    )
    for row in session.execute(subledger_rows):
        subledgers_stored.setdefault(row.month, {})[(row.account_id, row.award_id)] = (
            row.currency,
            row.balance,
            row.original_balance,
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
        problems += _compare_accounts(month, accounts_stored.pop(month, {}), accounts, codes)
        problems += _compare_subledgers(month, subledgers_stored.pop(month, {}), moved, codes)
    for month in sorted(set(accounts_stored) | set(subledgers_stored)):
        if month not in stored_entries:
            problems.append(f"snapshot {month}: balance rows without a snapshot month")
    return problems


def _compare_accounts(month, stored: dict, expected: dict, codes) -> list[str]:
    problems = []
    for account_id in sorted(set(stored) | set(expected)):
        have = stored.get(account_id)
        want = expected.get(account_id)
        name = f"snapshot {month}, account {codes.get(account_id, account_id)}"
        if have is None:
            problems.append(f"{name}: missing (its postings sum to {want[0]})")
        elif want is None:
            problems.append(f"{name}: stored balance {have[0]} but it has no postings by then")
        elif have != want:
            problems.append(
                f"{name}: stored balance {have[0]} ({have[1]} original, {have[2]} postings) "
                f"but its postings sum to {want[0]} ({want[1]} original, {want[2]} postings)"
            )
    return problems


def _compare_subledgers(month, stored: dict, expected: dict, codes) -> list[str]:
    problems = []
    for key in sorted(set(stored) | set(expected)):
        have, want = stored.get(key), expected.get(key)
        name = f"snapshot {month}, account {codes.get(key[0], key[0])}, award {key[1]}"
        if have is None:
            problems.append(f"{name}: missing (its postings sum to {want[1]})")
        elif want is None:
            problems.append(f"{name}: stored balance {have[1]} but it did not move that month")
        elif have != want:
            problems.append(
                f"{name}: stored balance {have[1]} ({have[2]} {have[0]}) "
                f"but its postings sum to {want[1]} ({want[2]} {want[0]})"
            )
    return problems
