"""Properties of the posting service over random histories (SPEC §2).

Each example starts from a freshly initialised fund, plays a random history
through :func:`post_entry` / :func:`reverse_entry` / :func:`close_month` while
a plain-Python model predicts every outcome (accepted, overdraft, closed
period, conflict), and then checks that the running balances, the balances
as of any date, the trial balance and the hash chain all agree with the model.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.balances import account_activity, balances_as_of, current_balances, trial_balance
from ledger.errors import (
    Conflict,
    IdempotencyConflict,
    Invalid,
    LedgerError,
    Overdraft,
    PeriodClosed,
)
from ledger.fx import import_rates, parse_ecb_csv, to_functional
from ledger.journal import Line, post_entry, reverse_entry
from ledger.models import (
    Account,
    AccountBalance,
    JournalEntry,
    JournalHead,
    Posting,
    SubledgerBalance,
)
from ledger.money import Money
from ledger.periods import close_month, month_of
from ledger.verify import verify_journal
from tests.conftest import DATA, OPERATOR, named
from tests.property.strategies import (
    FOREIGN,
    Adjustment,
    AdminCost,
    CloseMonth,
    Donation,
    History,
    PayAward,
    RegisterAward,
    Retry,
    Reverse,
    SeizeForeignCash,
    alter_behind_the_back,
    histories,
)

FUNCTIONAL = "EUR"
USER = "property-test"
TODAY = date(2026, 12, 31)
RATES = [
    r
    for r in parse_ecb_csv((DATA / "eurofxref-hist-sample.csv").read_text())
    if r.currency in FOREIGN
]

PROPERTY_SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
    # FUNDLEDGER_PROPERTY_EXAMPLES=500 for a longer hunt; 25 keeps the suite quick.
    max_examples=int(os.environ.get("FUNDLEDGER_PROPERTY_EXAMPLES", "25")),
)


# -- the model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    code: str
    amount: int
    original: int
    currency: str
    award_id: int | None = None

    def line(self) -> Line:
        return Line(
            self.code, self.amount, Money(self.original, self.currency), award_id=self.award_id
        )

    def reversed(self) -> Leg:
        return replace(self, amount=-self.amount, original=-self.original)


def eur(code: str, amount: int, award_id: int | None = None) -> Leg:
    return Leg(code, amount, amount, FUNCTIONAL, award_id)


@dataclass(frozen=True)
class Request:
    """What a caller asked :func:`post_entry` for (kept to retry it)."""

    day: date
    legs: tuple[Leg, ...]
    memo: str
    event: str
    key: str | None = None

    def kwargs(self) -> dict:
        return {
            "value_date": self.day,
            "memo": self.memo,
            "event": self.event,
            "lines": [leg.line() for leg in self.legs],
            "actor": named(USER),
            "idempotency_key": self.key,
        }


@dataclass(frozen=True)
class Posted:
    number: int
    day: date
    legs: tuple[Leg, ...]
    reverses: int | None
    request: Request | None


class Model:
    """What the books must say, computed without the database."""

    def __init__(self, award_currencies: dict[int, str]):
        self.award_currencies = award_currencies
        self.entries: list[Posted] = []
        self.reversed: set[int] = set()
        self.closed_up_to: str | None = None

    def balances(self, as_of: date | None = None) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for entry in self.entries:
            if as_of is None or entry.day <= as_of:
                for leg in entry.legs:
                    totals[leg.code] += leg.amount
        return totals

    def leg_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for entry in self.entries:
            for leg in entry.legs:
                counts[leg.code] += 1
        return counts

    def awards(self, as_of: date | None = None) -> dict[int, tuple[int, int]]:
        """(functional, original) debit-positive balance of each award touched in 2000."""
        totals: dict[int, list[int]] = {}
        for entry in self.entries:
            if as_of is not None and entry.day > as_of:
                continue
            for leg in entry.legs:
                if leg.code == "2000":
                    pair = totals.setdefault(leg.award_id, [0, 0])
                    pair[0] += leg.amount
                    pair[1] += leg.original
        return {award: (f, o) for award, (f, o) in totals.items()}

    def is_closed(self, day: date) -> bool:
        return self.closed_up_to is not None and month_of(day) <= self.closed_up_to

    def would_overdraw(self, day: date, legs: tuple[Leg, ...]) -> bool:
        """Overdrawn now, or as of ``day`` or any later day with entries (a back-dated outflow
        must not make a past balance negative either)."""
        later = sorted({e.day for e in self.entries if e.day >= day} | {day})
        return any(self._overdrawn(as_of, legs) for as_of in [None, *later])

    def _overdrawn(self, as_of: date | None, legs: tuple[Leg, ...]) -> bool:
        bank = self.balances(as_of).get("1000", 0)
        bank += sum(g.amount for g in legs if g.code == "1000")
        if bank < 0:
            return True
        awards = self.awards(as_of)
        for award in {g.award_id for g in legs if g.code == "2000"}:
            mine = [g for g in legs if g.code == "2000" and g.award_id == award]
            functional, original = awards.get(award, (0, 0))
            functional += sum(g.amount for g in mine)
            original += sum(g.original for g in mine)
            if functional > 0 or original > 0:  # a liability: credit-positive on its normal side
                return True
        return False


# -- playing a history -------------------------------------------------------------------


class Player:
    def __init__(self, session: Session, model: Model):
        self.session = session
        self.model = model
        self.refused: dict[str, int] = defaultdict(int)

    def play(self, history: History) -> None:
        for index, operation in enumerate(history.operations):
            getattr(self, f"_{type(operation).__name__}")(index, operation)
            self.check_no_overdraft()

    # each operation

    def _Donation(self, index: int, op: Donation) -> None:
        legs = (eur("1000", op.amount), eur("4200", -op.amount))
        self.post(
            Request(op.day, legs, f"{op.note}#{index}", "receipt.donation", self.key(index, op))
        )

    def _AdminCost(self, index: int, op: AdminCost) -> None:
        legs = (eur("5500", op.amount), eur("1000", -op.amount))
        self.post(
            Request(
                op.day, legs, f"admin cost #{index}", "expense.administrative", self.key(index, op)
            )
        )

    def _Adjustment(self, index: int, op: Adjustment) -> None:
        legs = tuple(eur(code, amount) for code, amount in op.legs)
        self.post(
            Request(op.day, legs, f"adjustment #{index}", "journal.manual", self.key(index, op))
        )

    def _SeizeForeignCash(self, index: int, op: SeizeForeignCash) -> None:
        value = self.functional(op.amount, op.currency, op.day)
        legs = (
            Leg("1010", value, op.amount, op.currency),
            Leg("2100", -value, -op.amount, op.currency),
        )
        self.post(Request(op.day, legs, f"cash seized #{index}", "asset.seized"))

    def _RegisterAward(self, index: int, op: RegisterAward) -> None:
        currency = self.model.award_currencies[op.award]
        value = self.functional(op.amount, currency, op.day)
        legs = (
            Leg("5000", value, op.amount, currency, op.award),
            Leg("2000", -value, -op.amount, currency, op.award),
        )
        self.post(Request(op.day, legs, f"award #{index}", "award.registered", self.key(index, op)))

    def _PayAward(self, index: int, op: PayAward) -> None:
        currency = self.model.award_currencies[op.award]
        carrying = self.functional(op.amount, currency, op.day)
        debited = carrying if currency == FUNCTIONAL else max(1, carrying + op.bank_difference)
        legs = [
            Leg("2000", carrying, op.amount, currency, op.award),
            eur("1000", -debited),
        ]
        if debited > carrying:
            legs.append(eur("5400", debited - carrying))
        elif debited < carrying:
            legs.append(eur("4400", debited - carrying))
        self.post(Request(op.day, tuple(legs), f"payment #{index}", "payment.executed"))

    def _Reverse(self, index: int, op: Reverse) -> None:
        if not self.model.entries:
            return
        target = self.model.entries[op.pick % len(self.model.entries)]
        day = op.day if op.early else max(op.day, target.day)
        legs = tuple(leg.reversed() for leg in target.legs)
        if target.reverses is not None or target.number in self.model.reversed:
            expected: type[LedgerError] | None = Conflict
        elif day < target.day:
            expected = Invalid
        else:
            expected = self.expected_refusal(day, legs)
        call = {"value_date": day, "memo": f"reversal #{index}", "actor": named(USER)}
        if expected is not None:
            self.refuse(expected, reverse_entry, self.session, target.number, **call)
            return
        entry = reverse_entry(self.session, target.number, **call)
        self.session.commit()
        assert entry.number == len(self.model.entries) + 1
        assert entry.reverses == target.number
        self.model.entries.append(Posted(entry.number, day, legs, target.number, None))
        self.model.reversed.add(target.number)

    def _Retry(self, index: int, op: Retry) -> None:
        keyed = [e for e in self.model.entries if e.request and e.request.key]
        if not keyed:
            return
        original = keyed[op.pick % len(keyed)]
        request = original.request
        if op.change_memo:
            changed = replace(request, memo=request.memo + " (changed)")
            self.refuse(IdempotencyConflict, post_entry, self.session, **changed.kwargs())
            return
        head_before = self.head()
        # A replay returns the first entry even if its month has been closed since.
        entry = post_entry(self.session, **request.kwargs())
        self.session.commit()
        assert entry.number == original.number
        assert self.head() == head_before

    def _CloseMonth(self, index: int, op: CloseMonth) -> None:
        if self.model.closed_up_to is not None and op.month <= self.model.closed_up_to:
            self.refuse(
                Conflict, close_month, self.session, op.month, actor=named(USER), today=TODAY
            )
            return
        close_month(self.session, op.month, actor=named(USER), today=TODAY)
        self.session.commit()
        self.model.closed_up_to = op.month
        # Then try to post into the month just closed, on its last day.
        year, month = map(int, op.month.split("-"))
        last_day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        legs = (eur("1000", 100), eur("4200", -100))
        self.post(Request(last_day, legs, f"late receipt #{index}", "receipt.donation"))

    # helpers

    def key(self, index: int, op) -> str | None:
        return f"key-{index}" if op.keyed else None

    def functional(self, minor: int, currency: str, day: date) -> int:
        return to_functional(self.session, Money(minor, currency), day, FUNCTIONAL)

    def expected_refusal(self, day: date, legs: tuple[Leg, ...]) -> type[LedgerError] | None:
        if self.model.is_closed(day):
            return PeriodClosed
        if self.model.would_overdraw(day, legs):
            return Overdraft
        return None

    def post(self, request: Request) -> None:
        expected = self.expected_refusal(request.day, request.legs)
        if expected is not None:
            self.refuse(expected, post_entry, self.session, **request.kwargs())
            return
        entry = post_entry(self.session, **request.kwargs())
        self.session.commit()
        assert entry.number == len(self.model.entries) + 1
        self.model.entries.append(Posted(entry.number, request.day, request.legs, None, request))

    def refuse(self, expected: type[LedgerError], call, *args, **kwargs) -> None:
        head_before = self.head()
        with pytest.raises(LedgerError) as info:
            call(*args, **kwargs)
        assert type(info.value) is expected, info.value
        self.session.rollback()
        self.refused[expected.__name__] += 1
        assert self.head() == head_before

    def head(self) -> tuple[int, str]:
        head = self.session.get(JournalHead, 1, populate_existing=True)
        state = (head.last_number, head.last_hash)
        self.session.rollback()
        return state

    def check_no_overdraft(self) -> None:
        """No no-overdraft balance is ever on the wrong side of zero, after any step."""
        bank = self.session.scalar(
            select(AccountBalance.balance)
            .join(Account, Account.id == AccountBalance.account_id)
            .where(Account.code == "1000")
        )
        assert bank >= 0
        for row in self.session.execute(
            select(
                SubledgerBalance.award_id,
                SubledgerBalance.balance,
                SubledgerBalance.original_balance,
            )
        ):
            assert row.balance <= 0 and row.original_balance <= 0, row
        self.session.rollback()


def play(session_factory, history: History) -> Model:
    model = Model(history.award_currencies)
    with session_factory() as session:
        import_rates(session, OPERATOR, RATES, source="eurofxref-hist-sample.csv")
        session.commit()
        player = Player(session, model)
        player.play(history)
    event(f"entries: {min(len(model.entries) // 10 * 10, 30)}+")
    for kind in player.refused:
        event(f"refused: {kind}")
    return model


# -- the properties ----------------------------------------------------------------------


def postings_sums(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Account.code, func.coalesce(func.sum(Posting.amount), 0))
        .outerjoin(Posting, Posting.account_id == Account.id)
        .group_by(Account.code)
    )
    return {code: int(total) for code, total in rows}


def with_zeros(balances: dict[str, int], codes) -> dict[str, int]:
    return {code: balances.get(code, 0) for code in codes}


def check_account_activity(session: Session, model: Model, code: str, per_page: int, since):
    """The general ledger of ``code``, page by page, runs like the model's postings."""
    legs = [
        (entry.number, entry.day, leg.amount)
        for entry in sorted(model.entries, key=lambda e: (e.day, e.number))
        for leg in entry.legs
        if leg.code == code
    ]
    opening = sum(amount for _, day, amount in legs if since is not None and day < since)
    shown = [(n, amount) for n, day, amount in legs if since is None or day >= since]
    account = session.scalar(select(Account).where(Account.code == code))
    running, page, seen = opening, 1, []
    while True:
        result = account_activity(session, account, since, None, page, per_page)
        assert result.opening == opening
        assert result.total == len(shown)
        if not result.lines:
            break
        for line in result.lines:
            running += line.amount
            assert line.running == running
            seen.append((line.entry, line.amount))
        page += 1
    assert seen == shown
    assert running == model.balances().get(code, 0)


@PROPERTY_SETTINGS
@given(
    history=histories(),
    activity=st.tuples(
        st.sampled_from(("1000", "1010", "2000", "4200", "5500")),
        st.integers(min_value=1, max_value=7),
        st.booleans(),
    ),
)
def test_balances_agree_on_random_histories(session_factory, reset_database, history, activity):
    reset_database()
    model = play(session_factory, history)

    with session_factory() as session:
        current = current_balances(session)
        codes = sorted(current)
        # the running balance of every account is the sum of its postings, and the model's
        assert postings_sums(session) == current
        assert with_zeros(model.balances(), codes) == current
        counts = dict(
            session.execute(
                select(Account.code, AccountBalance.postings).join(
                    AccountBalance, AccountBalance.account_id == Account.id
                )
            ).all()
        )
        assert counts == with_zeros(model.leg_counts(), codes)

        # balances as of any date on or after the last value date are the current ones
        last_day = max(entry.day for entry in model.entries) if model.entries else date(2026, 1, 1)
        assert balances_as_of(session, last_day) == current
        assert balances_as_of(session, date(2099, 12, 31)) == current
        # ... and as of a past date, what the entries dated up to it add up to
        assert balances_as_of(session, history.probe) == with_zeros(
            model.balances(history.probe), codes
        )

        # the trial balance balances, now and then
        for as_of in (None, history.probe):
            trial = trial_balance(session, as_of)
            assert trial.total_debit == trial.total_credit
            dated = [e for e in model.entries if as_of is None or e.day <= as_of]
            assert trial.entries == len(dated)

        # the award subledger agrees with the model, and no award is overdrawn
        stored_awards = {
            row.award_id: (row.balance, row.original_balance)
            for row in session.scalars(select(SubledgerBalance))
        }
        assert stored_awards == model.awards()
        assert all(f <= 0 and o <= 0 for f, o in stored_awards.values())
        assert current["1000"] >= 0

        # reversals link both ways
        for posted in model.entries:
            entry = session.get(JournalEntry, posted.number)
            assert entry.value_date == posted.day
            if posted.request is not None:
                assert entry.memo == posted.request.memo
            assert entry.reverses == posted.reverses
            if posted.number in model.reversed:
                assert entry.reversed_by is not None
                assert entry.reversed_by.reverses == posted.number
            else:
                assert entry.reversed_by is None

        # an account's general ledger, page by page, from the start or from the probe date
        code, per_page, from_probe = activity
        check_account_activity(
            session, model, code, per_page, history.probe if from_probe else None
        )

        # the hash chain and every stored balance verify
        result = verify_journal(session)
        assert result.ok, result.problems
        assert result.entries == len(model.entries)
        assert session.get(JournalHead, 1).last_hash == result.head_hash


# -- tampering ---------------------------------------------------------------------------

ENTRY_COLUMNS = (
    "number",
    "value_date",
    "posted_at",
    "memo",
    "event",
    "source_type",
    "source_id",
    "reverses",
    "created_by",
    "idempotency_key",
    "prev_hash",
    "hash",
)
# ``postings.id`` is a surrogate key outside the hashed content: not a field of the books.
POSTING_COLUMNS = (
    "entry_number",
    "line",
    "account_id",
    "amount",
    "original_amount",
    "currency",
    "case_id",
    "victim_id",
    "award_id",
    "asset_id",
)


def _away_from_zero(value: int, other: int) -> int:
    """Change an amount by one minor unit without breaking the same-sign CHECK."""
    sign = value or other
    return value + (1 if sign > 0 else -1)


def _flip_hex(value: str) -> str:
    return ("1" if value[0] != "1" else "2") + value[1:]


def entry_tampering(session: Session, number: int, column: str):
    """(new value, expected check) for changing ``column`` of entry ``number``."""
    table = JournalEntry.__table__
    row = session.execute(select(table).where(table.c.number == number)).one()
    last = session.scalar(select(func.max(table.c.number)))
    current = getattr(row, column)
    if column == "number":
        # The entry is no longer where the chain expects it: the gap names it.
        return last + 5, lambda problem: f"expected entry {number}" in problem
    if column == "reverses":
        if current is not None:
            new = None
        else:
            taken = set(
                session.scalars(select(table.c.reverses).where(table.c.reverses.is_not(None)))
            )
            free = [n for n in range(1, number) if n not in taken]
            new = free[-1] if free else 0
    else:
        new = {
            "value_date": lambda v: v + timedelta(days=1),
            "posted_at": lambda v: v + timedelta(microseconds=1),
            "memo": lambda v: v + " (altered)",
            "event": lambda v: v + ".altered",
            "source_type": lambda v: "altered" if v is None else v + "x",
            "source_id": lambda v: 1 if v is None else v + 1,
            "created_by": lambda v: v + "x",
            "idempotency_key": lambda v: f"altered-{number}" if v is None else None,
            "prev_hash": _flip_hex,
            "hash": _flip_hex,
        }[column](current)
    return new, lambda problem: problem.startswith(f"entry {number}:")


def posting_tampering(session: Session, posting_id: int, column: str):
    table = Posting.__table__
    row = session.execute(select(table).where(table.c.id == posting_id)).one()
    number = row.entry_number
    if column == "entry_number":
        lines = defaultdict(set)
        for entry_number, line in session.execute(select(table.c.entry_number, table.c.line)):
            lines[entry_number].add(line)
        others = [n for n in sorted(lines) if n != number and row.line not in lines[n]]
        if others:
            other = others[0]
            first = min(number, other)
            return other, lambda problem: problem.startswith(f"entry {first}:")
        return max(lines) + 5, lambda problem: problem.startswith(f"entry {number}:")
    if column == "line":
        used = session.scalar(select(func.max(table.c.line)).where(table.c.entry_number == number))
        new = used + 1
    elif column == "account_id":
        new = session.scalar(
            select(Account.id).where(Account.id != row.account_id).order_by(Account.id).limit(1)
        )
    elif column == "amount":
        new = _away_from_zero(row.amount, row.original_amount)
    elif column == "original_amount":
        new = _away_from_zero(row.original_amount, row.amount)
    elif column == "currency":
        new = "CHF" if row.currency != "CHF" else "USD"
    else:  # a dimension
        value = getattr(row, column)
        new = 1 if value is None else value + 1
    return new, lambda problem: problem.startswith(f"entry {number}:")


@PROPERTY_SETTINGS
@given(
    history=histories(min_operations=5, max_operations=20),
    target=st.one_of(
        st.tuples(st.just("journal_entries"), st.sampled_from(ENTRY_COLUMNS)),
        st.tuples(st.just("postings"), st.sampled_from(POSTING_COLUMNS)),
    ),
    pick=st.integers(min_value=0, max_value=10_000),
)
def test_any_single_field_change_is_detected_by_verify(
    session_factory, reset_database, history, target, pick
):
    reset_database()
    model = play(session_factory, history)
    assert model.entries  # every history starts with an accepted donation
    engine = session_factory.kw["bind"]
    table_name, column = target
    with session_factory() as session:
        assert verify_journal(session).ok
        if table_name == "journal_entries":
            number = model.entries[pick % len(model.entries)].number
            value, names_culprit = entry_tampering(session, number, column)
            table, where = JournalEntry.__table__, JournalEntry.__table__.c.number == number
        else:
            ids = list(session.scalars(select(Posting.id).order_by(Posting.id)))
            posting_id = ids[pick % len(ids)]
            value, names_culprit = posting_tampering(session, posting_id, column)
            table, where = Posting.__table__, Posting.__table__.c.id == posting_id
        session.rollback()

    alter_behind_the_back(engine, table, where, column, value)

    with session_factory() as session:
        result = verify_journal(session)
    assert not result.ok, f"{table_name}.{column} := {value!r} went unnoticed"
    assert names_culprit(result.problems[0]), result.problems
    assert re.match(r"^entry \d+: ", result.problems[0])


def test_a_back_dated_payment_cannot_overdraw_as_of_its_date(db):
    def post(day: date, legs: tuple[Leg, ...]) -> None:
        lines = [leg.line() for leg in legs]
        post_entry(db, value_date=day, memo="", event="e", lines=lines, actor=named(USER))
        db.commit()

    post(date(2026, 3, 2), (eur("1000", 100_00), eur("4200", -100_00)))
    post(date(2026, 3, 2), (eur("5000", 50_00, 1), eur("2000", -50_00, 1)))
    refusals = 0
    for day, legs in [
        (date(2026, 2, 2), (eur("5500", 30_00), eur("1000", -30_00))),
        (date(2026, 3, 1), (eur("2000", 20_00, 1), eur("2200", -20_00))),
    ]:
        try:
            post(day, legs)
        except Overdraft:
            db.rollback()
            refusals += 1
    for day in (date(2026, 2, 2), date(2026, 3, 1)):
        assert balances_as_of(db, day)["1000"] >= 0
        assert balances_as_of(db, day)["2000"] <= 0
    assert refusals == 2
