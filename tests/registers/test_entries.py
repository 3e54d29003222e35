"""SPEC §4 row by row: each register event posts exactly the entry the table prescribes.

Every test drives the service, then compares the postings of the entry it
posted (account, signed functional amount, original amount and currency, and
the case/victim/award/asset dimensions) with the ones SPEC §4 implies,
computed independently from the real ECB rates in tests/data. The journal
verifies after each.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ledger import awards, cash
from ledger.balances import balances_as_of
from ledger.chart import add_account
from ledger.closing import close_year, revalue
from ledger.errors import Conflict, Invalid, LedgerError, PeriodClosed
from ledger.models import Account, JournalEntry
from ledger.money import Money
from ledger.periods import close_month, is_closed
from ledger.validate import today_utc
from tests.conftest import OPERATOR
from tests.registers import factories as f
from tests.registers.factories import (
    FORFEITED,
    INTEREST,
    ORDERED,
    PAID,
    SEIZED,
    eur,
    eur_money,
    expect,
    leg,
    legs_of,
)

USD, THB = "USD", "THB"


@pytest.fixture
def rated(db):
    f.load_rates(db)
    return db


@pytest.fixture
def case(db):
    return f.new_case(db)


# -- seized cash ------------------------------------------------------------------------


def test_cash_seized_in_eur(db, case):
    asset = f.seize(db, case, eur_money(5_000_000))
    entry = f.last_entry(db)
    assert (entry.event, entry.value_date) == ("asset.seized", SEIZED)
    assert (entry.source_type, entry.source_id) == ("asset", asset.id)
    dims = {"case": case.id, "asset": asset.id}
    assert legs_of(db, entry.number) == expect(
        leg("1010", 5_000_000, **dims), leg("2100", -5_000_000, **dims)
    )
    f.assert_verified(db)


def test_foreign_cash_seized_is_converted_at_the_seizure_date(rated, case):
    db = rated
    dollars = Money(1_000_000, USD)
    asset = f.seize(db, case, dollars)
    value = eur(dollars, SEIZED)
    assert value == 857_339  # USD 10,000.00 at 1.1664
    dims = {"case": case.id, "asset": asset.id}
    assert legs_of(db, f.head(db)) == expect(
        leg("1010", value, dollars, **dims), leg("2100", -value, -dollars, **dims)
    )
    f.assert_verified(db)


def test_non_cash_seizure_posts_nothing(db, case):
    before = f.head(db)
    asset = f.seize(db, case, eur_money(2_000_000), kind="vehicle")
    assert asset.state == "seized"
    assert f.head(db) == before
    f.assert_verified(db)


def test_escrow_interest_follows_the_principal(db, case):
    asset = f.seize(db, case, eur_money(5_000_000))
    movement = f.escrow_interest(db, asset, eur_money(10_000))
    entry = f.last_entry(db)
    assert entry.number == movement.entry_number
    assert (entry.event, entry.value_date) == ("receipt.recorded", INTEREST)
    dims = {"case": case.id, "asset": asset.id}
    assert legs_of(db, entry.number) == expect(
        leg("1010", 10_000, **dims), leg("2100", -10_000, **dims)
    )
    assert f.balance(db, "1000") == 0  # not the fund's money yet
    f.assert_verified(db)


def test_cash_forfeited_with_its_escrow_interest(db, case):
    asset = f.seize(db, case, eur_money(5_000_000))
    f.escrow_interest(db, asset, eur_money(10_000))
    asset = f.forfeit(db, asset)
    entry = f.last_entry(db)
    assert (entry.event, entry.value_date) == ("asset.forfeited", FORFEITED)
    dims = {"case": case.id, "asset": asset.id}
    assert legs_of(db, entry.number) == expect(
        leg("2100", 5_010_000, **dims),
        leg("4000", -5_010_000, **dims),
        leg("1000", 5_010_000, **dims),
        leg("1010", -5_010_000, **dims),
    )
    assert (asset.state, asset.carrying_minor) == ("forfeited", 5_010_000)
    assert [f.balance(db, c) for c in ("1010", "2100", "1000", "4000")] == [
        0,
        0,
        5_010_000,
        -5_010_000,
    ]
    f.assert_verified(db)


def test_foreign_cash_forfeited_at_the_value_it_was_carried_at(rated, case):
    db = rated
    dollars, interest = Money(1_000_000, USD), Money(2_500, USD)
    asset = f.seize(db, case, dollars)
    f.escrow_interest(db, asset, interest)
    carried = eur(dollars, SEIZED) + eur(interest, INTEREST)
    f.forfeit(db, asset)
    dims = {"case": case.id, "asset": asset.id}
    total = dollars + interest
    assert legs_of(db, f.head(db)) == expect(
        leg("2100", carried, total, **dims),
        leg("4000", -carried, **dims),
        leg("1000", carried, **dims),
        leg("1010", -carried, -total, **dims),
    )
    assert f.balance(db, "1010") == f.balance(db, "2100") == 0
    f.assert_verified(db)


def test_cash_released_to_its_owner(rated, case):
    db = rated
    for currency in ("EUR", USD):
        seized = Money(500_000, currency)
        asset = f.seize(db, case, seized)
        f.escrow_interest(db, asset, Money(1_234, currency))
        carried = eur(seized, SEIZED) + eur(Money(1_234, currency), INTEREST)
        asset = f.release(db, asset)
        entry = f.last_entry(db)
        assert (entry.event, entry.value_date) == ("asset.released", PAID)
        total = Money(501_234, currency)
        dims = {"case": case.id, "asset": asset.id}
        assert legs_of(db, entry.number) == expect(
            leg("2100", carried, total, **dims), leg("1010", -carried, -total, **dims)
        )
        assert asset.state == "released"
        assert f.balance(db, "1010") == f.balance(db, "2100") == f.balance(db, "1000") == 0
    f.assert_verified(db)


# -- non-cash assets ----------------------------------------------------------------------


def test_non_cash_forfeited_at_appraised_value(rated, case):
    db = rated
    for value in (eur_money(1_800_000), Money(2_000_000, USD)):
        car = f.seize(db, case, eur_money(2_000_000), kind="vehicle")
        car = f.forfeit(db, car, value)
        carried = eur(value, FORFEITED)
        dims = {"case": case.id, "asset": car.id}
        assert legs_of(db, f.head(db)) == expect(
            leg("1100", carried, value, **dims), leg("4000", -carried, -value, **dims)
        )
        assert (car.carrying_minor, car.value_minor, car.value_currency) == (
            carried,
            value.minor,
            value.currency,
        )
    f.assert_verified(db)


def _forfeited_car(db, case, value=1_800_000):
    car = f.seize(db, case, eur_money(2_000_000), kind="vehicle")
    return f.forfeit(db, car, eur_money(value))


def test_sale_of_a_forfeited_asset_with_gain_loss_or_at_value(db, case):
    for proceeds, costs, third in [
        (1_950_000, 50_000, ("4100", -100_000)),  # P = 19,000 > V = 18,000: gain
        (1_750_000, 50_000, ("5100", 100_000)),  # P = 17,000 < V: loss
        (1_850_000, 50_000, None),  # P = V: no third leg
    ]:
        car = f.liquidate(db, _forfeited_car(db, case), eur_money(proceeds), eur_money(costs))
        entry = f.last_entry(db)
        assert (entry.event, entry.value_date) == ("asset.liquidated", PAID)
        dims = {"case": case.id, "asset": car.id}
        expected = [leg("1000", proceeds - costs, **dims), leg("1100", -1_800_000, **dims)]
        if third is not None:
            expected.append(leg(*third, **dims))
        assert legs_of(db, entry.number) == expect(*expected)
        assert car.state == "liquidated"
        assert f.balance(db, "1100") == 0
    f.assert_verified(db)


def test_sale_in_a_foreign_currency_converts_the_net_proceeds(rated, case):
    db = rated
    car = f.seize(db, case, eur_money(2_000_000), kind="vehicle")
    car = f.forfeit(db, car, Money(2_000_000, USD))  # USD 20,000 at 1.1840
    carried = eur(Money(2_000_000, USD), FORFEITED)
    car = f.liquidate(db, car, Money(2_100_000, USD), Money(30_000, USD))
    net = eur(Money(2_070_000, USD), PAID)
    dims = {"case": case.id, "asset": car.id}
    assert net > carried  # the dollar weakened less than the sale gained
    third = leg("4100", carried - net, **dims)
    assert legs_of(db, f.head(db)) == expect(
        leg("1000", net, **dims), leg("1100", -carried, -Money(2_000_000, USD), **dims), third
    )
    f.assert_verified(db)


def test_custody_and_disposal_costs(db, case):
    f.donate(db, 100_000)
    car = _forfeited_car(db, case)
    for kind in ("custody", "disposal"):
        movement = f.spend(db, 30_000, kind=kind, asset_id=car.id)
        assert movement.case_id == case.id
        dims = {"case": case.id, "asset": car.id}
        assert legs_of(db, movement.entry_number) == expect(
            leg("5200", 30_000, **dims), leg("1000", -30_000, **dims)
        )
    # A cost for the case as a whole carries the case alone.
    movement = f.spend(db, 1_000, kind="custody", case_id=case.id)
    assert legs_of(db, movement.entry_number) == expect(
        leg("5200", 1_000, case=case.id), leg("1000", -1_000, case=case.id)
    )
    f.assert_verified(db)


# -- awards ------------------------------------------------------------------------------


def test_award_registered_in_eur(db, case):
    victim = f.new_victim(db)
    award = f.register(db, case, victim, eur_money(2_000_000))
    entry = f.last_entry(db)
    assert (entry.event, entry.value_date) == ("award.registered", ORDERED)
    assert (entry.source_type, entry.source_id) == ("award", award.id)
    dims = f.award_dims(award)
    assert dims == {"case": case.id, "victim": victim.id, "award": award.id}
    assert legs_of(db, entry.number) == expect(
        leg("5000", 2_000_000, **dims), leg("2000", -2_000_000, **dims)
    )
    assert (award.status, award.outstanding_minor, award.functional_minor) == (
        "registered",
        2_000_000,
        2_000_000,
    )
    assert f.carrying(db, award) == (2_000_000, 2_000_000)
    f.assert_verified(db)


def test_award_registered_in_a_foreign_currency(rated, case):
    db = rated
    victim = f.new_victim(db, THB, "TH")
    baht = Money(40_000_000, THB)
    award = f.register(db, case, victim, baht)
    value = eur(baht, ORDERED)
    assert value == 1_068_604  # THB 400,000.00 at 37.432
    dims = f.award_dims(award)
    assert legs_of(db, f.head(db)) == expect(
        leg("5000", value, baht, **dims), leg("2000", -value, -baht, **dims)
    )
    assert award.functional_minor == value
    assert f.carrying(db, award) == (value, 40_000_000)
    f.assert_verified(db)


def test_award_cancelled_in_full(db, case):
    award = f.register(db, case, f.new_victim(db), eur_money(2_000_000))
    award = f.cancel(db, award, eur_money(2_000_000))  # without an amount: see below
    entry = f.last_entry(db)
    assert (entry.event, entry.value_date) == ("award.cancelled", PAID)
    dims = f.award_dims(award)
    assert legs_of(db, entry.number) == expect(
        leg("2000", 2_000_000, **dims), leg("5000", -2_000_000, **dims)
    )
    assert (award.status, award.outstanding_minor, award.cancelled_minor) == (
        "cancelled",
        0,
        2_000_000,
    )
    assert f.carrying(db, award) == (0, 0)
    assert f.balance(db, "5000") == 0
    f.assert_verified(db)


def test_award_reduced_then_cancelled_after_a_payment_relieves_the_unpaid_part_only(rated, case):
    db = rated
    f.donate(db, 5_000_000)
    baht = Money(40_000_000, THB)
    award = f.register(db, case, f.new_victim(db, THB, "TH"), baht)
    value = eur(baht, ORDERED)
    dims = f.award_dims(award)

    award = f.cancel(db, award, Money(10_000_000, THB))  # reduced by a quarter
    first = f.half_even(value * 10_000_000, 40_000_000)
    assert legs_of(db, f.head(db)) == expect(
        leg("2000", first, Money(10_000_000, THB), **dims),
        leg("5000", -first, -Money(10_000_000, THB), **dims),
    )
    assert (award.status, award.outstanding_minor) == ("registered", 30_000_000)
    assert f.carrying(db, award) == (value - first, 30_000_000)

    f.pay(db, award, 10_000_000)  # a third of what is left
    paid = f.half_even((value - first) * 10_000_000, 30_000_000)
    assert f.carrying(db, award) == (value - first - paid, 20_000_000)

    award = f.cancel(db, award)  # the rest: exactly what is still carried
    rest = value - first - paid
    assert legs_of(db, f.head(db)) == expect(
        leg("2000", rest, Money(20_000_000, THB), **dims),
        leg("5000", -rest, -Money(20_000_000, THB), **dims),
    )
    assert (award.outstanding_minor, award.paid_minor, award.cancelled_minor) == (
        0,
        10_000_000,
        30_000_000,
    )
    assert f.carrying(db, award) == (0, 0)
    # What the fund still books as compensation is what it paid, at the award-date value.
    assert f.balance(db, "5000") == paid
    f.assert_verified(db)


def test_cancelling_refuses_what_pending_proposals_commit(db, case):
    f.donate(db, 5_000_000)
    award = f.register(db, case, f.new_victim(db), eur_money(1_000_000))
    f.propose(db, award, 600_000)
    approved = f.propose(db, award, 300_000)
    f.approve(db, approved)
    # 100,000 is free: neither paid nor committed to a proposed or approved payment.
    for too_much in (100_001, 1_000_000):
        error = f.refused(
            db,
            Invalid,
            awards.cancel_award,
            db,
            actor=f.ADMIN,
            award_id=award.id,
            effective_on=PAID,
            reason="Appeal",
            amount=eur_money(too_much),
        )
        assert "amount.amount" in error.errors
    award = f.cancel(db, award)  # no amount: only the free part
    dims = f.award_dims(award)
    assert legs_of(db, f.head(db)) == expect(
        leg("2000", 100_000, **dims), leg("5000", -100_000, **dims)
    )
    assert (award.status, award.outstanding_minor) == ("registered", 900_000)
    f.refused(
        db,
        Invalid,
        awards.cancel_award,
        db,
        actor=f.ADMIN,
        award_id=award.id,
        effective_on=PAID,
        reason="Again",
    )
    f.assert_verified(db)


# -- payments ----------------------------------------------------------------------------


def test_eur_payment_executed(db, case):
    f.donate(db, 5_000_000)
    award = f.register(db, case, f.new_victim(db), eur_money(2_000_000))
    dims = f.award_dims(award)
    for fee, paid_minor, status in [(0, 1_000_000, "partially_paid"), (250, 2_000_000, "paid")]:
        disbursement = f.pay(db, award, 1_000_000, 1_000_000, fee=fee)
        entry = f.last_entry(db)
        assert (entry.event, entry.value_date) == ("disbursement.paid", PAID)
        assert (entry.source_type, entry.source_id) == ("disbursement", disbursement.id)
        assert disbursement.payment_entry == entry.number
        expected = [leg("2000", 1_000_000, **dims), leg("1000", -1_000_000, **dims)]
        if fee:
            expected += [leg("5300", fee, **dims), leg("1000", -fee, **dims)]
        assert legs_of(db, entry.number) == expect(*expected)
        db.refresh(award)
        assert (award.status, award.paid_minor) == (status, paid_minor)
    assert f.balance(db, "1000") == 5_000_000 - 2_000_000 - 250
    assert f.carrying(db, award) == (0, 0)
    f.assert_verified(db)


def test_foreign_payment_executed_books_the_difference_as_fx(rated, case):
    db = rated
    f.donate(db, 5_000_000)
    for currency, debited, fx_account in [
        (THB, 540_000, "5400"),  # THB 200,000 cost more than half the carrying value: loss
        (THB, 530_000, "4400"),  # and less: gain
        (USD, 640_000, "5400"),
        (USD, 620_000, "4400"),
    ]:
        amount = Money(40_000_000 if currency == THB else 1_500_000, currency)
        award = f.register(db, case, f.new_victim(db, currency, "TH"), amount)
        value = eur(amount, ORDERED)
        part = amount.minor // 2 + 1  # not an exact half: the relief rounds
        disbursement = f.pay(db, award, part, debited, fee=1_500)
        relief = f.half_even(value * part, amount.minor)
        difference = debited - relief
        assert (difference > 0) == (fx_account == "5400")
        dims = f.award_dims(award)
        assert legs_of(db, disbursement.payment_entry) == expect(
            leg("2000", relief, Money(part, currency), **dims),
            leg("1000", -debited, **dims),
            leg(fx_account, difference, **dims),
            leg("5300", 1_500, **dims),
            leg("1000", -1_500, **dims),
        )
        assert f.carrying(db, award) == (value - relief, amount.minor - part)
    f.assert_verified(db)


def test_payment_returned_reverses_all_but_the_fee(rated, case):
    db = rated
    f.donate(db, 5_000_000)
    baht = Money(40_000_000, THB)
    award = f.register(db, case, f.new_victim(db, THB, "TH"), baht)
    value = eur(baht, ORDERED)
    disbursement = f.pay(db, award, 40_000_000, 1_080_000, fee=1_500)
    payment = disbursement.payment_entry
    db.refresh(award)
    assert (award.status, f.carrying(db, award)) == ("paid", (0, 0))

    disbursement = f.give_back(db, disbursement, on=date(2026, 2, 10))
    entry = f.last_entry(db)
    assert (entry.event, entry.value_date, entry.reverses) == (
        "disbursement.returned",
        date(2026, 2, 10),
        payment,
    )
    assert db.get(JournalEntry, payment).reversed_by.number == entry.number
    assert disbursement.return_entry == entry.number
    assert disbursement.status == "returned"
    dims = f.award_dims(award)
    assert legs_of(db, entry.number) == expect(
        leg("2000", -value, -baht, **dims),
        leg("1000", 1_080_000, **dims),
        leg("5400" if value < 1_080_000 else "4400", value - 1_080_000, **dims),
    )
    # The original payment's legs, fee aside, are exactly mirrored.
    mirrored = [
        leg(p.account, -p.amount, Money(-p.original, p.currency), **dims)
        for p in legs_of(db, payment)
        if p.account != "5300" and not (p.account == "1000" and p.amount == -1_500)
    ]
    assert legs_of(db, entry.number) == expect(*mirrored)
    db.refresh(award)
    assert (award.status, award.paid_minor, award.outstanding_minor) == (
        "registered",
        0,
        40_000_000,
    )
    assert f.carrying(db, award) == (value, 40_000_000)
    assert f.balance(db, "1000") == 5_000_000 - 1_500  # the fee stays spent
    assert f.balance(db, "5300") == 1_500
    assert f.balance(db, "4400") == f.balance(db, "5400") == 0
    f.assert_verified(db)


# -- receipts and expenses ---------------------------------------------------------------


def test_receipts(db, case):
    for kind, account in [
        ("donation", "4200"),
        ("grant", "4200"),
        ("interest", "4300"),
        ("other", "4200"),
    ]:
        movement = f.donate(db, 123_456, kind=kind)
        entry = f.last_entry(db)
        assert entry.number == movement.entry_number
        assert (entry.event, entry.source_type, entry.source_id) == (
            "receipt.recorded",
            "receipt",
            movement.id,
        )
        assert legs_of(db, entry.number) == expect(leg("1000", 123_456), leg(account, -123_456))
    movement = cash.record_receipt(
        db,
        actor=f.ADMIN,
        kind="grant",
        received_on=PAID,
        amount=eur_money(50_000),
        counterparty="Ministry",
        case_id=case.id,
    )
    db.commit()
    assert legs_of(db, movement.entry_number) == expect(
        leg("1000", 50_000, case=case.id), leg("4200", -50_000, case=case.id)
    )
    f.assert_verified(db)


def test_expenses(db):
    f.donate(db, 100_000)
    for kind, account in [("administrative", "5500"), ("bank_charges", "5300"), ("other", "5500")]:
        movement = f.spend(db, 4_321, kind=kind)
        entry = f.last_entry(db)
        assert (entry.event, entry.source_type) == ("expense.recorded", "expense")
        assert legs_of(db, movement.entry_number) == expect(
            leg(account, 4_321), leg("1000", -4_321)
        )
    assert f.balance(db, "1000") == 100_000 - 3 * 4_321
    f.assert_verified(db)


# -- FX revaluation ----------------------------------------------------------------------


MARCH_END = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("amount", "pnl"),
    [(Money(40_000_000, THB), "4400"), (Money(1_500_000, USD), "5400")],
    ids=["THB-weakened-gain", "USD-strengthened-loss"],
)
def test_revaluation_restates_an_open_award_at_month_end(rated, case, amount, pnl):
    db = rated
    award = f.register(db, case, f.new_victim(db, amount.currency, "TH"), amount)
    at_award, at_month_end = eur(amount, ORDERED), eur(amount, MARCH_END)
    change = at_award - at_month_end  # debit to 2000 when the liability shrinks
    assert (change > 0) == (pnl == "4400")
    entry = revalue(db, actor=f.ADMIN, month="2026-03")
    db.commit()
    assert (entry.event, entry.value_date) == ("fx.revalued", MARCH_END)
    assert legs_of(db, entry.number) == expect(
        leg("2000", change, Money(0, amount.currency), **f.award_dims(award)), leg(pnl, -change)
    )
    assert f.carrying(db, award) == (at_month_end, amount.minor)
    assert revalue(db, actor=f.ADMIN, month="2026-03") is None  # nothing left to restate
    f.assert_verified(db)


def test_revaluation_of_awards_and_a_foreign_bank_account(rated, case):
    db = rated
    add_account(
        db,
        actor=OPERATOR,
        code="1001",
        name="Fund bank account (USD)",
        type="asset",
        currency=USD,
        no_overdraft=True,
    )
    db.commit()
    thb = f.register(db, case, f.new_victim(db, THB, "TH"), Money(40_000_000, THB))
    usd = f.register(db, case, f.new_victim(db, USD, "US"), Money(1_500_000, USD))
    cash.record_receipt(
        db,
        actor=f.ADMIN,
        kind="donation",
        received_on=ORDERED,
        amount=Money(500_000, USD),
        counterparty="US foundation",
    )
    db.commit()
    bank_before = f.balance(db, "1001")
    assert bank_before == eur(Money(500_000, USD), ORDERED)
    entry = revalue(db, actor=f.ADMIN, month="2026-03")
    db.commit()
    thb_change = eur(Money(40_000_000, THB), ORDERED) - eur(Money(40_000_000, THB), MARCH_END)
    usd_change = eur(Money(1_500_000, USD), ORDERED) - eur(Money(1_500_000, USD), MARCH_END)
    bank_change = eur(Money(500_000, USD), MARCH_END) - bank_before
    legs = legs_of(db, entry.number)
    assert [x for x in legs if x.account in ("2000", "1001")] == expect(
        leg("1001", bank_change, Money(0, USD)),
        leg("2000", thb_change, Money(0, THB), **f.award_dims(thb)),
        leg("2000", usd_change, Money(0, USD), **f.award_dims(usd)),
    )
    pnl = [x for x in legs if x.account not in ("2000", "1001")]
    assert {x.account for x in pnl} <= {"4400", "5400"}
    assert all(x.original == x.amount and x.currency == "EUR" for x in pnl)
    # Gains credit 4400, losses debit 5400: together they are the net restatement.
    assert sum(x.amount for x in pnl) == -(thb_change + usd_change + bank_change)
    assert f.balance(db, "1001") == eur(Money(500_000, USD), MARCH_END)
    f.assert_verified(db)


def test_revaluation_ignores_awards_registered_after_the_month_end(rated, case):
    db = rated
    award = f.register(db, case, f.new_victim(db, THB, "TH"), Money(40_000_000, THB), MARCH_END)
    entry = revalue(db, actor=f.ADMIN, month="2026-02")  # before the award existed
    db.commit()
    assert entry is None
    february = balances_as_of(db, date(2026, 2, 28))
    assert february["2000"] == 0
    assert f.carrying(db, award) == (eur(Money(40_000_000, THB), MARCH_END), 40_000_000)


# -- year-end close ----------------------------------------------------------------------


DEC = date(2025, 12, 1)


def _year_2025(db):
    f.donate(db, 100_000, on=DEC)
    f.donate(db, 1_000, on=DEC, kind="interest")
    f.spend(db, 20_000, on=date(2025, 12, 15))
    f.spend(db, 500, on=date(2025, 12, 15), kind="bank_charges")


def test_year_end_close_moves_the_result_to_fund_balance(db):
    _year_2025(db)
    f.donate(db, 7_000, on=date(2026, 1, 5))  # next year: not closed
    entry = close_year(db, actor=f.ADMIN, year=2025, today=today_utc())
    db.commit()
    assert (entry.event, entry.value_date) == ("year.closed", date(2025, 12, 31))
    assert legs_of(db, entry.number) == expect(
        leg("4200", 100_000),
        leg("4300", 1_000),
        leg("5500", -20_000),
        leg("5300", -500),
        leg("3000", -80_500),
    )
    at_year_end = balances_as_of(db, date(2025, 12, 31))
    types = dict(db.execute(select(Account.code, Account.type)).all())
    assert all(at_year_end[c] == 0 for c, t in types.items() if t in ("revenue", "expense"))
    assert at_year_end["3000"] == -80_500 and at_year_end["1000"] == 80_500
    assert f.balance(db, "4200") == -7_000  # 2026 revenue stays open
    assert is_closed(db, date(2025, 12, 31))
    f.refused(
        db,
        PeriodClosed,
        cash.record_receipt,
        db,
        actor=f.ADMIN,
        kind="donation",
        received_on=date(2025, 12, 20),
        amount=eur_money(1),
        counterparty="Late",
    )
    f.refused(db, Conflict, close_year, db, actor=f.ADMIN, year=2025, today=today_utc())
    f.assert_verified(db)


def test_year_end_close_refuses_a_year_that_has_not_ended(db):
    f.refused(db, Invalid, close_year, db, actor=f.ADMIN, year=today_utc().year, today=today_utc())


def test_year_end_close_of_a_break_even_year(db):
    f.donate(db, 20_000, on=DEC)
    f.spend(db, 20_000, on=date(2025, 12, 15))
    entry = close_year(db, actor=f.ADMIN, year=2025, today=today_utc())
    db.commit()
    assert legs_of(db, entry.number) == expect(leg("4200", 20_000), leg("5500", -20_000))
    f.assert_verified(db)


def test_closing_december_first_does_not_lose_the_year_end_close(db):
    _year_2025(db)
    try:
        close_month(db, "2025-12", actor=f.ADMIN, today=today_utc())
        db.commit()
    except LedgerError:  # refusing to close December without the year-end close is a fix too
        db.rollback()
    entry = close_year(db, actor=f.ADMIN, year=2025, today=today_utc())
    db.commit()
    assert entry is not None
    assert balances_as_of(db, date(2025, 12, 31))["4200"] == 0
