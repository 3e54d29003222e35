"""Running balances, kept in the transaction that posts, and the no-overdraft rule.

Each account has one row of ``account_balances`` (functional and, for an
account with a fixed currency, original-currency totals) and each award its
row in ``subledger_balances`` under 2000, so current balances and the trial
balance are O(accounts). An account flagged "no overdraft" (the fund's bank
accounts; each award's part of 2000) never crosses zero (SPEC §2.4): the check
runs after the journal head is locked (every writer takes that lock first, so
two concurrent payments queue and the second sees the first), against the
balances read under that lock.

Only what can cross zero is read: an inflow to a no-overdraft account (a
donation into the bank) cannot, so it is added without reading the balance; an
award's subledger row is always read, for its currency and to know whether it
exists. Every balance is checked before any is changed, so a refusal changes
nothing. The rows themselves are written by :mod:`ledger.posting_sql`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import Invalid, Overdraft
from ledger.models import JournalEntry, Posting
from ledger.models.base import summed
from ledger.money import Money


@dataclass
class Leg:
    """One validated leg of an entry: the line asked for, its account, its original amount."""

    line: object
    account: object  # a ledger.posting_state.ChartAccount
    original: Money
    dims: dict[str, int | None] = field(default_factory=dict)


@dataclass
class Moves:
    """What one entry adds to the running balances (debit-positive), computed before the lock."""

    #: account id -> (functional, original, postings)
    accounts: dict[int, tuple[int, int, int]]
    #: account id -> its legs
    legs_by_account: dict[int, list[Leg]]
    #: (account id, award id) -> its legs, for award-scope accounts
    legs_by_award: dict[tuple[int, int], list[Leg]]
    #: account ids whose balance must be read to check them (outflows of no-overdraft ones)
    to_read: tuple[int, ...]


def moves_of(legs: list[Leg], functional: str) -> Moves:
    by_account: dict[int, list[Leg]] = defaultdict(list)
    by_award: dict[tuple[int, int], list[Leg]] = defaultdict(list)
    for leg in legs:
        by_account[leg.account.id].append(leg)
        if leg.account.overdraft_scope == "award":
            by_award[(leg.account.id, leg.line.award_id)].append(leg)
    accounts, to_read = {}, []
    for account_id in sorted(by_account):
        account_legs = by_account[account_id]
        account = account_legs[0].account
        amount = sum(leg.line.amount for leg in account_legs)
        original = sum(leg.original.minor for leg in account_legs) if account.currency else 0
        accounts[account_id] = (amount, original, len(account_legs))
        if account.overdraft_scope == "account":
            watched = original if _foreign(account, functional) else amount
            if account.on_normal_side(watched) < 0:
                to_read.append(account_id)
    return Moves(accounts, dict(by_account), dict(by_award), tuple(to_read))


def check_moves(
    session: Session,
    moves: Moves,
    functional: str,
    value_date: date,
    balances: dict[int, tuple[int, int]],
    subledgers: dict[tuple[int, int], tuple[str, int, int] | None],
    before_query: Callable[[], None],
) -> dict[tuple[int, int], tuple[str, int, int, bool]]:
    """Refuse any no-overdraft crossing of ``moves``; return the subledger rows after it:
    (account, award) -> (currency, functional, original, existed before).

    ``balances``/``subledgers`` hold (at least) every row ``moves`` needs, as they are
    before this entry; ``before_query`` is called before a query of the postings (a
    batch writes what it holds first, so the query sees it).
    """
    for account_id in moves.to_read:
        account = moves.legs_by_account[account_id][0].account
        amount, original, _ = moves.accounts[account_id]
        balance, original_balance = balances[account_id]
        if _foreign(account, functional):
            _refuse_overdraft(account, original_balance + original, account.currency)
            watch = ("original",)
        else:
            _refuse_overdraft(account, balance + amount, functional)
            watch = ("functional",)
        _refuse_backdated_overdraft(
            session, account, value_date, moves.legs_by_account[account_id], watch, before_query
        )
    after = {}
    for key in sorted(moves.legs_by_award):
        account_id, award_id = key
        award_legs = moves.legs_by_award[key]
        account = award_legs[0].account
        row = subledgers[key]
        currency = row[0] if row is not None else award_legs[0].original.currency
        if any(leg.original.currency != currency for leg in award_legs):
            raise Invalid.field(
                "currency", f"award {award_id} is kept in {currency} in account {account.code}"
            )
        balance = sum(leg.line.amount for leg in award_legs)
        original = sum(leg.original.minor for leg in award_legs)
        if row is not None:
            balance += row[1]
            original += row[2]
        _refuse_overdraft(account, balance, "functional", award_id)
        _refuse_overdraft(account, original, currency, award_id)
        _refuse_backdated_overdraft(
            session,
            account,
            value_date,
            award_legs,
            ("functional", "original"),
            before_query,
            award_id,
        )
        after[key] = (currency, balance, original, row is not None)
    return after


def _foreign(account, functional: str) -> bool:
    """A foreign-currency bank account is overdrawn when its own currency runs out; its
    functional value moves with the rate and is restated at month end."""
    return account.currency is not None and account.currency != functional


def _refuse_backdated_overdraft(
    session: Session,
    account,
    value_date: date,
    legs: list[Leg],
    watch: tuple[str, ...],
    before_query: Callable[[], None],
    award_id: int | None = None,
) -> None:
    """Refuse an outflow that would take the balance past zero as of its date or later.

    A back-dated outflow must also leave the balance on its side as of its own
    date and every later one, or statements as of those dates would show the
    bank overdrawn. Only outflows dated before later postings need it:
    otherwise the running balance is the balance as of every date it touches.
    """
    delta = (sum(leg.line.amount for leg in legs), sum(leg.original.minor for leg in legs))
    if account.on_normal_side(delta[0]) >= 0 and account.on_normal_side(delta[1]) >= 0:
        return
    before_query()
    scope = [Posting.account_id == account.id]
    if award_id is not None:
        scope.append(Posting.award_id == award_id)
    later = session.scalar(
        select(JournalEntry.number)
        .join(Posting, Posting.entry_number == JournalEntry.number)
        .where(JournalEntry.value_date > value_date, *scope)
        .limit(1)
    )
    if later is None:
        return
    daily = session.execute(
        select(JournalEntry.value_date, summed(Posting.amount), summed(Posting.original_amount))
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .where(*scope)
        .group_by(JournalEntry.value_date)
        .order_by(JournalEntry.value_date)
    )
    functional = original = 0
    points = []  # balances as of value_date and as of every later day with postings
    for day, day_functional, day_original in daily:
        if day > value_date and not points:
            points.append((functional, original))  # nothing on value_date itself
        functional += int(day_functional)
        original += int(day_original)
        if day >= value_date:
            points.append((functional, original))
    units = {"functional": 0, "original": 1}
    for point in points:
        for unit in watch:
            index = units[unit]
            _refuse_overdraft(
                account, point[index] + delta[index], f"{unit}, as of a later date", award_id
            )


def _refuse_overdraft(account, debit_positive: int, unit: str, award_id: int | None = None) -> None:
    if account.on_normal_side(debit_positive) >= 0:
        return
    what = f"award {award_id} in account {account.code}" if award_id else f"account {account.code}"
    raise Overdraft(
        f"{what} ({account.name}) would be overdrawn",
        {"amount": [f"exceeds what is available in {what} ({unit})"]},
    )
