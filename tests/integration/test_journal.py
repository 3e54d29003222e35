"""post_entry / reverse_entry: the invariants of SPEC §2 on a real database."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from app.errors import status_of
from ledger.balances import balances_as_of, current_balances, trial_balance
from ledger.chart import add_account, get_account
from ledger.errors import (
    Conflict,
    IdempotencyConflict,
    Invalid,
    NotFound,
    Overdraft,
    Unbalanced,
)
from ledger.journal import Line, get_entry, post_entry, reverse_entry
from ledger.models import (
    Account,
    AccountBalance,
    JournalEntry,
    JournalHead,
    Posting,
    SubledgerBalance,
)
from ledger.money import Money
from tests.conftest import OPERATOR, named

GENESIS = "0" * 64
D = date(2026, 1, 5)


def post(session, lines, *, day=D, memo="test", event="test.posted", **kwargs):
    kwargs.setdefault("actor", named("admin"))
    return post_entry(session, value_date=day, memo=memo, event=event, lines=lines, **kwargs)


def donate(session, minor, *, day=D, **kwargs):
    """Dr 1000 / Cr 4200: cash in."""
    return post(session, [Line.debit("1000", minor), Line.credit("4200", minor)], day=day, **kwargs)


def register_award(session, award_id, minor, original=None, *, day=D):
    """Dr 5000 / Cr 2000 (award): an award is owed."""
    return post(
        session,
        [
            Line.debit("5000", minor, original, award_id=award_id, victim_id=3, case_id=2),
            Line.credit("2000", minor, original, award_id=award_id, victim_id=3, case_id=2),
        ],
        day=day,
        event="award.registered",
    )


def add_usd_bank(session):
    return add_account(
        session,
        actor=OPERATOR,
        code="1001",
        name="USD bank account",
        type="asset",
        currency="USD",
        no_overdraft=True,
    )


def snapshot(db, session_factory) -> dict:
    """Everything a refused post could have touched, read in a fresh session.

    ``db`` is committed first: whatever a refusal left in it would be written by
    the caller's commit, so it must be nothing (and on SQLite an open
    transaction would hold the write lock the fresh session needs).
    """
    db.commit()
    with session_factory() as s:
        head = s.get(JournalHead, 1)
        return {
            "head": (head.last_number, head.last_hash),
            "entries": s.scalar(select(func.count()).select_from(JournalEntry)),
            "postings": s.scalar(select(func.count()).select_from(Posting)),
            "balances": sorted(
                tuple(row)
                for row in s.execute(
                    select(
                        AccountBalance.account_id,
                        AccountBalance.balance,
                        AccountBalance.original_balance,
                        AccountBalance.postings,
                    )
                )
            ),
            "subledgers": sorted(
                tuple(row)
                for row in s.execute(
                    select(
                        SubledgerBalance.account_id,
                        SubledgerBalance.award_id,
                        SubledgerBalance.currency,
                        SubledgerBalance.balance,
                        SubledgerBalance.original_balance,
                    )
                )
            ),
        }


def balance(session, code) -> tuple[int, int]:
    row = session.get(AccountBalance, get_account(session, code).id, populate_existing=True)
    return row.balance, row.original_balance


def award_balance(session, award_id, code="2000"):
    row = session.get(
        SubledgerBalance, (get_account(session, code).id, award_id), populate_existing=True
    )
    return None if row is None else (row.currency, row.balance, row.original_balance)


# -- what is accepted -------------------------------------------------------------------------


def test_balanced_entry_is_written_with_its_postings(db, session_factory):
    before = datetime.now(UTC).replace(tzinfo=None)
    donate(db, 500000)
    register_award(db, 7, 100000)
    entry = post(
        db,
        [
            Line.debit("2000", 100000, award_id=7, victim_id=3, case_id=2),
            Line.debit("5300", 1500, case_id=2),
            Line.credit("1000", 101500),
        ],
        memo="Payment of award 7",
        event="disbursement.paid",
        source=("disbursement", 11),
        idempotency_key="pay-11",
        day=date(2026, 1, 6),
        actor=named("alice"),
    )
    db.commit()
    assert entry.number == 3

    with session_factory() as s:
        stored = s.get(JournalEntry, 3)
        assert stored.value_date == date(2026, 1, 6)
        assert stored.memo == "Payment of award 7" and stored.event == "disbursement.paid"
        assert (stored.source_type, stored.source_id) == ("disbursement", 11)
        assert stored.created_by == "alice" and stored.idempotency_key == "pay-11"
        assert stored.reverses is None
        after = datetime.now(UTC).replace(tzinfo=None)
        assert before - timedelta(seconds=1) <= stored.posted_at <= after  # naive UTC
        assert [
            (
                p.line,
                p.account.code,
                p.amount,
                p.original_amount,
                p.currency,
                p.case_id,
                p.victim_id,
                p.award_id,
                p.asset_id,
            )
            for p in stored.postings
        ] == [
            (1, "2000", 100000, 100000, "EUR", 2, 3, 7, None),
            (2, "5300", 1500, 1500, "EUR", 2, None, None, None),
            (3, "1000", -101500, -101500, "EUR", None, None, None, None),
        ]
        assert s.get(JournalHead, 1).last_number == 3

    assert balance(db, "1000") == (500000 - 101500, 500000 - 101500)
    # Multi-currency accounts keep no original-currency total.
    assert balance(db, "5300") == (1500, 0)
    assert balance(db, "2000") == (0, 0)
    assert award_balance(db, 7) == ("EUR", 0, 0)
    assert db.get(AccountBalance, get_account(db, "1000").id).postings == 2


def test_foreign_currency_posting_keeps_both_amounts(db):
    # A USD donation of USD 1,000.00 received as EUR 853.17 in the euro account.
    entry = post(
        db,
        [Line.debit("1000", 85317), Line.credit("4200", 85317, Money(100000, "USD"))],
    )
    assert [(p.amount, p.original_amount, p.currency) for p in entry.postings] == [
        (85317, 85317, "EUR"),
        (-85317, -100000, "USD"),
    ]
    # A tiny foreign amount may round to zero functional units; it is still recorded.
    entry = post(
        db,
        [
            Line.debit("5300", 0, Money(1, "JPY")),
            Line.debit("5300", 1),
            Line.credit("2200", 1),
        ],
    )
    assert (entry.postings[0].amount, entry.postings[0].original_amount) == (0, 1)


# -- what is refused, leaving everything as it was --------------------------------------------


def refusals(db, session_factory, error, cases) -> list[str]:
    """Post each case, expecting ``error`` naming the case's field; return what went otherwise.

    The session is committed after each refusal, as a caller that carries on would:
    the database must be exactly as before every time.
    """
    donate(db, 100000)
    register_award(db, 7, 50000)
    before = snapshot(db, session_factory)
    failures = []
    for lines, kwargs, field in cases:
        try:
            post(db, lines, **kwargs)
        except error as exc:
            if list(exc.errors) != [field] or status_of(exc) != 422:
                failures.append(f"{field}: {type(exc).__name__} {exc.errors}")
        else:
            failures.append(f"{field}: accepted")
        if snapshot(db, session_factory) != before:
            failures.append(f"{field}: refused but something was written")
    return failures


def test_unbalanced_entries_are_refused(db, session_factory):
    cases = [
        ([Line.debit("5500", 1001), Line.credit("1000", 1000)], {}, "postings"),
        ([Line.debit("5500", 1) for _ in range(50)] + [Line.credit("1000", 49)], {}, "postings"),
        # Fewer than two postings, even one that "balances".
        ([], {}, "postings"),
        ([Line.debit("5500", 0, Money(1, "JPY"))], {}, "postings"),
    ]
    assert refusals(db, session_factory, Unbalanced, cases) == []
    with pytest.raises(Unbalanced) as caught:
        post(db, [Line.debit("5500", 1001), Line.credit("1000", 1000)])
    assert "differ by EUR 0.01" in caught.value.errors["postings"][0]


INVALID_LINES = [
    # An unknown account.
    ([Line.debit("5500", 100), Line.credit("9999", 100)], {}, "postings.1.account"),
    # A closed account (5200 is closed by the test).
    ([Line.debit("5200", 100), Line.credit("1000", 100)], {}, "postings.0.account"),
    # A fixed-currency account in another currency.
    (
        [Line.debit("1000", 100, Money(117, "USD")), Line.credit("4200", 100)],
        {},
        "postings.0.currency",
    ),
    # A functional-currency original that differs from the functional amount.
    (
        [Line.debit("5500", 100, Money(101, "EUR")), Line.credit("1000", 100)],
        {},
        "postings.0.amount",
    ),
    # Functional and original amounts of opposite signs.
    ([Line.debit("5500", 100), Line("2200", -100, Money(117, "USD"))], {}, "postings.1.amount"),
    # A zero posting.
    (
        [Line.debit("5500", 0), Line.debit("5500", 100), Line.credit("1000", 100)],
        {},
        "postings.0.amount",
    ),
    # Amounts are integers of minor units: no string, no float, no bool.
    ([Line("5500", "1.00"), Line("1000", -100)], {}, "postings.0.amount"),
    ([Line("5500", 1.0), Line("1000", -1)], {}, "postings.0.amount"),
    ([Line("5500", True), Line("1000", -1)], {}, "postings.0.amount"),
    # Too large for running balances to stay safe in a signed 64-bit column.
    ([Line("5500", 10**15 + 1), Line("2200", -(10**15) - 1)], {}, "postings.0.amount"),
    # An unknown original currency.
    (
        [Line.debit("5500", 100, Money(100, "ZZZ")), Line.credit("2200", 100)],
        {},
        "postings.0.currency",
    ),
    # A posting to 2000 without the award it belongs to.
    ([Line.debit("5000", 100), Line.credit("2000", 100)], {}, "postings.1.award_id"),
    # Dimensions are positive integer ids.
    ([Line.debit("5500", 100, case_id=0), Line.credit("2200", 100)], {}, "postings.0.case_id"),
    (
        [Line.debit("5500", 100, victim_id="V-1"), Line.credit("2200", 100)],
        {},
        "postings.0.victim_id",
    ),
    # Memo and event.
    ([Line.debit("5500", 100), Line.credit("2200", 100)], {"memo": "x" * 501}, "memo"),
    ([Line.debit("5500", 100), Line.credit("2200", 100)], {"memo": None}, "memo"),
    ([Line.debit("5500", 100), Line.credit("2200", 100)], {"event": ""}, "event"),
    ([Line.debit("5500", 100), Line.credit("2200", 100)], {"event": "e" * 65}, "event"),
]


def test_invalid_entries_are_refused_naming_the_field(db, session_factory):
    get_account(db, "5200").active = False
    assert refusals(db, session_factory, Invalid, INVALID_LINES) == []
    with pytest.raises(Invalid) as caught:
        post(db, [Line.debit("5200", 100), Line.credit("1000", 100)])
    assert caught.value.errors == {"postings.0.account": ["account 5200 is closed"]}


def test_values_the_columns_cannot_hold_are_invalid(db):
    failures = []
    with pytest.raises(ValueError):  # created_by: no actor has a name longer than the column
        named("u" * 65)
    for kwargs in (
        {"idempotency_key": "k" * 129},
        {"source": ("s" * 33, 1)},
        {"memo": "line one\x00line two"},
        {"memo": "half a surrogate pair \ud800"},
    ):
        try:
            post(db, [Line.debit("5500", 100), Line.credit("2200", 100)], **kwargs)
            db.flush()
            failures.append(f"{list(kwargs)}: accepted")
        except Invalid:
            pass
        except DBAPIError as exc:
            failures.append(f"{list(kwargs)}: {type(exc.orig).__name__}")
        db.rollback()
    assert failures == []


# -- numbering and the hash chain ----------------------------------------------------------------


def test_numbering_is_gapless_even_after_refusals(db):
    numbers = []
    for i in range(1, 6):
        numbers.append(donate(db, 1000 * i).number)
        with pytest.raises(Unbalanced):
            post(db, [Line.debit("1000", 1), Line.credit("4200", 2)])
        with pytest.raises(Overdraft):
            post(db, [Line.debit("5500", 10**9), Line.credit("1000", 10**9)])
        db.commit()
    assert numbers == [1, 2, 3, 4, 5]
    stored = list(db.scalars(select(JournalEntry.number).order_by(JournalEntry.number)))
    assert stored == [1, 2, 3, 4, 5]
    assert db.get(JournalHead, 1).last_number == 5


def test_hash_is_sha256_of_prev_hash_and_canonical_json(db, engine):
    """Recompute every hash from the stored rows with hashlib and json alone."""
    donate(db, 250000, source=("receipt", 4), idempotency_key="don-4")
    register_award(db, 7, 100000, Money(117210, "USD"))
    post(
        db,
        [
            Line.debit("5200", 1234, asset_id=9, case_id=2),
            Line.credit("2200", 1234, case_id=2),  # accrued: paid later, not back-dated cash
        ],
        memo="Entschädigung — Verwahrung, 被害者 «test»",
        event="asset.custody_cost",
        day=date(2026, 1, 2),  # back-dated: the chain follows numbers, not dates
    )
    reverse_entry(db, 3, value_date=date(2026, 1, 7), memo="wrong asset", actor=named("bob"))
    db.commit()

    entries_t, postings_t, accounts_t = (
        JournalEntry.__table__,
        Posting.__table__,
        Account.__table__,
    )
    with engine.connect() as connection:
        entries = connection.execute(select(entries_t).order_by(entries_t.c.number)).all()
        postings = connection.execute(
            select(postings_t, accounts_t.c.code)
            .join(accounts_t, accounts_t.c.id == postings_t.c.account_id)
            .order_by(postings_t.c.entry_number, postings_t.c.line)
        ).all()
    assert len(entries) == 4
    prev = GENESIS
    for entry in entries:
        document = {
            "number": entry.number,
            "value_date": entry.value_date.isoformat(),
            "posted_at": entry.posted_at.isoformat(timespec="microseconds"),
            "memo": entry.memo,
            "event": entry.event,
            "source_type": entry.source_type,
            "source_id": entry.source_id,
            "reverses": entry.reverses,
            "created_by": entry.created_by,
            "idempotency_key": entry.idempotency_key,
            "postings": [
                {
                    "line": p.line,
                    "account": p.code,
                    "amount": p.amount,
                    "original_amount": p.original_amount,
                    "currency": p.currency,
                    "case_id": p.case_id,
                    "victim_id": p.victim_id,
                    "award_id": p.award_id,
                    "asset_id": p.asset_id,
                }
                for p in postings
                if p.entry_number == entry.number
            ],
        }
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert entry.prev_hash == prev
        assert entry.hash == hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()
        prev = entry.hash
    assert len({entry.hash for entry in entries}) == 4
    head = db.get(JournalHead, 1)
    assert (head.last_number, head.last_hash) == (4, entries[-1].hash)
    assert entries[2].memo == "Entschädigung — Verwahrung, 被害者 «test»"
    assert entries[3].reverses == 3 and entries[3].created_by == "bob"


# -- idempotency ---------------------------------------------------------------------------------


def test_idempotency_key_replays_the_same_entry(db, session_factory):
    lines = [Line.debit("1000", 5000), Line.credit("4200", 5000)]
    first = post(db, lines, idempotency_key="k-1", source=("receipt", 1))
    db.commit()
    before = snapshot(db, session_factory)
    # Same request, another author and a later retry: the first entry, nothing written.
    again = post(db, lines, idempotency_key="k-1", source=("receipt", 1), actor=named("retry"))
    db.commit()
    assert again.number == first.number == 1 and again.hash == first.hash
    assert again.created_by == "admin"
    assert snapshot(db, session_factory) == before


def test_idempotency_key_with_another_body_conflicts(db, session_factory):
    request = {
        "lines": [Line.debit("1000", 5000), Line.credit("4200", 5000)],
        "source": ("receipt", 1),
    }
    post(db, idempotency_key="k-1", **request)
    before = snapshot(db, session_factory)
    changes = [
        {"lines": [Line.debit("1000", 5001), Line.credit("4200", 5001)]},
        {"lines": [Line.debit("1000", 5000), Line.credit("4300", 5000)]},
        {"lines": [Line.debit("1000", 5000, case_id=1), Line.credit("4200", 5000, case_id=1)]},
        {"lines": [Line.credit("4200", 5000), Line.debit("1000", 5000)]},
        {"day": date(2026, 1, 6)},
        {"memo": "another memo"},
        {"event": "other.event"},
        {"source": ("receipt", 2)},
        {"source": None},
    ]
    for change in changes:
        with pytest.raises(IdempotencyConflict) as caught:
            post(db, idempotency_key="k-1", **(request | change))
        assert status_of(caught.value) == 422 and list(caught.value.errors) == ["idempotency_key"]
    assert snapshot(db, session_factory) == before


# -- reversals ----------------------------------------------------------------------------------


def test_reversal_mirrors_the_entry_and_links_both_ways(db):
    donate(db, 500000)
    register_award(db, 7, 117210, Money(137400, "USD"))
    db.commit()
    reversal = reverse_entry(
        db, 2, value_date=date(2026, 1, 9), memo="registered twice", actor=named("bob")
    )
    db.commit()
    original = get_entry(db, 2)
    assert reversal.number == 3 and reversal.reverses == 2
    assert original.reversed_by.number == 3
    assert reversal.event == "entry.reversed" and reversal.value_date == date(2026, 1, 9)
    assert [
        (p.account.code, p.amount, p.original_amount, p.currency, p.award_id, p.victim_id)
        for p in reversal.postings
    ] == [
        (p.account.code, -p.amount, -p.original_amount, p.currency, p.award_id, p.victim_id)
        for p in original.postings
    ]
    assert balance(db, "5000") == (0, 0)
    assert award_balance(db, 7) == ("USD", 0, 0)


def test_reversal_keeps_the_source_link_and_replays_its_idempotency_key(db):
    donate(db, 1000, source=("receipt", 42))
    first = reverse_entry(
        db, 1, value_date=D, memo="bounced", actor=named("bob"), idempotency_key="r"
    )
    assert (first.source_type, first.source_id) == ("receipt", 42)
    db.commit()
    again = reverse_entry(
        db, 1, value_date=D, memo="bounced", actor=named("bob"), idempotency_key="r"
    )
    assert again.number == first.number == 2
    assert db.scalar(select(func.count()).select_from(JournalEntry)) == 2


def test_reversing_twice_or_reversing_a_reversal_is_a_conflict(db, session_factory):
    donate(db, 1000)
    reverse_entry(db, 1, value_date=D, memo="undo", actor=named("bob"))
    before = snapshot(db, session_factory)
    with pytest.raises(Conflict) as caught:
        reverse_entry(db, 1, value_date=D, memo="undo again", actor=named("bob"))
    assert status_of(caught.value) == 409 and "entry 2" in caught.value.detail
    # Even through post_entry directly, under the lock.
    with pytest.raises(Conflict):
        post(db, [Line.credit("1000", 1000), Line.debit("4200", 1000)], reverses=1)
    with pytest.raises(Conflict) as caught:
        reverse_entry(db, 2, value_date=D, memo="redo", actor=named("bob"))
    assert "itself a reversal" in caught.value.detail
    assert snapshot(db, session_factory) == before


def test_reversal_of_a_missing_entry_or_before_its_date(db):
    with pytest.raises(NotFound):
        reverse_entry(db, 99, value_date=D, memo="undo", actor=named("bob"))
    donate(db, 1000, day=date(2026, 1, 9))
    with pytest.raises(NotFound):
        post(db, [Line.credit("1000", 1000), Line.debit("4200", 1000)], reverses=99)
    with pytest.raises(Invalid) as caught:
        reverse_entry(db, 1, value_date=date(2026, 1, 8), memo="undo", actor=named("bob"))
    assert list(caught.value.errors) == ["date"]


def _payment_with_fee_payable(db):
    donate(db, 500000)
    register_award(db, 7, 100000)
    return post(
        db,
        [
            Line.debit("2000", 100000, award_id=7),
            Line.credit("1000", 100000),
            Line.debit("5300", 1500),
            Line.credit("2200", 1500),
        ],
        event="disbursement.paid",
    )


def test_reversal_with_keep_leaves_those_legs_alone(db):
    payment = _payment_with_fee_payable(db)
    reversal = reverse_entry(
        db,
        payment.number,
        value_date=D,
        memo="returned undelivered",
        actor=named("bob"),
        keep_lines={3, 4},  # the fee legs
        event="disbursement.returned",
    )
    db.commit()
    assert reversal.event == "disbursement.returned"
    assert [(p.account.code, p.amount, p.award_id) for p in reversal.postings] == [
        ("2000", -100000, 7),
        ("1000", 100000, None),
    ]
    assert balance(db, "1000") == (500000, 500000)
    assert balance(db, "5300") == (1500, 0)  # the fee stays
    assert award_balance(db, 7) == ("EUR", -100000, -100000)  # owed again
    assert get_entry(db, payment.number).reversed_by.number == reversal.number


def test_reversal_refused_when_keep_unbalances_it_or_it_would_overdraw(db, session_factory):
    payment = _payment_with_fee_payable(db)
    db.commit()
    before = snapshot(db, session_factory)
    with pytest.raises(Invalid) as caught:
        reverse_entry(
            db,
            payment.number,
            value_date=D,
            memo="returned",
            actor=named("bob"),
            keep_lines={3},
        )
    assert list(caught.value.errors) == ["keep_lines"]
    # An award that has been paid cannot have its registration reversed.
    with pytest.raises(Overdraft):
        reverse_entry(db, 2, value_date=D, memo="cancel award", actor=named("bob"))
    assert snapshot(db, session_factory) == before


# -- no overdraft ---------------------------------------------------------------------------------


def test_fund_bank_account_cannot_be_overdrawn(db, session_factory):
    donate(db, 10000)
    db.commit()
    before = snapshot(db, session_factory)
    with pytest.raises(Overdraft) as caught:
        post(db, [Line.debit("5500", 10001), Line.credit("1000", 10001)])
    assert status_of(caught.value) == 422 and list(caught.value.errors) == ["amount"]
    assert "1000" in caught.value.detail
    # Two legs on 1000 in one entry count together.
    with pytest.raises(Overdraft):
        post(
            db,
            [
                Line.debit("5500", 10000),
                Line.credit("1000", 10000),
                Line.debit("5300", 1),
                Line.credit("1000", 1),
            ],
        )
    db.commit()
    assert snapshot(db, session_factory) == before
    # Exactly everything is fine.
    post(db, [Line.debit("5500", 10000), Line.credit("1000", 10000)])
    db.commit()
    assert balance(db, "1000") == (0, 0)
    # An empty account refuses even one cent.
    with pytest.raises(Overdraft):
        post(db, [Line.debit("5500", 1), Line.credit("1000", 1)])


def test_award_subledger_cannot_be_overdrawn_in_functional_units(db, session_factory):
    donate(db, 10**8)
    register_award(db, 7, 50000)
    register_award(db, 8, 70000)
    db.commit()
    before = snapshot(db, session_factory)
    # Award 7 is owed 500.00: paying 500.01 is refused although 2000 as a whole owes 1,200.00.
    with pytest.raises(Overdraft) as caught:
        post(db, [Line.debit("2000", 50001, award_id=7), Line.credit("1000", 50001)])
    assert "award 7" in caught.value.detail
    # An award never registered has nothing to pay.
    with pytest.raises(Overdraft):
        post(db, [Line.debit("2000", 1, award_id=9), Line.credit("1000", 1)])
    db.commit()
    assert snapshot(db, session_factory) == before
    post(db, [Line.debit("2000", 50000, award_id=7), Line.credit("1000", 50000)])
    db.commit()
    assert award_balance(db, 7) == ("EUR", 0, 0)
    assert award_balance(db, 8) == ("EUR", -70000, -70000)
    assert balance(db, "2000") == (-70000, 0)


def test_award_subledger_cannot_be_overdrawn_in_its_own_currency(db, session_factory):
    donate(db, 10**8)
    # USD 600.00 awarded, carried at EUR 500.00.
    register_award(db, 9, 50000, Money(60000, "USD"))
    db.commit()
    before = snapshot(db, session_factory)
    # USD 600.01 relieving only EUR 400.00: the functional side holds, the USD side does not.
    with pytest.raises(Overdraft) as caught:
        post(
            db,
            [
                Line.debit("2000", 40000, Money(60001, "USD"), award_id=9),
                Line.credit("1000", 40000),
            ],
        )
    assert "USD" in caught.value.errors["amount"][0]
    # USD 600.00 relieving EUR 500.01: the USD side holds, the functional side does not.
    with pytest.raises(Overdraft):
        post(
            db,
            [
                Line.debit("2000", 50001, Money(60000, "USD"), award_id=9),
                Line.credit("1000", 50001),
            ],
        )
    # The award is kept in USD: a EUR posting to it is refused.
    with pytest.raises(Invalid) as caught:
        post(db, [Line.debit("2000", 100, award_id=9), Line.credit("1000", 100)])
    assert list(caught.value.errors) == ["currency"]
    db.commit()
    assert snapshot(db, session_factory) == before
    post(
        db,
        [Line.debit("2000", 50000, Money(60000, "USD"), award_id=9), Line.credit("1000", 50000)],
    )
    db.commit()
    assert award_balance(db, 9) == ("USD", 0, 0)


def test_usd_bank_account_is_checked_in_usd(db, session_factory):
    add_usd_bank(db)
    # USD 1,000.00 received, worth EUR 853.17.
    post(db, [Line.debit("1001", 85317, Money(100000, "USD")), Line.credit("4200", 85317)])
    db.commit()
    assert balance(db, "1001") == (85317, 100000)
    before = snapshot(db, session_factory)
    # USD 1,000.01 out, at a rate that keeps the euro side exactly at zero: refused in USD.
    with pytest.raises(Overdraft) as caught:
        post(
            db,
            [Line.debit("5500", 85317), Line.credit("1001", 85317, Money(100001, "USD"))],
        )
    assert "1001" in caught.value.detail and "USD" in caught.value.errors["amount"][0]
    # The account is kept in USD: a euro posting to it is refused.
    with pytest.raises(Invalid) as caught:
        post(db, [Line.debit("5500", 100), Line.credit("1001", 100)])
    assert list(caught.value.errors) == ["postings.1.currency"]
    db.commit()
    assert snapshot(db, session_factory) == before
    post(db, [Line.debit("5500", 85317), Line.credit("1001", 85317, Money(100000, "USD"))])
    db.commit()
    assert balance(db, "1001") == (0, 0)


def test_usd_bank_account_can_be_emptied_after_the_dollar_rose(db):
    add_usd_bank(db)
    post(db, [Line.debit("1001", 85317, Money(100000, "USD")), Line.credit("4200", 85317)])
    post(
        db,
        [Line.debit("5000", 87000), Line.credit("1001", 87000, Money(100000, "USD"))],
        day=date(2026, 3, 2),
    )
    db.flush()
    assert balance(db, "1001")[1] == 0


def test_refused_entry_leaves_no_award_subledger_behind(db, session_factory):
    add_usd_bank(db)  # id after 2000's, so it is checked after the award subledger
    db.commit()
    before = snapshot(db, session_factory)
    with pytest.raises(Overdraft):
        post(
            db,
            [
                Line.debit("5000", 20000),
                Line.credit("2000", 10000, Money(12000, "USD"), award_id=7),
                Line.credit("1001", 10000, Money(12000, "USD")),
            ],
        )
    db.commit()
    assert snapshot(db, session_factory) == before


# -- balances ---------------------------------------------------------------------------------


def _history(db):
    """A few weeks of a small fund, some entries back-dated."""
    add_usd_bank(db)
    donate(db, 1000000, day=date(2026, 1, 5))
    post(db, [Line.debit("1010", 250000), Line.credit("2100", 250000)], day=date(2026, 1, 6))
    register_award(db, 7, 300000, day=date(2026, 1, 7))
    register_award(db, 8, 85317, Money(100000, "USD"), day=date(2026, 1, 7))
    post(
        db,
        [Line.debit("2100", 250000), Line.credit("4000", 250000)],
        day=date(2026, 1, 12),
    )
    post(db, [Line.debit("1000", 250000), Line.credit("1010", 250000)], day=date(2026, 1, 12))
    post(
        db,
        [Line.debit("1001", 85000, Money(100000, "USD")), Line.credit("1000", 85000)],
        day=date(2026, 1, 13),
    )
    post(
        db,
        [
            Line.debit("2000", 85317, Money(100000, "USD"), award_id=8),
            Line.credit("1001", 85000, Money(100000, "USD")),
            Line.credit("4400", 317),
        ],
        day=date(2026, 1, 14),
    )
    post(
        db,
        [Line.debit("2000", 100000, award_id=7), Line.credit("1000", 100000)],
        day=date(2026, 1, 15),
    )
    # Back-dated, and on credit: a bank payment dated before the first receipt would make
    # the as-of balance of 1000 negative, which the running-balance check cannot see.
    post(db, [Line.debit("5500", 1234), Line.credit("2200", 1234)], day=date(2026, 1, 2))
    reverse_entry(db, 10, value_date=date(2026, 1, 16), memo="wrong", actor=named("bob"))
    db.commit()


def test_running_balances_equal_the_postings(db):
    _history(db)
    sums = dict(
        db.execute(
            select(Account.code, func.coalesce(func.sum(Posting.amount), 0))
            .outerjoin(Posting, Posting.account_id == Account.id)
            .group_by(Account.code)
        ).all()
    )
    current = current_balances(db)
    assert current == {code: int(total) for code, total in sums.items()}
    assert current["1000"] == 1000000 + 250000 - 85000 - 100000
    assert current["1001"] == 0 and balance(db, "1001") == (0, 0)
    assert current["2000"] == -300000 - 85317 + 85317 + 100000
    assert sum(current.values()) == 0
    assert award_balance(db, 7) == ("EUR", -200000, -200000)
    assert award_balance(db, 8) == ("USD", 0, 0)
    counts = dict(
        db.execute(
            select(Account.code, func.count(Posting.id))
            .outerjoin(Posting, Posting.account_id == Account.id)
            .group_by(Account.code)
        ).all()
    )
    stored_counts = dict(
        db.execute(
            select(Account.code, AccountBalance.postings).join(
                AccountBalance, AccountBalance.account_id == Account.id
            )
        ).all()
    )
    assert stored_counts == counts


def test_trial_balance_and_balances_as_of_past_dates(db):
    _history(db)
    tb = trial_balance(db)
    assert tb.as_of is None and tb.entries == 11
    assert tb.head_hash == db.get(JournalHead, 1).last_hash
    # Debits: 1000 and 5000; credits: 2000, 4000, 4200, 4400.
    assert tb.total_debit == tb.total_credit == 1065000 + 385317
    assert [line.code for line in tb.lines] == sorted(line.code for line in tb.lines)
    lines = {line.code: line for line in tb.lines}
    assert (lines["1000"].debit, lines["1000"].credit) == (1065000, 0)
    assert (lines["4200"].debit, lines["4200"].credit) == (0, 1000000)
    zero = balances_as_of(db, date(2026, 1, 1))
    assert set(zero.values()) == {0} and len(zero) == 19
    # Only the back-dated admin cost of 2026-01-02.
    early = balances_as_of(db, date(2026, 1, 2))
    assert early["5500"] == 1234 and early["2200"] == -1234
    assert {code for code, value in early.items() if value} == {"5500", "2200"}
    mid = balances_as_of(db, date(2026, 1, 7))
    assert mid["1000"] == 1000000 and mid["2200"] == -1234
    assert mid["1010"] == 250000 and mid["2100"] == -250000
    assert mid["2000"] == -300000 - 85317
    assert sum(mid.values()) == 0
    # On the last date (and after it) the postings agree with the running balances.
    assert balances_as_of(db, date(2026, 1, 16)) == current_balances(db)
    assert balances_as_of(db, date(2030, 1, 1)) == current_balances(db)
    tb = trial_balance(db, date(2026, 1, 7))
    assert tb.entries == 5 and tb.total_debit == tb.total_credit
    assert {line.code: line.balance for line in tb.lines} == mid
