"""Each month's movement of the bank accounts and of awards payable (2000), for the
dashboard's chart, at the cost of a few index seeks however long the journal.

:func:`movements` keeps the sums between requests and adds the entries posted
since; :func:`_moves_in_full` sums them afresh by ranges of entry numbers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BigInteger, Integer, cast, column, func, select, values
from sqlalchemy.orm import Session, aliased

from ledger.chart import AWARDS_PAYABLE
from ledger.models import Account, JournalEntry, Posting
from ledger.models.base import summed

#: Above this many ranges of entry numbers the chart sums its months with one plain join
#: instead (a journal whose dates zigzag at nearly every entry): the same figures, more work.
MAX_RANGES = 2000

#: Beyond this many entries posted since the months were last summed, they are summed
#: afresh rather than by adding the new entries' postings to the sums kept.
MAX_ADDED = 5000

#: The funds whose months this process keeps summed (the newest few databases it reads).
MAX_FUNDS_KEPT = 8


@dataclass(frozen=True)
class _Summed:
    """The months' movements over the entries up to ``number``, whose hash is ``hash``."""

    banks: tuple[str, ...]
    number: int
    hash: str
    moves: dict[tuple[int, int], tuple[int, int]] = field(repr=False)


_summed: OrderedDict[str, _Summed] = OrderedDict()
_summed_lock = threading.Lock()


def movements(session: Session, banks: tuple[str, ...]) -> dict[tuple[int, int], tuple]:
    """(year, month) → (movement of the banks, movement of 2000), over the whole journal.

    The journal is append-only and hash-chained: while entry N still has the hash it
    had, entries 1…N are the ones summed before, so their months' movements are
    still right and only the entries posted since need adding. This process keeps
    the sums of the funds it read last, keyed by database and checked against the
    hash of the last entry summed (a database emptied and filled again, or restored,
    no longer has it and is summed afresh). Entry numbers are gapless and taken
    under the journal head's lock, so the entries a transaction sees are always
    1…its highest: two statements on a warm fund (the head, then the postings
    since), five on a cold one.
    """
    key = session.get_bind().url.render_as_string(hide_password=True)
    with _summed_lock:
        kept = _summed.get(key)
    head, kept_hash = _head(session, kept.number if kept else None)
    if head is None:
        return {}
    number, hash_ = head
    if (
        kept is not None
        and kept.banks == banks
        and kept_hash == kept.hash
        and number - kept.number <= MAX_ADDED
    ):
        moves = dict(kept.moves)
        added = _moves_by_join(session, banks, after=kept.number, upto=number)
        for month, (cash, owed) in added.items():
            before = moves.get(month, (0, 0))
            moves[month] = (before[0] + cash, before[1] + owed)
        summed_to = number
    else:
        moves, summed_to = _moves_in_full(session, banks)
    if summed_to == number:  # not when entries were committed between the statements
        with _summed_lock:
            _summed[key] = _Summed(banks, number, hash_, moves)
            _summed.move_to_end(key)
            while len(_summed) > MAX_FUNDS_KEPT:
                _summed.popitem(last=False)
    return moves


def _head(session: Session, kept: int | None) -> tuple[tuple[int, str] | None, str | None]:
    """The last entry's (number, hash), and the hash entry ``kept`` has now: one statement."""
    last = select(func.max(JournalEntry.number)).scalar_subquery()
    rows = session.execute(
        select(JournalEntry.number, JournalEntry.hash).where(
            JournalEntry.number.in_([last, -1 if kept is None else kept])
        )
    ).all()
    if not rows:
        return None, None
    hashes = dict(rows)
    top = max(hashes)
    return (top, hashes[top]), hashes.get(kept)


def _moves_in_full(session: Session, banks: tuple[str, ...]) -> tuple[dict, int]:
    """The months' movements summed over every entry, and the highest entry summed.

    Summing the postings of a month means knowing each posting's value date, which
    lives on its entry: joining every posting to its entry is what made this slow on
    a large journal. Entry numbers only grow and value dates mostly follow them, so
    the months are sums over *ranges of entry numbers* instead:

    1. each value date with its lowest and highest entry number, found by seeking
       in the index on ``(value_date, number)`` (a few seeks per day, not a pass over
       every entry);
    2. a day whose range reaches over the start of another day's (a day an entry was
       back-dated into) has its entries fetched, as runs of consecutive numbers;
    3. so does any day whose range still overlaps another day's range or run;
       every other day's range holds only that day's entries (an entry of another day
       inside it would make the two overlap);
    4. touching ranges of a month are merged and each is summed per side from the
       index on ``(account_id, entry_number, amount)``, without reading a row.

    Exact whatever the order of the dates; a journal whose dates zigzag at nearly
    every entry (over :data:`MAX_RANGES` ranges) is summed by one join of postings to
    entries instead. Four statements either way (one when nothing is posted yet).
    """
    days = _days(session)
    if not days:
        return {}, 0
    top = max(high for _day, _low, high in days)
    highest = {day: high for day, _low, high in days}
    pieces = [(low, high, day, False) for day, low, high in days]
    runs = _runs(session, _overlapping(pieces, reaching_only=True), highest, top)
    pieces = [p for p in pieces if p[2] not in runs] + [
        (low, high, day, True) for day, spans in runs.items() for low, high in spans
    ]
    more = _runs(session, _overlapping(pieces), highest, top)
    pieces = [p for p in pieces if p[2] not in more] + [
        (low, high, day, True) for day, spans in more.items() for low, high in spans
    ]
    ranges = _merged([(low, high, (day.year, day.month)) for low, high, day, _ in pieces])
    if len(ranges) > MAX_RANGES:
        return _moves_by_join(session, banks, after=0, upto=top), top
    return _moves_by_range(session, ranges, banks), top


def _days(session: Session) -> list[tuple[date, int, int]]:
    """(value date, lowest entry number, highest), by date: a skip scan of the index."""
    later = aliased(JournalEntry)
    days = select(func.min(JournalEntry.value_date).label("day")).cte("days", recursive=True)
    days = days.union_all(
        select(
            select(func.min(later.value_date))
            .where(later.value_date > days.c.day)
            .scalar_subquery()
        ).where(days.c.day.is_not(None))
    )
    first, last = aliased(JournalEntry), aliased(JournalEntry)
    rows = session.execute(
        select(
            days.c.day,
            select(func.min(first.number)).where(first.value_date == days.c.day).scalar_subquery(),
            select(func.max(last.number)).where(last.value_date == days.c.day).scalar_subquery(),
        ).where(days.c.day.is_not(None))
    )
    return [(day, low, high) for day, low, high in rows]


def _overlapping(pieces: list[tuple], *, reaching_only: bool = False) -> set[date]:
    """The days of the ranges (not runs) that overlap another piece; ``reaching_only``:
    only those whose range reaches over the start of a later one."""
    ordered = sorted(pieces)
    found, reach = set(), 0
    for i, (low, high, day, exact) in enumerate(ordered):
        after = ordered[i + 1][0] if i + 1 < len(ordered) else None
        reaches = after is not None and high >= after
        if not exact and (reaches or (not reaching_only and low <= reach)):
            found.add(day)
        reach = max(reach, high)
    return found


def _runs(session: Session, days: set[date], highest: dict, top: int) -> dict[date, list]:
    """The entries of ``days`` as runs of consecutive numbers: day → [(first, last)].

    Numbers only, by day then number: a day's list ends at its highest number. None
    posted since the days were read (``top``) is taken.
    """
    numbers = session.scalars(
        select(JournalEntry.number)
        .where(JournalEntry.value_date.in_(sorted(days)), JournalEntry.number <= top)
        .order_by(JournalEntry.value_date, JournalEntry.number)
    ).all()
    runs: dict[date, list] = {}
    position = 0
    for day in sorted(days):
        spans = runs[day] = []
        while position < len(numbers):
            number = numbers[position]
            position += 1
            if spans and spans[-1][1] + 1 == number:
                spans[-1] = (spans[-1][0], number)
            else:
                spans.append((number, number))
            if number == highest[day]:
                break
    return runs


def _merged(pieces: list[tuple[int, int, tuple[int, int]]]) -> list[tuple[int, int, tuple]]:
    """Ranges of entry numbers, each of one month: touching pieces of a month joined."""
    ranges: list[tuple[int, int, tuple]] = []
    for low, high, month in sorted(pieces):
        if ranges and ranges[-1][2] == month and ranges[-1][1] + 1 == low:
            ranges[-1] = (ranges[-1][0], high, month)
        else:
            ranges.append((low, high, month))
    return ranges


def _moves_by_range(session: Session, ranges: list, banks: tuple[str, ...]) -> dict:
    """(year, month) → (movement of the banks, movement of 2000), for each month with a
    posting on either side (a sum over no posting is NULL), one sum per range and side."""
    spans = values(column("low", Integer), column("high", Integer), name="spans")
    spans = spans.data([(low, high) for low, high, _month in ranges]).cte("spans")

    def moved(codes):
        return (
            select(cast(func.sum(Posting.amount), BigInteger))
            .where(
                Posting.account_id.in_(select(Account.id).where(Account.code.in_(codes))),
                Posting.entry_number.between(spans.c.low, spans.c.high),
            )
            .scalar_subquery()
        )

    month_of_range = {low: month for low, _high, month in ranges}
    moves: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    rows = session.execute(select(spans.c.low, moved(banks), moved([AWARDS_PAYABLE])))
    for low, cash, owed in rows:
        if cash is None and owed is None:
            continue
        month = moves[month_of_range[low]]
        month[0] += int(cash or 0)
        month[1] += int(owed or 0)
    return {month: (cash, owed) for month, (cash, owed) in moves.items()}


def _moves_by_join(session: Session, banks: tuple[str, ...], *, after: int, upto: int) -> dict:
    """The same sums for the entries after ``after`` up to ``upto``, by joining each
    posting of those accounts to its entry's date."""
    rows = session.execute(
        select(JournalEntry.value_date, Account.code, summed(Posting.amount))
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .join(Account, Account.id == Posting.account_id)
        .where(
            Account.code.in_([*banks, AWARDS_PAYABLE]),
            Posting.entry_number > after,
            Posting.entry_number <= upto,
        )
        .group_by(JournalEntry.value_date, Account.code)
    )
    moves: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for day, code, total in rows:
        moves[(day.year, day.month)][0 if code != AWARDS_PAYABLE else 1] += int(total)
    return {month: (cash, owed) for month, (cash, owed) in moves.items()}


def forget() -> None:
    """Keep no month summed in this process: the next :func:`movements` sums afresh
    (tests and benchmarks that time or check the first request)."""
    with _summed_lock:
        _summed.clear()
