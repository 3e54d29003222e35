"""The guards of SPEC §5 and §7: what a register refuses, with 422 (or 409), changing nothing.

- a proposal beyond what the award still owes, counting proposed and approved ones;
- a proposal beyond the fund's free cash (bank balance less pending estimates);
- an execution that would overdraw the bank account (1000);
- a EUR payment that debits anything but its amount;
- dates before the record's own earlier dates, and dates in the future;
- postings dated in a closed month (409).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledger import assets, awards, cases, cash, disbursements, victims
from ledger.errors import Invalid, Overdraft, PeriodClosed
from ledger.money import Money
from ledger.periods import close_month
from ledger.validate import today_utc
from tests.registers import factories as f
from tests.registers.factories import (
    ADMIN,
    FORFEITED,
    OPENED,
    ORDERED,
    PAID,
    SEIZED,
    eur,
    eur_money,
)


def _propose(db, award, minor, on=PAID):
    return disbursements.propose_disbursement(
        db,
        actor=ADMIN,
        award_id=award.id,
        amount=Money(minor, award.currency),
        method="bank_transfer",
        on=on,
    )


def _execute(db, disbursement, debited, fee=0, paid_on=PAID, currency="EUR"):
    return disbursements.execute_disbursement(
        db,
        actor=ADMIN,
        disbursement_id=disbursement.id,
        paid_on=paid_on,
        bank_reference="REF",
        debited=Money(debited, currency),
        fee=Money(fee, "EUR"),
    )


@pytest.fixture
def fund(db):
    return f.new_case(db), f.new_victim(db)


# -- what is outstanding -----------------------------------------------------------------


def test_proposals_beyond_outstanding_count_proposed_and_approved_ones(db, fund):
    case, victim = fund
    f.donate(db, 10_000_000)
    award = f.register(db, case, victim, eur_money(100_000))
    f.approve(db, f.propose(db, award, 40_000))
    pending = f.propose(db, award, 30_000)
    error = f.refused(db, Invalid, _propose, db, award, 30_001)
    assert error.errors.keys() == {"amount.amount"}
    assert "300.00" in error.detail  # what is still free
    last = f.propose(db, award, 30_000)  # exactly what is left
    f.refused(db, Invalid, _propose, db, award, 1)
    f.reject(db, last)  # a rejected proposal commits nothing any more
    f.refused(db, Invalid, _propose, db, award, 30_001)
    f.propose(db, award, 30_000)
    f.approve(db, pending)
    f.execute(db, pending, 30_000)  # paid: no longer pending, but no longer outstanding either
    f.refused(db, Invalid, _propose, db, award, 1)
    f.assert_verified(db)


def test_foreign_outstanding_is_counted_in_the_award_currency(db, fund):
    case, _ = fund
    f.load_rates(db, ("THB",))
    f.donate(db, 10_000_000)
    award = f.register(db, case, f.new_victim(db, "THB", "TH"), Money(1_000_000, "THB"))
    f.propose(db, award, 999_999)
    f.refused(db, Invalid, _propose, db, award, 2)
    f.refused(
        db,
        Invalid,
        disbursements.propose_disbursement,
        db,
        actor=ADMIN,
        award_id=award.id,
        amount=eur_money(1),
        method="cash",
        on=PAID,
    )
    f.propose(db, award, 1)


def test_commitments_and_free_cash_are_whole_minor_units(db, fund):
    case, victim = fund
    f.donate(db, 100_000)
    award = f.register(db, case, victim, eur_money(50_000))
    f.propose(db, award, 10_000)
    assert awards.pending_minor(db, award.id) == 10_000
    assert type(awards.pending_minor(db, award.id)) is int
    assert disbursements.free_cash(db) == 90_000
    assert type(disbursements.free_cash(db)) is int


# -- what cash is free -------------------------------------------------------------------


def test_proposals_beyond_the_free_cash_are_refused(db, fund):
    case, victim = fund
    f.donate(db, 100_000)
    award = f.register(db, case, victim, eur_money(500_000))
    first = f.propose(db, award, 60_000)
    assert disbursements.free_cash(db) == 40_000
    error = f.refused(db, Invalid, _propose, db, award, 40_001)
    assert "available cash" in error.detail
    f.approve(db, first)  # approved still reserves its estimate
    f.refused(db, Invalid, _propose, db, award, 40_001)
    second = f.propose(db, award, 40_000)
    f.refused(db, Invalid, _propose, db, award, 1)
    f.reject(db, second)
    assert disbursements.free_cash(db) == 40_000
    f.execute(db, first, 60_000)
    assert disbursements.free_cash(db) == 40_000  # the bank paid what was reserved
    f.spend(db, 40_000)
    f.refused(db, Invalid, _propose, db, award, 1)


def test_a_foreign_proposal_reserves_its_estimate_at_the_day_rate(db, fund):
    case, _ = fund
    f.load_rates(db, ("USD",))
    f.donate(db, 100_000)
    award = f.register(db, case, f.new_victim(db, "USD", "US"), Money(1_000_000, "USD"))
    march = date(2026, 3, 31)
    estimate = eur(Money(110_000, "USD"), march)
    assert estimate > 95_000  # USD 1,100.00 costs more than EUR 950.00 on 31 March
    proposal = f.propose(db, award, 110_000, on=march)
    assert proposal.estimate_minor == estimate
    assert disbursements.free_cash(db) == 100_000 - estimate
    f.refused(db, Invalid, _propose, db, award, 5_000, on=march)


# -- what the bank can pay ---------------------------------------------------------------


def test_an_execution_that_would_overdraw_the_bank_is_refused(db, fund):
    case, victim = fund
    f.donate(db, 100_000)
    award = f.register(db, case, victim, eur_money(90_000))
    approved = f.approve(db, f.propose(db, award, 90_000))
    f.spend(db, 50_000)  # expenses do not look at pending proposals: the bank now has 500.00
    error = f.refused(db, Overdraft, _execute, db, approved, 90_000)
    assert "1000" in error.detail
    assert db.get(type(approved), approved.id).status == "approved"
    f.donate(db, 40_000)  # exactly enough: 900.00
    f.refused(db, Overdraft, _execute, db, approved, 90_000, fee=1)  # but not for a fee too
    paid = _execute(db, approved, 90_000)
    db.commit()
    assert paid.status == "paid" and f.balance(db, "1000") == 0
    f.assert_verified(db)


def test_a_foreign_payment_debiting_more_than_the_bank_holds_is_refused(db, fund):
    case, _ = fund
    f.load_rates(db, ("THB",))
    f.donate(db, 100_000)
    award = f.register(db, case, f.new_victim(db, "THB", "TH"), Money(3_000_000, "THB"))
    approved = f.approve(db, f.propose(db, award, 3_000_000))
    assert approved.estimate_minor < 100_000
    f.refused(db, Overdraft, _execute, db, approved, 100_001)
    f.refused(db, Overdraft, _execute, db, approved, 99_000, fee=1_001)
    _execute(db, approved, 99_000, fee=1_000)
    db.commit()
    f.assert_verified(db)


def test_a_eur_payment_debits_exactly_its_amount(db, fund):
    case, victim = fund
    f.donate(db, 1_000_000)
    award = f.register(db, case, victim, eur_money(100_000))
    approved = f.approve(db, f.propose(db, award, 100_000))
    for debited in (99_999, 100_001):
        error = f.refused(db, Invalid, _execute, db, approved, debited)
        assert error.errors.keys() == {"debited.amount"}
    error = f.refused(db, Invalid, _execute, db, approved, 100_000, currency="USD")
    assert error.errors.keys() == {"debited.currency"}
    error = f.refused(db, Invalid, _execute, db, approved, 100_000, fee=-1)
    assert error.errors.keys() == {"fee.amount"}
    _execute(db, approved, 100_000)
    db.commit()


# -- dates -------------------------------------------------------------------------------


def _world(db, case, victim):
    """Records with dates to be earlier than: seized cash, a forfeited car, a paid award."""
    f.donate(db, 10_000_000)
    money = f.seize(db, case, eur_money(100_000))
    car = f.seize(db, case, eur_money(100_000), kind="vehicle")
    other_car = f.seize(db, case, eur_money(100_000), kind="vehicle")
    f.forfeit(db, car, eur_money(90_000))
    award = f.register(db, case, victim, eur_money(100_000))
    approved = f.approve(db, f.propose(db, award, 10_000))
    paid = f.pay(db, award, 20_000)
    return money, car, other_car, award, approved, paid


def test_dates_before_the_record_s_own_earlier_dates_are_refused(db, fund):
    case, victim = fund
    money, car, other_car, award, approved, paid = _world(db, case, victim)
    day = timedelta(days=1)
    attempts = {
        "seized_on": lambda: assets.seize_asset(
            db,
            actor=ADMIN,
            case_id=case.id,
            kind="cash",
            description="Earlier",
            seized_on=OPENED - day,
            estimated_value=eur_money(1),
        ),
        "forfeited_on": lambda: assets.forfeit_asset(
            db,
            actor=ADMIN,
            asset_id=other_car.id,
            order_reference="F",
            forfeited_on=SEIZED - day,
            value=eur_money(1),
        ),
        "sold_on": lambda: assets.liquidate_asset(
            db,
            actor=ADMIN,
            asset_id=car.id,
            sold_on=FORFEITED - day,
            proceeds=eur_money(100_000),
            selling_costs=eur_money(0),
        ),
        "released_on": lambda: assets.release_asset(
            db, actor=ADMIN, asset_id=money.id, released_on=SEIZED - day, reason="Early"
        ),
        "ordered_on": lambda: awards.register_award(
            db,
            actor=ADMIN,
            case_id=case.id,
            victim_id=victim.id,
            order_reference="EARLY",
            ordered_on=OPENED - day,
            amount=eur_money(1),
        ),
        "effective_on": lambda: awards.cancel_award(
            db,
            actor=ADMIN,
            award_id=award.id,
            effective_on=ORDERED - day,
            reason="Early",
            amount=eur_money(1),
        ),
        "paid_on": lambda: _execute(db, approved, 10_000, paid_on=ORDERED - day),
        "returned_on": lambda: disbursements.return_disbursement(
            db, actor=ADMIN, disbursement_id=paid.id, returned_on=PAID - day, reason="Early"
        ),
    }
    for field, attempt in attempts.items():
        error = f.refused(db, Invalid, attempt)
        assert error.errors.keys() == {field}, field
    f.assert_verified(db)


def test_escrow_interest_before_the_seizure_is_refused(db, fund):
    case, _ = fund
    money = f.seize(db, case, eur_money(100_000))
    f.refused(
        db,
        Invalid,
        cash.record_receipt,
        db,
        actor=ADMIN,
        kind="escrow_interest",
        received_on=SEIZED - timedelta(days=2),
        amount=eur_money(100),
        counterparty="Escrow bank",
        asset_id=money.id,
    )


def test_forfeiting_cash_before_its_last_escrow_interest_is_refused(db, fund):
    case, _ = fund
    money = f.seize(db, case, eur_money(100_000))
    f.escrow_interest(db, money, eur_money(100), on=date(2026, 2, 10))
    f.refused(
        db,
        Invalid,
        assets.forfeit_asset,
        db,
        actor=ADMIN,
        asset_id=money.id,
        order_reference="F-1",
        forfeited_on=FORFEITED,
    )


def test_future_dates_are_refused(db, fund):
    case, victim = fund
    money, car, other_car, award, approved, paid = _world(db, case, victim)
    later = today_utc() + timedelta(days=30)
    attempts = {
        "opened_on": lambda: cases.open_case(
            db,
            actor=ADMIN,
            reference="CR-FUTURE",
            court="Court",
            title="Future",
            jurisdiction="PT",
            opened_on=later,
        ),
        "seized_on": lambda: assets.seize_asset(
            db,
            actor=ADMIN,
            case_id=case.id,
            kind="cash",
            description="Future",
            seized_on=later,
            estimated_value=eur_money(1),
        ),
        "forfeited_on": lambda: assets.forfeit_asset(
            db, actor=ADMIN, asset_id=money.id, order_reference="F", forfeited_on=later
        ),
        "sold_on": lambda: assets.liquidate_asset(
            db,
            actor=ADMIN,
            asset_id=car.id,
            sold_on=later,
            proceeds=eur_money(1),
            selling_costs=eur_money(0),
        ),
        "released_on": lambda: assets.release_asset(
            db, actor=ADMIN, asset_id=other_car.id, released_on=later, reason="Future"
        ),
        "ordered_on": lambda: awards.register_award(
            db,
            actor=ADMIN,
            case_id=case.id,
            victim_id=victim.id,
            order_reference="FUTURE",
            ordered_on=later,
            amount=eur_money(1),
        ),
        "effective_on": lambda: awards.cancel_award(
            db, actor=ADMIN, award_id=award.id, effective_on=later, reason="Future"
        ),
        "paid_on": lambda: _execute(db, approved, 10_000, paid_on=later),
        "returned_on": lambda: disbursements.return_disbursement(
            db, actor=ADMIN, disbursement_id=paid.id, returned_on=later, reason="Future"
        ),
        "received_on": lambda: cash.record_receipt(
            db,
            actor=ADMIN,
            kind="donation",
            received_on=later,
            amount=eur_money(1),
            counterparty="Future",
        ),
        "paid_on ": lambda: cash.record_expense(
            db,
            actor=ADMIN,
            kind="administrative",
            paid_on=later,
            amount=eur_money(1),
            counterparty="Future",
        ),
        "date_of_birth": lambda: victims.register_victim(
            db,
            f.CIPHER,
            actor=ADMIN,
            full_name="Not born",
            date_of_birth=later,
            contact=None,
            country_of_residence="PT",
            returned_home=False,
            payment=victims.PaymentDetails(method="cash", currency="EUR"),
        ),
    }
    for field, attempt in attempts.items():
        error = f.refused(db, Invalid, attempt)
        assert error.errors.keys() == {field.strip()}, field
        assert "future" in error.detail


def test_register_steps_dated_in_a_closed_month_are_409(db, fund):
    case, victim = fund
    f.donate(db, 1_000_000)
    award = f.register(db, case, victim, eur_money(100_000))
    approved = f.approve(db, f.propose(db, award, 10_000))
    close_month(db, "2026-02", actor=ADMIN, today=today_utc())
    db.commit()
    f.refused(db, PeriodClosed, _execute, db, approved, 10_000)
    f.refused(
        db,
        PeriodClosed,
        awards.cancel_award,
        db,
        actor=ADMIN,
        award_id=award.id,
        effective_on=PAID,
        reason="Closed",
        amount=eur_money(1),
    )
    f.refused(
        db,
        PeriodClosed,
        assets.seize_asset,
        db,
        actor=ADMIN,
        case_id=case.id,
        kind="cash",
        description="Late",
        seized_on=SEIZED,
        estimated_value=eur_money(1),
    )
    paid = _execute(db, approved, 10_000, paid_on=date(2026, 3, 2))
    db.commit()
    assert paid.paid_on == date(2026, 3, 2)
    f.assert_verified(db)
