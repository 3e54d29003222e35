"""The administrator's dashboard: where the fund's money is and what is waiting, at a glance.

A fixed handful of queries whatever the size of the books: balances come from
the running totals, awards from their subledger rows, the chart's months from
sums over the postings of the bank accounts and of 2000
(:mod:`ledger.reads.month_moves` explains how those stay cheap on a large journal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import access, events
from ledger.access import Actor
from ledger.chart import AWARDS_PAYABLE, ESCROW
from ledger.fund import functional_currency
from ledger.models import (
    Account,
    AccountBalance,
    AuditEvent,
    Award,
    Case,
    Disbursement,
    SubledgerBalance,
    Victim,
)
from ledger.models.base import summed
from ledger.money import Money
from ledger.periods import month_of
from ledger.reads import month_moves
from ledger.reads.awards import is_abroad
from ledger.reads.books import EventRow, _event_row, all_periods
from ledger.validate import today_utc


@dataclass(frozen=True)
class BankLine:
    code: str
    name: str
    #: In the account's own currency.
    balance: Money
    #: What it is carried at in the functional currency.
    functional: Money


@dataclass(frozen=True)
class Waiting:
    count: int
    #: The functional cash the payments are expected to take.
    total: Money


@dataclass(frozen=True)
class MonthPoint:
    month_end: date
    cash: Money
    owed: Money


@dataclass(frozen=True)
class Dashboard:
    banks: list[BankLine]
    cash_total: Money
    escrow: Money
    owed_domestic: Money
    owed_foreign: Money
    awards_domestic: int
    awards_foreign: int
    awaiting_approval: Waiting
    awaiting_execution: Waiting
    returned_unclaimed: int
    #: Months that have ended but are not closed yet (the current month is open by nature).
    open_months: list[str]
    last_check: EventRow | None
    series: list[MonthPoint]


def dashboard(session: Session, actor: Actor) -> Dashboard:
    access.require(actor, access.READ_BOOKS)
    functional = functional_currency(session)
    banks = _banks(session, functional)
    owed = _owed(session)
    waiting = _waiting(session, functional)
    return Dashboard(
        banks=banks,
        cash_total=Money(sum(b.functional.minor for b in banks), functional),
        escrow=Money(_balance(session, ESCROW), functional),
        owed_domestic=Money(owed[False][0], functional),
        owed_foreign=Money(owed[True][0], functional),
        awards_domestic=owed[False][1],
        awards_foreign=owed[True][1],
        awaiting_approval=waiting["proposed"],
        awaiting_execution=waiting["approved"],
        returned_unclaimed=_returned_unclaimed(session),
        open_months=[
            p.month
            for p in all_periods(session)
            if p.status == "open" and p.month < month_of(today_utc())
        ],
        last_check=_last_check(session),
        series=_series(session, functional, [b.code for b in banks]),
    )


def _banks(session: Session, functional: str) -> list[BankLine]:
    rows = session.execute(
        select(Account, AccountBalance)
        .join(AccountBalance, AccountBalance.account_id == Account.id)
        .where(
            Account.type == "asset",
            Account.overdraft_scope == "account",
            Account.currency.is_not(None),
        )
        .order_by(Account.code)
    )
    return [
        BankLine(
            a.code,
            a.name,
            Money(b.original_balance if a.currency != functional else b.balance, a.currency),
            Money(b.balance, functional),
        )
        for a, b in rows
    ]


def _balance(session: Session, code: str) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(AccountBalance.balance), 0))
            .join(Account, Account.id == AccountBalance.account_id)
            .where(Account.code == code)
        )
    )


def _owed(session: Session) -> dict[bool, list[int]]:
    """(carrying value, number of awards) still owed, abroad (True) and at home (False)."""
    rows = session.execute(
        select(
            Victim.returned_home,
            Victim.country_of_residence,
            Case.jurisdiction,
            -summed(SubledgerBalance.balance),
            func.count(),
        )
        .join(Account, Account.id == SubledgerBalance.account_id)
        .join(Award, Award.id == SubledgerBalance.award_id)
        .join(Victim, Victim.id == Award.victim_id)
        .join(Case, Case.id == Award.case_id)
        .where(Account.code == AWARDS_PAYABLE, SubledgerBalance.balance != 0)
        .group_by(Victim.returned_home, Victim.country_of_residence, Case.jurisdiction)
    )
    out = {True: [0, 0], False: [0, 0]}
    for home, country, jurisdiction, carrying, count in rows:
        side = out[is_abroad(home, country, jurisdiction)]
        side[0] += int(carrying)
        side[1] += int(count)
    return out


def _waiting(session: Session, functional: str) -> dict[str, Waiting]:
    rows = dict(
        (status, (int(n), int(total)))
        for status, n, total in session.execute(
            select(Disbursement.status, func.count(), summed(Disbursement.estimate_minor))
            .where(Disbursement.status.in_(("proposed", "approved")))
            .group_by(Disbursement.status)
        )
    )
    return {
        status: Waiting(rows.get(status, (0, 0))[0], Money(rows.get(status, (0, 0))[1], functional))
        for status in ("proposed", "approved")
    }


def _returned_unclaimed(session: Session) -> int:
    """Awards still owed whose payment came back and has not been paid by a new one."""
    returned = select(Disbursement.award_id).where(Disbursement.status == "returned")
    return session.scalar(
        select(func.count())
        .select_from(Award)
        .where(Award.id.in_(returned), Award.status.in_(("registered", "partially_paid")))
    )


def _last_check(session: Session) -> EventRow | None:
    event = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == events.BOOKS_VERIFIED)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return None if event is None else _event_row(event)


def _series(session: Session, functional: str, banks: list[str]) -> list[MonthPoint]:
    """Cash and what is owed on awards at each month end, from the first month to this one."""
    moves = month_moves.movements(session, tuple(banks))
    if not moves:
        return []
    (y, m), today = min(moves), today_utc()
    cash = owed = 0
    points = []
    while (y, m) <= (today.year, today.month):
        bank_move, owed_move = moves.get((y, m), (0, 0))
        cash += bank_move
        owed -= owed_move
        end = date(y + (m == 12), m % 12 + 1, 1).toordinal() - 1
        points.append(
            MonthPoint(date.fromordinal(end), Money(cash, functional), Money(owed, functional))
        )
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return points
