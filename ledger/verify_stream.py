"""The journal's chain checked at the speed of reading: one streamed query, no ORM objects.

:func:`verify_chain` reads the entries and the postings in two ordered queries, one
table each, merged as they stream (plain tuples from psycopg server-side cursors on
PostgreSQL, Core ``yield_per`` elsewhere: no join, no entry columns repeated on every
posting line), and rebuilds
each entry's canonical JSON with :func:`canonical_json_of_rows` — the same bytes as
:func:`ledger.chain.canonical_json` (``tests/integration/test_verify.py`` proves
it on real entries), written out directly in the canonical key order instead of
building a dict and sorting it. Started from a signed checkpoint, it reads only
the entries after it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) uses

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.models import JournalEntry, Posting

_STREAM = 5000


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _int(value: int | None) -> str:
    return "null" if value is None else str(value)


def canonical_json(entry, postings, codes) -> str:
    """Byte for byte :func:`ledger.chain.canonical_json`: compact, keys sorted, strings
    escaped as ``json.dumps(..., ensure_ascii=False)`` does, postings in the given order.
    ``entry`` and each posting may be any objects with the columns as attributes."""
    lines = ",".join(
        f'{{"account":{_text(code)},"amount":{p.amount},"asset_id":{_int(p.asset_id)},'
        f'"award_id":{_int(p.award_id)},"case_id":{_int(p.case_id)},'
        f'"currency":{_text(p.currency)},"line":{p.line},'
        f'"original_amount":{p.original_amount},"victim_id":{_int(p.victim_id)}}}'
        for p, code in zip(postings, codes, strict=True)
    )
    posted_at = entry.posted_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    return (
        f'{{"created_by":{_text(entry.created_by)},"event":{_text(entry.event)},'
        f'"idempotency_key":{_text(entry.idempotency_key)},"memo":{_text(entry.memo)},'
        f'"number":{entry.number},"posted_at":"{posted_at}","postings":[{lines}],'
        f'"reverses":{_int(entry.reverses)},"source_id":{_int(entry.source_id)},'
        f'"source_type":{_text(entry.source_type)},'
        f'"value_date":"{entry.value_date.isoformat()}"}}'
    )


def entry_hash(entry, postings, codes) -> str:
    payload = entry.prev_hash + canonical_json(entry, postings, codes)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


#: Column positions in a streamed entry row, then in a streamed posting row.
(NUMBER, VALUE_DATE, POSTED_AT, MEMO, EVENT, SOURCE_TYPE, SOURCE_ID, REVERSES, CREATED_BY,
 IDEMPOTENCY_KEY, PREV_HASH, HASH) = range(12)  # fmt: skip
(ENTRY_NUMBER, LINE, ACCOUNT_ID, AMOUNT, ORIGINAL_AMOUNT, CURRENCY, CASE_ID, VICTIM_ID,
 AWARD_ID, ASSET_ID) = range(10)  # fmt: skip


def _queries(after: int, through: int):
    """The entries numbered in (after, through] and their postings: two ordered reads of
    one table each, which the server streams as they are stored (no join, and no entry
    columns repeated on every posting line)."""
    e, p = JournalEntry.__table__.c, Posting.__table__.c
    entries = (
        select(e.number, e.value_date, e.posted_at, e.memo, e.event, e.source_type,
               e.source_id, e.reverses, e.created_by, e.idempotency_key, e.prev_hash, e.hash)
        .where(e.number > after, e.number <= through)
        .order_by(e.number)
    )  # fmt: skip
    postings = (
        select(p.entry_number, p.line, p.account_id, p.amount, p.original_amount, p.currency,
               p.case_id, p.victim_id, p.award_id, p.asset_id)
        .where(p.entry_number > after, p.entry_number <= through)
        .order_by(p.entry_number, p.line)
    )  # fmt: skip
    return entries, postings


def _stream(session: Session, query, name: str) -> Iterator[tuple]:
    """Rows of ``query`` as plain tuples, a batch at a time, in the session's transaction:
    on PostgreSQL straight from a psycopg server-side cursor (its dates and times are
    already Python values), elsewhere through SQLAlchemy Core, whose types turn SQLite's
    text into them."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        compiled = query.compile(dialect=bind.dialect)
        raw = session.connection().connection.dbapi_connection
        with raw.cursor(name=name) as cursor:
            cursor.itersize = _STREAM
            cursor.execute(str(compiled), compiled.params)
            while batch := cursor.fetchmany(_STREAM):
                yield from batch
        return
    rows = session.connection().execution_options(stream_results=True, yield_per=_STREAM)
    yield from rows.execute(query)


def stream_entries(session: Session, after: int = 0) -> Iterator[tuple[tuple, list[tuple]]]:
    """Yield ``(entry, postings)`` rows for every entry numbered after ``after`` (a
    posting-less entry has no postings), merging the two ordered streams of
    :func:`_queries`. Both stop at the last entry numbered when the read began, so a
    statement's fresh snapshot (READ COMMITTED) sees the same entries and postings: an
    entry and its postings commit together and are never changed. A posting whose entry
    is not in the journal is left out, as the join left it out (verify counts the
    postings it saw against the table)."""
    e = JournalEntry.__table__.c
    through = session.scalar(select(func.coalesce(func.max(e.number), 0)))
    entries_query, postings_query = _queries(after, through)
    postings = _stream(session, postings_query, "fundledger_verify_postings")
    try:
        pending = next(postings, None)
        for entry in _stream(session, entries_query, "fundledger_verify_entries"):
            number, legs = entry[NUMBER], []
            while pending is not None and pending[ENTRY_NUMBER] <= number:
                if pending[ENTRY_NUMBER] == number:
                    legs.append(pending)
                pending = next(postings, None)
            yield entry, legs
    finally:
        postings.close()


#: JSON of the few short strings that repeat on every entry (codes, currencies, events,
#: authors), encoded once; bounded so a journal of unique values cannot grow it.
_ENCODED: dict[str | None, str] = {None: "null"}
_ENCODED_MAX = 4096


def _repeated(value: str | None) -> str:
    encoded = _ENCODED.get(value)
    if encoded is None:
        encoded = encode_basestring(value)
        if len(_ENCODED) < _ENCODED_MAX:
            _ENCODED[value] = encoded
    return encoded


def canonical_json_of_rows(entry: tuple, postings: list[tuple], codes: dict[int, str]) -> str:
    """:func:`canonical_json` of streamed rows (positions, not attributes): the same bytes.
    Written for speed (it runs once per entry of a verify): integers and NULLs inline,
    repeated strings encoded once."""
    lines = ",".join(
        [
            f'{{"account":{_repeated(codes.get(p[ACCOUNT_ID], "?"))},"amount":{p[AMOUNT]},'
            f'"asset_id":{"null" if p[ASSET_ID] is None else p[ASSET_ID]},'
            f'"award_id":{"null" if p[AWARD_ID] is None else p[AWARD_ID]},'
            f'"case_id":{"null" if p[CASE_ID] is None else p[CASE_ID]},'
            f'"currency":{_repeated(p[CURRENCY])},"line":{p[LINE]},'
            f'"original_amount":{p[ORIGINAL_AMOUNT]},'
            f'"victim_id":{"null" if p[VICTIM_ID] is None else p[VICTIM_ID]}}}'
            for p in postings
        ]
    )
    posted_at = entry[POSTED_AT]
    if posted_at.tzinfo is not None:
        posted_at = posted_at.replace(tzinfo=None)
    key, memo = entry[IDEMPOTENCY_KEY], entry[MEMO]
    reverses, source_id = entry[REVERSES], entry[SOURCE_ID]
    return (
        f'{{"created_by":{_repeated(entry[CREATED_BY])},"event":{_repeated(entry[EVENT])},'
        f'"idempotency_key":{"null" if key is None else encode_basestring(key)},'
        f'"memo":{"null" if memo is None else encode_basestring(memo)},'
        f'"number":{entry[NUMBER]},'
        f'"posted_at":"{posted_at.isoformat(timespec="microseconds")}","postings":[{lines}],'
        f'"reverses":{"null" if reverses is None else reverses},'
        f'"source_id":{"null" if source_id is None else source_id},'
        f'"source_type":{_repeated(entry[SOURCE_TYPE])},'
        f'"value_date":"{entry[VALUE_DATE].isoformat()}"}}'
    )


class Tally:
    """The streamed postings summed per month (and per account, per award subledger), so
    that a full verify checks the balances and the snapshots without reading the postings
    a second time. ``award_accounts``: the accounts kept per award (overdraft scope)."""

    def __init__(self, award_accounts: set[int]):
        self.award_accounts = award_accounts
        self.postings = 0
        self.entries_by: dict[str, int] = defaultdict(int)
        #: month -> account -> [amount, original, postings]
        self.accounts_by: dict[str, dict] = defaultdict(dict)
        #: month -> (account, award) -> [min currency, amount, original, {currencies}]
        self.subledgers_by: dict[str, dict] = defaultdict(dict)

    def add(self, entry: tuple, postings: list[tuple]) -> None:
        day = entry[VALUE_DATE]
        month = f"{day.year:04d}-{day.month:02d}"
        self.entries_by[month] += 1
        self.postings += len(postings)
        accounts = self.accounts_by[month]
        for p in postings:
            account, amount, original = p[ACCOUNT_ID], p[AMOUNT], p[ORIGINAL_AMOUNT]
            total = accounts.get(account)
            if total is None:
                accounts[account] = [amount, original, 1]
            else:
                total[0] += amount
                total[1] += original
                total[2] += 1
            if account in self.award_accounts:
                key, currency = (account, p[AWARD_ID]), p[CURRENCY]
                sub = self.subledgers_by[month].get(key)
                if sub is None:
                    self.subledgers_by[month][key] = [currency, amount, original, {currency}]
                else:
                    sub[0] = min(sub[0], currency)
                    sub[1] += amount
                    sub[2] += original
                    sub[3].add(currency)

    def balance_sums(self):
        """``(sums, award_sums, award_currencies)`` over all months, as verify's SQL sums."""
        sums: dict[int, tuple[int, int, int]] = {}
        for accounts in self.accounts_by.values():
            for account, (amount, original, count) in accounts.items():
                a, o, c = sums.get(account, (0, 0, 0))
                sums[account] = (a + amount, o + original, c + count)
        award_sums: dict[tuple, tuple[int, int]] = {}
        award_currencies: dict[tuple, set[str]] = defaultdict(set)
        for subledgers in self.subledgers_by.values():
            for key, (_, amount, original, currencies) in subledgers.items():
                a, o = award_sums.get(key, (0, 0))
                award_sums[key] = (a + amount, o + original)
                award_currencies[key] |= currencies
        return sums, award_sums, dict(award_currencies)

    def movements(self):
        """What :func:`ledger.snapshots.month_movements` would return over every month."""
        accounts = {
            month: {k: tuple(v) for k, v in by.items()} for month, by in self.accounts_by.items()
        }
        subledgers = {
            month: {k: (v[0], v[1], v[2]) for k, v in by.items() if k[1] is not None}
            for month, by in self.subledgers_by.items()
        }
        return dict(self.entries_by), accounts, subledgers


def verify_chain(
    session: Session,
    codes: dict[int, str],
    result,
    after: int = 0,
    prev_hash: str | None = None,
    tally: Tally | None = None,
) -> None:
    """Numbering from ``after + 1``, the previous-hash links from ``prev_hash``, each hash,
    two postings at least and a zero sum, for every entry after ``after``; problems go to
    ``result`` (a :class:`ledger.verify.VerifyResult`) with the messages verify always gave."""
    expected_number = after + 1
    if prev_hash is None:
        prev_hash = result.head_hash
    problems = result.problems
    sha256 = hashlib.sha256
    count = 0
    for entry, postings in stream_entries(session, after):
        number = entry[NUMBER]
        if number != expected_number:
            problems.append(f"entry {number}: numbering gap, expected entry {expected_number}")
        if entry[PREV_HASH] != prev_hash:
            problems.append(
                f"entry {number}: prev_hash does not match the hash of the entry before it"
            )
        payload = entry[PREV_HASH] + canonical_json_of_rows(entry, postings, codes)
        if sha256(payload.encode("utf-8")).hexdigest() != entry[HASH]:
            problems.append(f"entry {number}: hash does not match its contents (altered?)")
        if len(postings) < 2:
            problems.append(f"entry {number}: has fewer than two postings")
        total = sum(p[AMOUNT] for p in postings)
        if total != 0:
            problems.append(f"entry {number}: postings sum to {total}, not zero")
        if tally is not None:
            tally.add(entry, postings)
        expected_number = number + 1
        prev_hash = entry[HASH]
        count += 1
    result.entries += count
    if count:
        result.head_hash = prev_hash
