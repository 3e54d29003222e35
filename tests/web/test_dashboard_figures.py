"""Every figure of the dashboard, computed again here from the postings and the registers.

The read model (``ledger.reads.dashboard``) takes balances from the running
totals, what is owed from the award subledgers and the chart from one grouped
sum; here each figure is worked out the slow way, in Python, from the journal's
postings and the register rows, on the demo fund (``ledger.demo``) with a USD
bank account, seized cash, an approved payment and an integrity check added so that no
figure is empty. Then the dashboard must cost the same number of SQL
statements on that fund and on one grown by many more entries, awards and
payments: nothing is looked up once per row or per month. The chart's months
are kept summed between requests (the journal only grows): the figures must be
right when they are summed afresh, when the entries posted since are added to
them, and when the kept sums belong to a journal that is no longer there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ledger import assets, awards, cash, disbursements
from ledger.access import ADMINISTRATOR, AUDITOR, COURT, Actor
from ledger.chart import add_account
from ledger.demo import build_demo
from ledger.errors import Forbidden
from ledger.integrity import run_check
from ledger.models import (
    Account,
    Award,
    Case,
    Disbursement,
    JournalEntry,
    JournalHead,
    Period,
    Posting,
    User,
    Victim,
)
from ledger.money import Money
from ledger.pii import PiiCipher, generate_key
from ledger.reads import month_moves
from ledger.reads.dashboard import dashboard
from ledger.validate import today_utc
from tests.conftest import OPERATOR

FUNCTIONAL = "EUR"


def _actor(session: Session, name: str) -> Actor:
    return Actor.of(session.scalar(select(User).where(User.name == name)))


@pytest.fixture
def demo(session_factory) -> dict[str, Actor]:
    """The demo fund, a USD bank account with a receipt, cash in escrow, a payment approved."""
    today = today_utc()
    with session_factory.begin() as session:
        build_demo(session, OPERATOR, PiiCipher.from_setting(generate_key()), today=today)
        admin, approver = _actor(session, "demo-admin"), _actor(session, "demo-approver")
        add_account(
            session,
            actor=admin,
            code="1001",
            name="Fund bank account (USD)",
            type="asset",
            currency="USD",
            no_overdraft=True,
        )
        cash.record_receipt(
            session,
            actor=admin,
            kind="donation",
            received_on=today,
            amount=Money(1_234_567, "USD"),
            counterparty="A donor in dollars",
        )
        # Every seizure of the demo has been decided: one still waiting for its court.
        assets.seize_asset(
            session,
            actor=admin,
            case_id=session.scalar(select(Case.id).where(Case.status == "open").limit(1)),
            kind="cash",
            description="Cash found at a second address",
            seized_on=today,
            estimated_value=Money(2_500_000, "USD"),
        )
        proposal = session.scalar(
            select(Disbursement)
            .where(Disbursement.status == "proposed", Disbursement.proposed_by == admin.name)
            .order_by(Disbursement.id)
            .limit(1)
        )
        disbursements.approve_disbursement(session, actor=approver, disbursement_id=proposal.id)
    return {"admin": admin, "approver": approver}


# -- the figures, the slow way -------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def _months(first: date, last: date) -> list[tuple[int, int]]:
    months, (y, m) = [], (first.year, first.month)
    while (y, m) <= (last.year, last.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def expected(session: Session) -> dict:
    accounts = {a.id: a for a in session.scalars(select(Account))}
    # A bank account: an asset in a fixed currency that may never be overdrawn (ledger.bank).
    banks = sorted(
        (
            a
            for a in accounts.values()
            if a.type == "asset" and a.currency is not None and a.overdraft_scope == "account"
        ),
        key=lambda a: a.code,
    )
    bank_ids = {a.id for a in banks}
    payable = next(a.id for a in accounts.values() if a.code == "2000")
    escrow = next(a.id for a in accounts.values() if a.code == "1010")
    legs = session.execute(
        select(Posting, JournalEntry.value_date).join(
            JournalEntry, JournalEntry.number == Posting.entry_number
        )
    ).all()

    functional = defaultdict(int)
    own = defaultdict(int)
    owed_by_award = defaultdict(int)
    for leg, _day in legs:
        functional[leg.account_id] += leg.amount
        own[leg.account_id] += leg.original_amount
        if leg.account_id == payable:
            owed_by_award[leg.award_id] -= leg.amount

    awards_by_id = {a.id: a for a in session.scalars(select(Award))}
    victims = {v.id: v for v in session.scalars(select(Victim))}
    cases = {c.id: c for c in session.scalars(select(Case))}
    owed = {True: [0, 0], False: [0, 0]}
    for award_id, carrying in owed_by_award.items():
        if carrying == 0:
            continue
        award = awards_by_id[award_id]
        victim, case = victims[award.victim_id], cases[award.case_id]
        jurisdiction = case.jurisdiction.strip().upper()
        abroad = victim.returned_home or (
            len(jurisdiction) == 2 and victim.country_of_residence != jurisdiction
        )
        owed[abroad][0] += carrying
        owed[abroad][1] += 1

    payments = list(session.scalars(select(Disbursement)))
    waiting = {
        status: (
            sum(1 for d in payments if d.status == status),
            sum(d.estimate_minor for d in payments if d.status == status),
        )
        for status in ("proposed", "approved")
    }
    came_back = {d.award_id for d in payments if d.status == "returned"}
    returned_unclaimed = sum(
        1
        for award_id in came_back
        if awards_by_id[award_id].status in ("registered", "partially_paid")
    )

    today = today_utc()
    first = min(day for _leg, day in legs)
    closed = max(session.scalars(select(Period.month)), default="")
    open_months = [f"{y:04d}-{m:02d}" for y, m in _months(first, today)]
    # Ended months not closed yet: the current month is open by nature, not overdue.
    open_months = [month for month in open_months if closed < month < today.strftime("%Y-%m")]

    series = []
    for y, m in _months(first, today):
        end = _month_end(y, m)
        cash_then = sum(
            leg.amount for leg, day in legs if leg.account_id in bank_ids and day <= end
        )
        owed_then = -sum(
            leg.amount for leg, day in legs if leg.account_id == payable and day <= end
        )
        series.append((end, cash_then, owed_then))

    return {
        "banks": [
            (
                a.code,
                a.name,
                (functional if a.currency == FUNCTIONAL else own)[a.id],
                a.currency,
                functional[a.id],
            )
            for a in banks
        ],
        "cash_total": sum(functional[a.id] for a in banks),
        "escrow": functional[escrow],
        "owed": owed,
        "waiting": waiting,
        "returned_unclaimed": returned_unclaimed,
        "open_months": open_months,
        "series": series,
    }


# -- the tests -----------------------------------------------------------------------------


def assert_agrees(figures, want: dict) -> None:
    """Every figure of ``figures`` is the one :func:`expected` worked out."""
    assert [
        (b.code, b.name, b.balance.minor, b.balance.currency, b.functional.minor)
        for b in figures.banks
    ] == want["banks"]
    assert all(b.functional.currency == FUNCTIONAL for b in figures.banks)
    assert figures.cash_total == Money(want["cash_total"], FUNCTIONAL)
    assert figures.escrow == Money(want["escrow"], FUNCTIONAL)
    assert figures.owed_domestic == Money(want["owed"][False][0], FUNCTIONAL)
    assert figures.owed_foreign == Money(want["owed"][True][0], FUNCTIONAL)
    assert (figures.awards_domestic, figures.awards_foreign) == (
        want["owed"][False][1],
        want["owed"][True][1],
    )
    for waiting, status in (
        (figures.awaiting_approval, "proposed"),
        (figures.awaiting_execution, "approved"),
    ):
        assert (waiting.count, waiting.total) == (
            want["waiting"][status][0],
            Money(want["waiting"][status][1], FUNCTIONAL),
        )
    assert figures.returned_unclaimed == want["returned_unclaimed"]
    assert figures.open_months == want["open_months"]
    assert [(p.month_end, p.cash.minor, p.owed.minor) for p in figures.series] == want["series"]
    currencies = {m.currency for p in figures.series for m in (p.cash, p.owed)}
    assert currencies == {FUNCTIONAL}


def test_every_figure_agrees_with_the_postings_and_the_registers(demo, session_factory):
    with session_factory() as session:
        figures = dashboard(session, demo["admin"])
        assert_agrees(figures, expected(session))
    assert figures.last_check is None

    # Not a comparison of zeros: the demo gives every figure something to show.
    assert [b.code for b in figures.banks] == ["1000", "1001"]
    assert figures.banks[1].balance == Money(1_234_567, "USD")
    assert figures.escrow.minor > 0
    assert figures.awards_domestic > 0 and figures.awards_foreign > 0
    assert figures.owed_domestic.minor > 0 and figures.owed_foreign.minor > 0
    assert figures.awaiting_approval.count > 0 and figures.awaiting_execution.count == 1
    assert figures.returned_unclaimed >= 1
    assert figures.open_months and today_utc().strftime("%Y-%m") not in figures.open_months
    assert len({p.cash.minor for p in figures.series}) > 2
    assert len({p.owed.minor for p in figures.series}) > 1


def test_the_last_check_is_the_latest_integrity_check(demo, session_factory):
    with session_factory.begin() as session:
        run_check(session, demo["approver"])
        run_check(session, demo["admin"])
    with session_factory() as session:
        check = dashboard(session, demo["admin"]).last_check
        head = session.get(JournalHead, 1)
        entries = len(list(session.scalars(select(JournalEntry.number))))
    assert check.actor == demo["admin"].name
    assert check.after["ok"] is True
    assert check.after["entries"] == entries == head.last_number
    assert check.after["head_hash"] == head.last_hash


def test_auditors_may_look_and_courts_may_not(demo, session_factory):
    with session_factory() as session:
        seen = dashboard(session, Actor(None, "an auditor", AUDITOR))
        assert seen == dashboard(session, Actor(None, "an administrator", ADMINISTRATOR))
        with pytest.raises(Forbidden):
            dashboard(session, Actor(None, "a registry", COURT))


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _statements(session_factory, actor: Actor, *, afresh: bool = False) -> int:
    """The statements of one dashboard; ``afresh``: with no months kept summed."""
    if afresh:
        month_moves.forget()
    with session_factory() as session, counted(session) as statements:
        dashboard(session, actor)
    return len(statements)


def grow(session_factory, admin: Actor, approver: Actor) -> None:
    """Many more entries (over three days in turn, one back-dated months), awards,
    payments and a check."""
    today = today_utc()
    with session_factory.begin() as session:
        victim = session.scalar(select(Victim.id).order_by(Victim.id).limit(1))
        case = session.scalar(select(Case.id).order_by(Case.id).limit(1))
        for i in range(30):
            cash.record_receipt(
                session,
                actor=admin,
                kind=("donation", "grant", "interest")[i % 3],
                received_on=today - timedelta(days=i % 3),
                amount=Money(100_000 + i, ("EUR", "USD")[i % 2]),
                counterparty=f"Donor {i}",
            )
        # Back-dated to the first day with entries in the earliest open month: that day's
        # entry numbers now reach over every day posted since (as a late import would).
        closed = session.scalar(select(func.max(Period.month)))
        first_open = date(int(closed[:4]) + (closed[5:] == "12"), int(closed[5:]) % 12 + 1, 1)
        cash.record_receipt(
            session,
            actor=admin,
            kind="donation",
            received_on=session.scalar(
                select(func.min(JournalEntry.value_date)).where(
                    JournalEntry.value_date >= first_open
                )
            ),
            amount=Money(777_700, "EUR"),
            counterparty="A donation recorded late",
        )
        for i in range(12):
            award = awards.register_award(
                session,
                actor=admin,
                case_id=case,
                victim_id=victim,
                order_reference=f"GROWN-{i:02d}",
                ordered_on=today,
                amount=Money(50_000 + i, "EUR"),
            )
            proposal = disbursements.propose_disbursement(
                session,
                actor=admin,
                award_id=award.id,
                amount=Money(50_000 + i, "EUR"),
                method="bank_transfer",
                on=today,
            )
            if i % 2:
                disbursements.approve_disbursement(
                    session, actor=approver, disbursement_id=proposal.id
                )
        run_check(session, admin)


def test_the_dashboard_costs_the_same_statements_on_a_larger_fund(demo, session_factory):
    small_afresh = _statements(session_factory, demo["admin"], afresh=True)
    small_kept = _statements(session_factory, demo["admin"])
    with session_factory() as session:
        before = len(list(session.scalars(select(Posting.id))))
    grow(session_factory, demo["admin"], demo["approver"])
    with session_factory() as session:
        after = len(list(session.scalars(select(Posting.id))))
    larger_adding = _statements(session_factory, demo["admin"])  # the new entries added
    larger_kept = _statements(session_factory, demo["admin"])  # nothing new
    larger_afresh = _statements(session_factory, demo["admin"], afresh=True)
    with session_factory() as session:
        figures = dashboard(session, demo["admin"])

    assert after >= before + 60
    assert figures.last_check is not None and figures.awaiting_execution.count == 1 + 6
    assert small_afresh == larger_afresh
    assert small_kept == larger_adding == larger_kept
    assert small_kept < small_afresh  # kept sums spare the journal's days and ranges


def test_entries_posted_since_are_added_to_the_kept_months(demo, session_factory):
    """Sums kept from the demo, then many entries (one back-dated months): the chart the
    dashboard shows by adding them is the one worked out from every posting."""
    month_moves.forget()
    with session_factory() as session:
        dashboard(session, demo["admin"])
        kept = dict(month_moves._summed)
    grow(session_factory, demo["admin"], demo["approver"])
    with session_factory() as session:
        grown = dashboard(session, demo["admin"])
        assert_agrees(grown, expected(session))
    (before,), (after,) = kept.values(), month_moves._summed.values()
    assert after.number > before.number  # added to, not summed afresh
    month_moves.forget()
    with session_factory() as session:
        assert dashboard(session, demo["admin"]) == grown


def test_sums_kept_for_another_journal_are_not_used(demo, session_factory, monkeypatch):
    """A database emptied and filled again (or restored) at the same address: the entry
    the sums were kept up to no longer has their hash, so the months are summed afresh,
    and so they are when more entries were posted since than are worth adding."""
    month_moves.forget()
    with session_factory() as session:
        want = expected(session)
        dashboard(session, demo["admin"])
    ((key, kept),) = month_moves._summed.items()
    forged = {month: (cash + 1, owed + 1) for month, (cash, owed) in kept.moves.items()}
    for number, hash_ in ((kept.number, "0" * 64), (kept.number + 10**6, kept.hash)):
        with month_moves._summed_lock:
            month_moves._summed[key] = month_moves._Summed(kept.banks, number, hash_, forged)
        with session_factory() as session:
            assert_agrees(dashboard(session, demo["admin"]), want)
        assert month_moves._summed[key].moves == kept.moves
    grow(session_factory, demo["admin"], demo["approver"])
    with month_moves._summed_lock:
        month_moves._summed[key] = month_moves._Summed(kept.banks, kept.number, kept.hash, forged)
    monkeypatch.setattr(month_moves, "MAX_ADDED", 0)
    with session_factory() as session:
        assert_agrees(dashboard(session, demo["admin"]), expected(session))


def test_the_chart_is_exact_when_dates_zigzag(demo, session_factory, monkeypatch):
    """Back-dated entries interleave their days with others': the chart's sums by ranges of
    entry numbers still match, and so does the plain join it falls back to, at the same
    cost in statements."""
    grow(session_factory, demo["admin"], demo["approver"])  # three days, posted in turn
    with session_factory() as session:
        numbers = defaultdict(list)
        for number, day in session.execute(select(JournalEntry.number, JournalEntry.value_date)):
            numbers[day].append(number)
        assert any(max(n) - min(n) + 1 != len(n) for n in numbers.values())
        want = expected(session)
        month_moves.forget()
        assert_agrees(dashboard(session, demo["admin"]), want)
    by_ranges = _statements(session_factory, demo["admin"], afresh=True)

    monkeypatch.setattr(month_moves, "MAX_RANGES", 0)
    with session_factory() as session:
        month_moves.forget()
        assert_agrees(dashboard(session, demo["admin"]), want)
    assert _statements(session_factory, demo["admin"], afresh=True) == by_ranges
