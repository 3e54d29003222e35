"""Running balances, kept in the transaction that posts, and the no-overdraft rule.

Each account has one row of ``account_balances`` (functional and, for an
account with a fixed currency, original-currency totals) and each award its
row in ``subledger_balances`` under 2000, so current balances and the trial
balance are O(accounts). An account flagged "no overdraft" (the fund's bank
accounts; each award's part of 2000) never crosses zero: the rows are read
``FOR UPDATE`` after the journal head is locked, so two concurrent payments
queue and the second sees the first (SPEC §2.4).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import Invalid, Overdraft
from ledger.models import Account, AccountBalance, JournalEntry, Posting, SubledgerBalance
from ledger.models.base import summed
from ledger.money import Money


@dataclass
class Leg:
    """One validated leg of an entry: the line asked for, its account, its original amount."""

    line: object
    account: Account
    original: Money
    dims: dict[str, int | None] = field(default_factory=dict)


def apply_balances(session: Session, legs: list[Leg], functional: str, value_date: date) -> None:
    """Add the legs to the running balances, refusing any no-overdraft crossing.

    A back-dated outflow must also leave the balance on its side as of its own
    date and every later one, or statements as of those dates would show the
    bank overdrawn. Every balance is checked before any is changed, so a
    refusal leaves the session exactly as it was.
    """
    by_account: dict[int, list[Leg]] = defaultdict(list)
    for leg in legs:
        by_account[leg.account.id].append(leg)
    updates = []
    for account_id in sorted(by_account):  # one lock order for everyone: no deadlocks
        account_legs = by_account[account_id]
        account = account_legs[0].account
        row = session.scalar(
            select(AccountBalance)
            .where(AccountBalance.account_id == account_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        balance = row.balance + sum(leg.line.amount for leg in account_legs)
        original = row.original_balance
        if account.currency is not None:
            original += sum(leg.original.minor for leg in account_legs)
        if account.overdraft_scope == "account":
            # A foreign-currency bank account is overdrawn when its own currency runs out;
            # its functional value moves with the rate and is restated at month end.
            foreign = account.currency is not None and account.currency != functional
            if foreign:
                _refuse_overdraft(account, original, account.currency)
            else:
                _refuse_overdraft(account, balance, functional)
            _refuse_backdated_overdraft(
                session,
                account,
                value_date,
                account_legs,
                watch=("original",) if foreign else ("functional",),
            )
        updates.append((row, balance, original, len(account_legs)))
        if account.overdraft_scope == "award":
            updates += _subledger_updates(session, account, account_legs, value_date)
    for row, balance, original, count in updates:
        if row not in session:
            session.add(row)
        row.balance, row.original_balance = balance, original
        if count is not None:
            row.postings += count


def _subledger_updates(
    session: Session, account: Account, legs: list[Leg], value_date: date
) -> list:
    by_award: dict[int, list[Leg]] = defaultdict(list)
    for leg in legs:
        by_award[leg.line.award_id].append(leg)
    updates = []
    for award_id in sorted(by_award):
        award_legs = by_award[award_id]
        row = session.scalar(
            select(SubledgerBalance)
            .where(SubledgerBalance.account_id == account.id, SubledgerBalance.award_id == award_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        currency = row.currency if row is not None else award_legs[0].original.currency
        if any(leg.original.currency != currency for leg in award_legs):
            raise Invalid.field(
                "currency", f"award {award_id} is kept in {currency} in account {account.code}"
            )
        balance = sum(leg.line.amount for leg in award_legs)
        original = sum(leg.original.minor for leg in award_legs)
        if row is not None:
            balance += row.balance
            original += row.original_balance
        _refuse_overdraft(account, balance, "functional", award_id)
        _refuse_overdraft(account, original, currency, award_id)
        _refuse_backdated_overdraft(
            session, account, value_date, award_legs, ("functional", "original"), award_id
        )
        if row is None:  # added to the session only once every balance has passed
            row = SubledgerBalance(
                account_id=account.id,
                award_id=award_id,
                currency=currency,
                balance=0,
                original_balance=0,
            )
        updates.append((row, balance, original, None))
    return updates


def _refuse_backdated_overdraft(
    session: Session,
    account: Account,
    value_date: date,
    legs: list[Leg],
    watch: tuple[str, ...],
    award_id: int | None = None,
) -> None:
    """Refuse an outflow that would take the balance past zero as of its date or later.

    Only outflows dated before later postings need it: otherwise the running
    balance is the balance as of every date the outflow touches.
    """
    delta = (sum(leg.line.amount for leg in legs), sum(leg.original.minor for leg in legs))
    if account.on_normal_side(delta[0]) >= 0 and account.on_normal_side(delta[1]) >= 0:
        return
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


def _refuse_overdraft(
    account: Account, debit_positive: int, unit: str, award_id: int | None = None
) -> None:
    if account.on_normal_side(debit_positive) >= 0:
        return
    what = f"award {award_id} in account {account.code}" if award_id else f"account {account.code}"
    raise Overdraft(
        f"{what} ({account.name}) would be overdrawn",
        {"amount": [f"exceeds what is available in {what} ({unit})"]},
    )
