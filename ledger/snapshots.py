"""Month-end balance snapshots: written at every month close, read by every as-of balance.

Why it is safe: a closed month is closed for good (SPEC §5; the database refuses an
entry dated in one), so the sums of the postings dated up to its last day never move
again. Closing a month stores them (:func:`write_snapshots`, called by
:func:`ledger.periods.close_month` in its transaction, under the books lock); a
balance as of a date is then the snapshot of the last closed month ending on or
before it plus the postings dated after that month end, a range of the
``(value_date, number)`` index of the entries: one period's work, however long the
history (:func:`account_totals_as_of`).

Value dates, not posting times: a snapshot of March holds every entry dated up to
31 March, including one posted in April while March was still open; an entry posted
later can never be dated in March. Figures are debit-positive functional minor
units, ``original_balance`` as in :class:`~ledger.models.AccountBalance`.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ledger.models import (
    Account,
    BalanceSnapshot,
    JournalEntry,
    MonthSnapshot,
    Posting,
    SubledgerSnapshot,
)
from ledger.models.base import summed


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, monthrange(year, mon)[1])


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + (mon == 12):04d}-{mon % 12 + 1:02d}"


def month_bucket(session: Session, column):
    """SQL for the month of a date column, in the session's dialect; :func:`bucket_month`
    reads what it returns. ``date_trunc`` on PostgreSQL (``to_char`` per row costs a
    third of a pass over the postings)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("month", column)
    return func.strftime("%Y-%m", column)


def bucket_month(value) -> str:
    """``YYYY-MM`` of a :func:`month_bucket` value (a timestamp, or already the text)."""
    return value[:7] if isinstance(value, str) else f"{value.year:04d}-{value.month:02d}"


def _dated(query, after: date | None, through: date):
    query = query.where(JournalEntry.value_date <= through)
    return query if after is None else query.where(JournalEntry.value_date > after)


def _postings_dated(
    session: Session, query, after: date | None, through: date, *, joined: bool = True
):
    """``query`` limited to the postings of entries dated in (after, through], or None when
    there are none. ``joined``: the query already joins the postings with their entries;
    otherwise it reads postings alone and the join is added only if it is needed.

    After a snapshot the date range is one period, so the query is bounded by the lowest
    and highest entry number dated in it, found with their count in one index-only range
    of ``ix_journal_entries_value_date_number``. With those literal bounds the planner
    reads that range of ``uq_postings_entry_number_line`` (with the dates alone,
    PostgreSQL hashes every posting ever made). When every number in the range is dated
    in it (entries posted in date order, the usual case: numbers are gapless) the bounds
    say exactly which postings count and the entries need not be read at all; otherwise
    the dates still decide."""
    if after is None:
        if not joined:
            query = query.join(JournalEntry, JournalEntry.number == Posting.entry_number)
        return _dated(query, after, through)
    counted = select(
        func.min(JournalEntry.number), func.max(JournalEntry.number), func.count()
    ).select_from(JournalEntry)
    low, high, count = session.execute(_dated(counted, after, through)).one()
    if low is None:
        return None
    query = query.where(Posting.entry_number.between(low, high))
    if count == high - low + 1:
        return query
    if not joined:
        query = query.join(JournalEntry, JournalEntry.number == Posting.entry_number)
    return _dated(query.where(JournalEntry.number.between(low, high)), after, through)


def month_movements(session: Session, after: date | None, through: date):
    """Per month dated in (after, through]: entry counts, account and award-subledger moves.

    Returns ``(entries, accounts, subledgers)``: ``{month: n}``,
    ``{month: {account_id: (amount, original, postings)}}`` and
    ``{month: {(account_id, award_id): (currency, amount, original)}}``.
    """
    bucket = month_bucket(session, JournalEntry.value_date).label("month")
    entries = {
        bucket_month(month): count
        for month, count in session.execute(
            _dated(select(bucket, func.count()), after, through).group_by(bucket)
        )
    }
    joined = select().join_from(Posting, JournalEntry, JournalEntry.number == Posting.entry_number)
    accounts: dict[str, dict] = defaultdict(dict)
    by_account = _postings_dated(
        session,
        joined.add_columns(
            Posting.account_id,
            bucket,
            summed(Posting.amount),
            summed(Posting.original_amount),
            func.count(),
        ),
        after,
        through,
    )
    rows = (
        []
        if by_account is None
        else session.execute(by_account.group_by(Posting.account_id, bucket))
    )
    for account_id, month, amount, original, count in rows:
        accounts[bucket_month(month)][account_id] = (int(amount), int(original), int(count))
    subledgers: dict[str, dict] = defaultdict(dict)
    by_award = _postings_dated(
        session,
        joined.join(Account, Account.id == Posting.account_id)
        .add_columns(
            Posting.account_id,
            Posting.award_id,
            bucket,
            func.min(Posting.currency),
            summed(Posting.amount),
            summed(Posting.original_amount),
        )
        .where(Account.overdraft_scope == "award", Posting.award_id.is_not(None)),
        after,
        through,
    )
    rows = (
        []
        if by_award is None
        else session.execute(by_award.group_by(Posting.account_id, Posting.award_id, bucket))
    )
    for account_id, award_id, month, currency, amount, original in rows:
        key = (account_id, award_id)
        subledgers[bucket_month(month)][key] = (currency, int(amount), int(original))
    return entries, accounts, subledgers


def expected_snapshots(
    session: Session,
    after: str | None,
    through: str,
    start=None,
    first: str | None = None,
    movements=None,
):
    """Yield ``(month, entries, accounts, subledgers)`` for each month after ``after`` up to
    ``through``: the cumulative figures its snapshot must hold. ``accounts`` is
    ``{account_id: (balance, original, postings)}`` for every account posted to by then,
    ``subledgers`` ``{(account_id, award_id): (currency, balance, original)}`` for the
    subledgers that moved in that month only. ``start`` is the state at ``after``'s end
    (``(entries, accounts, subledgers)``, cumulative), empty when ``after`` is None; then
    the months start at the first entry's, or at ``first`` or ``through`` if earlier.
    ``movements``: :func:`month_movements` already known (verify tallies them while it
    hashes; months after ``through`` are ignored)."""
    if movements is None:
        movements = month_movements(
            session, month_end(after) if after else None, month_end(through)
        )
    entries_by, accounts_by, subledgers_by = movements
    entries, accounts, subledgers = start or (0, {}, {})
    accounts, subledgers = dict(accounts), dict(subledgers)
    fixed = {
        account_id
        for account_id, currency in session.execute(select(Account.id, Account.currency))
        if currency is not None
    }
    if after is not None:
        month = next_month(after)
    else:
        month = min([*entries_by, *accounts_by, through, *([first] if first else [])])
    while month <= through:
        entries += entries_by.get(month, 0)
        for account_id, (amount, original, count) in accounts_by.get(month, {}).items():
            balance, original_balance, postings = accounts.get(account_id, (0, 0, 0))
            if account_id not in fixed:
                original = 0  # a multi-currency account keeps no original-currency total
            accounts[account_id] = (balance + amount, original_balance + original, postings + count)
        moved = {}
        for key, (currency, amount, original) in subledgers_by.get(month, {}).items():
            _, balance, original_balance = subledgers.get(key, (currency, 0, 0))
            moved[key] = subledgers[key] = (currency, balance + amount, original_balance + original)
        yield month, entries, accounts, moved
        month = next_month(month)


def write_snapshots(session: Session, after: str | None, through: str) -> None:
    """Store the end balances of every month after ``after`` (the books' last close, None
    for the first) up to ``through``, the month being closed. Called under the books lock,
    in the closing transaction, after anything the close posts (the year's closing entry)."""
    start = _stored_state(session, after) if after is not None else None
    done: set[str] = set()
    if after is not None and start is None:
        # Closed before snapshots were kept, and not filled: rebuild from the first entry.
        done = set(session.scalars(select(MonthSnapshot.month)))
        after = None
    for month, entries, accounts, moved in expected_snapshots(session, after, through, start):
        if month in done:
            continue
        session.execute(insert(MonthSnapshot), [{"month": month, "entries": entries}])
        if accounts:
            session.execute(
                insert(BalanceSnapshot),
                [
                    {
                        "month": month,
                        "account_id": account_id,
                        "balance": balance,
                        "original_balance": original,
                        "postings": postings,
                    }
                    for account_id, (balance, original, postings) in accounts.items()
                ],
            )
        if moved:
            session.execute(
                insert(SubledgerSnapshot),
                [
                    {
                        "month": month,
                        "account_id": account_id,
                        "award_id": award_id,
                        "currency": currency,
                        "balance": balance,
                        "original_balance": original,
                    }
                    for (account_id, award_id), (currency, balance, original) in moved.items()
                ],
            )


def _stored_state(session: Session, month: str):
    """The cumulative figures stored for ``month`` (the latest snapshot), to build on.

    A fund closed before snapshots existed has none for ``month`` if the migration did not
    fill them; then everything is recomputed from the postings (``None``)."""
    entries = session.scalar(select(MonthSnapshot.entries).where(MonthSnapshot.month == month))
    if entries is None:
        return None
    accounts = {
        row.account_id: (row.balance, row.original_balance, row.postings)
        for row in session.execute(
            select(BalanceSnapshot).where(BalanceSnapshot.month == month)
        ).scalars()
    }
    latest = (
        select(
            SubledgerSnapshot.account_id,
            SubledgerSnapshot.award_id,
            func.max(SubledgerSnapshot.month).label("month"),
        )
        .group_by(SubledgerSnapshot.account_id, SubledgerSnapshot.award_id)
        .subquery()
    )
    subledgers = {
        (row.account_id, row.award_id): (row.currency, row.balance, row.original_balance)
        for row in session.scalars(
            select(SubledgerSnapshot).join(
                latest,
                (latest.c.account_id == SubledgerSnapshot.account_id)
                & (latest.c.award_id == SubledgerSnapshot.award_id)
                & (latest.c.month == SubledgerSnapshot.month),
            )
        )
    }
    return entries, accounts, subledgers


# -- reading: as of a date ------------------------------------------------------------


def snapshot_before(session: Session, as_of: date) -> str | None:
    """The last month with a snapshot whose last day is on or before ``as_of``."""
    limit = month_of(as_of + timedelta(days=1))
    return session.scalar(select(func.max(MonthSnapshot.month)).where(MonthSnapshot.month < limit))


def account_totals_as_of(
    session: Session, as_of: date, account_id: int | None = None
) -> dict[int, int]:
    """Every posted-to account's balance (by id; only ``account_id``'s if given) from the
    postings dated up to ``as_of``: the last snapshot at or before it, plus the postings
    dated after its month end."""
    month = snapshot_before(session, as_of)
    totals: dict[int, int] = defaultdict(int)
    if month is not None:
        stored = select(BalanceSnapshot.account_id, BalanceSnapshot.balance).where(
            BalanceSnapshot.month == month
        )
        if account_id is not None:
            stored = stored.where(BalanceSnapshot.account_id == account_id)
        for key, balance in session.execute(stored):
            totals[key] += balance
    since = select(Posting.account_id, summed(Posting.amount)).group_by(Posting.account_id)
    if account_id is not None:
        since = since.where(Posting.account_id == account_id)
    since = _postings_dated(
        session, since, month_end(month) if month else None, as_of, joined=False
    )
    for key, amount in [] if since is None else session.execute(since):
        totals[key] += int(amount)
    return dict(totals)


def entries_as_of(session: Session, as_of: date) -> int:
    """How many entries are dated on or before ``as_of``."""
    month = snapshot_before(session, as_of)
    stored = 0
    if month is not None:
        stored = session.scalar(select(MonthSnapshot.entries).where(MonthSnapshot.month == month))
    since = _dated(
        select(func.count()).select_from(JournalEntry), month_end(month) if month else None, as_of
    )
    return stored + session.scalar(since)


def subledger_totals_as_of(session: Session, account_id: int, as_of: date) -> dict[int, int]:
    """Each award's balance (by award id) in the control account ``account_id`` from the
    postings dated up to ``as_of``: its latest snapshot row at or before the last snapshot
    month, plus its postings dated after that month's end."""
    month = snapshot_before(session, as_of)
    totals: dict[int, int] = defaultdict(int)
    if month is not None:
        latest = (
            select(SubledgerSnapshot.award_id, func.max(SubledgerSnapshot.month).label("month"))
            .where(SubledgerSnapshot.account_id == account_id, SubledgerSnapshot.month <= month)
            .group_by(SubledgerSnapshot.award_id)
            .subquery()
        )
        for award_id, balance in session.execute(
            select(SubledgerSnapshot.award_id, SubledgerSnapshot.balance).join(
                latest,
                (latest.c.award_id == SubledgerSnapshot.award_id)
                & (latest.c.month == SubledgerSnapshot.month)
                & (SubledgerSnapshot.account_id == account_id),
            )
        ):
            totals[award_id] += balance
    since = _postings_dated(
        session,
        select(Posting.award_id, summed(Posting.amount))
        .where(Posting.account_id == account_id, Posting.award_id.is_not(None))
        .group_by(Posting.award_id),
        month_end(month) if month else None,
        as_of,
        joined=False,
    )
    for award_id, amount in [] if since is None else session.execute(since):
        totals[award_id] += int(amount)
    return dict(totals)
