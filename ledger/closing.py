"""Period-end work: FX revaluation and the year-end close (SPEC §4, §5).

Revaluation restates what the fund owes or holds in foreign currencies at the
rate of the last day of a month: each open foreign-currency award in 2000,
and each foreign-currency bank account (100x). The difference to what is
carried goes to 4400 (gain) or 5400 (loss); later payments then relieve the
restated carrying value. Seized cash in escrow is not revalued: 1010 and 2100
move together, so its restatement could never reach the fund's result.

The year-end close moves every revenue and expense balance of the year into
3000 (fund balance), dated 31 December, then closes December, so the close
can neither be forgotten in a closed year nor posted twice.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from ledger import access, audit, events
from ledger.access import Actor
from ledger.awards import dimensions
from ledger.balances import balances_as_of
from ledger.chart import AWARDS_PAYABLE, FUND_BALANCE, FX_GAIN, FX_LOSS
from ledger.errors import Conflict, Invalid, PeriodClosed
from ledger.fund import functional_currency
from ledger.fx import to_functional
from ledger.journal import Line, gain_or_loss, post_step
from ledger.locks import lock_books
from ledger.models import Account, Award, JournalEntry, Posting
from ledger.models.base import summed
from ledger.money import Money
from ledger.periods import close_month, is_closed, parse_month
from ledger.validate import today_utc


def revalue(session: Session, *, actor: Actor, month: str) -> JournalEntry | None:
    """Post the month-end FX revaluation entry; None when nothing needs restating.

    Balances are those at the month end (from the postings dated up to it,
    earlier revaluations included), so an award ordered later is not restated
    into it, and running it again restates only what changed since: nothing,
    when nothing did. A closed month is refused, whether or not anything changed.
    """
    access.require(actor, access.MANAGE_BOOKS)
    year, mon = parse_month(month, "period")
    month_end = date(year, mon, monthrange(year, mon)[1])
    if month_end >= today_utc():
        raise Invalid.field("period", f"{month} has not ended yet")
    lock_books(session)
    if is_closed(session, month_end):
        # Refused even when nothing would be restated: a closed month's figures are final.
        raise PeriodClosed(
            f"{month} is closed: it can no longer be revalued", {"period": [f"{month} is closed"]}
        )
    functional = functional_currency(session)
    lines: list[Line] = []
    net = 0
    for award, balance, original in _foreign_awards(session, functional, month_end):
        target = -to_functional(session, Money(-original, award.currency), month_end, functional)
        change = target - balance  # debit-positive change of the liability
        if change:
            dims = dimensions(award)
            # A zero original amount: only the functional carrying value moves.
            lines.append(Line(AWARDS_PAYABLE, change, Money(0, award.currency), **dims))
            net += change
    for account, balance, original in _foreign_bank_accounts(session, functional, month_end):
        target = to_functional(session, Money(original, account.currency), month_end, functional)
        change = target - balance
        if change:
            lines.append(Line(account.code, change, Money(0, account.currency)))
            net += change
    if not lines:
        return None
    lines += gain_or_loss(FX_GAIN, FX_LOSS, -net)
    memo = f"FX revaluation of open foreign-currency balances at {month_end}"
    entry = post_step(session, actor, events.FX_REVALUED, (month_end, "period"), memo, lines)
    after = {"entry": entry.number, "net": net}
    audit.record(session, actor, events.FX_REVALUED, "period", month, after=after)
    return entry


def _sums_to(month_end: date):
    """Per-account (and per-award) sums of the postings dated up to ``month_end``."""
    return (
        select(summed(Posting.amount), summed(Posting.original_amount))
        .join(JournalEntry, JournalEntry.number == Posting.entry_number)
        .join(Account, Account.id == Posting.account_id)
        .where(JournalEntry.value_date <= month_end)
    )


def _foreign_awards(session: Session, functional: str, month_end: date):
    query = (
        _sums_to(month_end)
        .add_columns(Posting.award_id)
        .where(Account.code == AWARDS_PAYABLE, Posting.currency != functional)
        .group_by(Posting.award_id)
        .order_by(Posting.award_id)
    )
    out = []
    for balance, original, award_id in session.execute(query):
        if original:
            out.append((session.get(Award, award_id), int(balance), int(original)))
    return out


def _foreign_bank_accounts(session: Session, functional: str, month_end: date):
    query = (
        _sums_to(month_end)
        .add_columns(Account.id)
        .where(
            Account.type == "asset",
            Account.overdraft_scope == "account",
            Account.currency.is_not(None),
            Account.currency != functional,
        )
        .group_by(Account.id)
        .order_by(Account.id)
    )
    return [
        (session.get(Account, account_id), int(balance), int(original))
        for balance, original, account_id in session.execute(query)
    ]


def close_year(session: Session, *, actor: Actor, year: int, today: date) -> JournalEntry | None:
    """Post the closing entry for ``year`` and close its December."""
    access.require(actor, access.MANAGE_BOOKS)
    if not isinstance(year, int) or not 1900 < year < 3000:
        raise Invalid.field("year", "must be a year such as 2026")
    if date(year + 1, 1, 1) > today:
        raise Invalid.field("year", f"{year} has not ended yet")
    lock_books(session)
    year_end = date(year, 12, 31)
    if is_closed(session, year_end):
        raise Conflict(f"{year} is already closed")
    balances = balances_as_of(session, year_end)
    types = dict(session.execute(select(Account.code, Account.type)).all())
    lines = [
        Line(code, -balance)
        for code, balance in sorted(balances.items())
        if types[code] in ("revenue", "expense") and balance
    ]
    entry = None
    if lines:
        result = -sum(line.amount for line in lines)
        if result:  # a break-even year moves nothing into the fund balance
            lines.append(Line(FUND_BALANCE, result))
        memo = f"Year-end close {year}: result to fund balance"
        key = f"year-end-close-{year}"
        dated = (year_end, "year")
        entry = post_step(
            session, actor, events.YEAR_CLOSED, dated, memo, lines, idempotency_key=key
        )
    close_month(session, f"{year}-12", actor=actor, today=today, year_end=True)
    after = {"entry": entry.number if entry else None}
    audit.record(session, actor, events.YEAR_CLOSED, "period", str(year), after=after)
    return entry


def is_closing_entry():
    """SQL condition on :class:`JournalEntry`: a year-end close, or the reversal of one.

    The one definition every statement uses: such entries move a year's result
    into the fund balance; they are neither revenue nor cost of any period.
    """
    original = aliased(JournalEntry)
    reversed_close = (
        select(original.number)
        .where(original.number == JournalEntry.reverses, original.event == events.YEAR_CLOSED)
        .exists()
    )
    return or_(JournalEntry.event == events.YEAR_CLOSED, reversed_close)
