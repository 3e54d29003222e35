"""Pro rata shares (ledger.prorata.allocate) and distribution rounds (SPEC §5).

Shares floor to minor units; the units left over go one each to the largest
remainders, ties to the smaller award number. A distribution round shares an
amount over the open awards (fund-wide, or one case's awards from that case's
net proceeds) and creates *proposed* payments that another administrator must
still approve.
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ledger import disbursements
from ledger.distributions import case_net_proceeds, distribute
from ledger.errors import Forbidden, Invalid
from ledger.models import Disbursement, Distribution
from ledger.money import Money
from ledger.prorata import allocate
from tests.registers import factories as f
from tests.registers.factories import ADMIN, OTHER, PAID, eur, eur_money

# -- allocate ----------------------------------------------------------------------------


def test_exact_shares_need_no_rounding():
    assert allocate(100, {1: 50, 2: 30, 3: 20}) == {1: 50, 2: 30, 3: 20}
    assert allocate(1_000, {7: 1, 8: 3}) == {7: 250, 8: 750}


def test_floors_then_largest_remainder():
    # 100 over 6,000 / 4,000 / 5,000: 40 exactly, 26.67 and 33.33 → the .67 gets the unit.
    assert allocate(100_000, {1: 600_000, 2: 400_000, 3: 500_000}) == {
        1: 40_000,
        2: 26_667,
        3: 33_333,
    }
    # 10 over 1/1/1/7 tenths: floors 1,1,1,7 (exact) → nothing left over.
    assert allocate(10, {1: 1, 2: 1, 3: 1, 4: 7}) == {1: 1, 2: 1, 3: 1, 4: 7}
    # 8 over 2/2/3: 2.29, 2.29, 3.43 → floors 2, 2, 3; the largest remainder (3/7) gets one.
    assert allocate(8, {1: 2, 2: 2, 3: 3}) == {1: 2, 2: 2, 3: 4}


def test_ties_go_to_the_smaller_award_number_whatever_the_order_given():
    assert allocate(2, {9: 1, 4: 1, 6: 1}) == {4: 1, 6: 1, 9: 0}
    assert allocate(100, {3: 1, 2: 1, 1: 1}) == {1: 34, 2: 33, 3: 33}


def test_one_unit_over_three_equal_weights_goes_to_the_lowest_id():
    assert allocate(1, {12: 5, 10: 5, 11: 5}) == {10: 1, 11: 0, 12: 0}


def test_more_awards_than_units_to_share():
    weights = {award: 1_000 for award in range(1, 11)}
    shares = allocate(3, weights)
    assert shares == {1: 1, 2: 1, 3: 1} | {award: 0 for award in range(4, 11)}
    # Largest remainders first, even for later ids: 3 units over 1, 1, 1, 97.
    assert allocate(3, {1: 1, 2: 1, 3: 1, 4: 97}) == {1: 0, 2: 0, 3: 0, 4: 3}


def test_zero_weights_get_nothing():
    assert allocate(5, {1: 0, 2: 3, 3: 0, 4: 2}) == {1: 0, 2: 3, 3: 0, 4: 2}
    assert allocate(1, {1: 0, 2: 1, 3: 1}) == {1: 0, 2: 1, 3: 0}
    assert allocate(0, {1: 0, 2: 0}) == {1: 0, 2: 0}
    with pytest.raises(ValueError):
        allocate(1, {1: 0, 2: 0})


def test_total_equal_to_the_weights_gives_every_weight():
    weights = {1: 123_457, 2: 1, 3: 99_999, 4: 7}
    assert allocate(sum(weights.values()), weights) == weights


def test_negative_inputs_are_refused():
    with pytest.raises(ValueError):
        allocate(-1, {1: 1})
    with pytest.raises(ValueError):
        allocate(1, {1: -1, 2: 2})


weight_maps = st.dictionaries(
    st.integers(1, 10_000), st.integers(0, 10**12), min_size=1, max_size=20
).filter(lambda w: sum(w.values()) > 0)


@settings(max_examples=150, deadline=None)
@given(weights=weight_maps, data=st.data())
def test_allocation_properties(weights, data):
    whole = sum(weights.values())
    total = data.draw(st.integers(0, 2 * whole), label="total")
    shares = allocate(total, weights)
    assert set(shares) == set(weights)
    assert sum(shares.values()) == total
    for key, share in shares.items():
        exact = Fraction(total * weights[key], whole)
        assert abs(share - exact) < 1
        assert share >= math.floor(exact)
        if total <= whole:
            assert share <= weights[key]
        if weights[key] == 0:
            assert share == 0
    # The units above the floors went to the largest remainders (ties: smaller id).
    order = sorted(weights, key=lambda k: (-(total * weights[k] % whole), k))
    bumped = [k for k in order if shares[k] > total * weights[k] // whole]
    assert bumped == order[: len(bumped)]


# -- distribution rounds -----------------------------------------------------------------


def _awards(db, case, amounts, currency="EUR"):
    return [
        f.register(db, case, f.new_victim(db, currency), Money(minor, currency))
        for minor in amounts
    ]


def _round(db, amount, case=None, on=PAID) -> Distribution:
    made = distribute(
        db, actor=ADMIN, amount=eur_money(amount), on=on, case_id=case.id if case else None
    )
    db.commit()
    return made


def test_fund_wide_round_creates_proposals_for_another_admin_to_approve(db):
    f.donate(db, 10_000_000)
    case, other_case = f.new_case(db), f.new_case(db, "CR-2026-002")
    one, two = _awards(db, case, [600_000, 400_000])
    (three,) = _awards(db, other_case, [500_000])
    made = _round(db, 100_000)
    assert (made.amount_minor, made.currency, made.case_id) == (100_000, "EUR", None)
    lines = {d.award_id: d for d in made.lines}
    assert {award: d.amount_minor for award, d in lines.items()} == {
        one.id: 40_000,
        two.id: 26_667,
        three.id: 33_333,
    }
    for d in lines.values():
        assert (d.status, d.proposed_by, d.distribution_id) == ("proposed", ADMIN.name, made.id)
        assert d.estimate_minor == d.amount_minor
        f.refused(
            db,
            Forbidden,
            disbursements.approve_disbursement,
            db,
            actor=ADMIN,
            disbursement_id=d.id,
        )
    approved = f.approve(db, lines[one.id], actor=OTHER)
    assert approved.status == "approved"
    # Committed: the fund's free cash and each award's free outstanding went down.
    assert disbursements.free_cash(db) == 10_000_000 - 100_000
    f.assert_verified(db)


def test_tied_remainders_go_to_the_smaller_award_number(db):
    f.donate(db, 1_000_000)
    awards = _awards(db, f.new_case(db), [10_000, 10_000, 10_000])
    made = _round(db, 100)
    assert [(d.award_id, d.amount_minor) for d in made.lines] == [
        (awards[0].id, 34),
        (awards[1].id, 33),
        (awards[2].id, 33),
    ]


def test_zero_shares_are_skipped(db):
    f.donate(db, 1_000_000)
    awards = _awards(db, f.new_case(db), [10_000] * 5)
    made = _round(db, 3)  # three cents over five equal awards
    assert [(d.award_id, d.amount_minor) for d in made.lines] == [
        (awards[0].id, 1),
        (awards[1].id, 1),
        (awards[2].id, 1),
    ]
    assert db.scalar(select(func.count()).select_from(Disbursement)) == 3


def test_weights_are_what_is_neither_paid_nor_proposed(db):
    f.donate(db, 10_000_000)
    one, two = _awards(db, f.new_case(db), [1_000_000, 1_000_000])
    f.pay(db, one, 600_000)
    f.propose(db, two, 200_000)
    made = _round(db, 120_000)  # over 400,000 and 800,000
    assert {d.award_id: d.amount_minor for d in made.lines} == {one.id: 40_000, two.id: 80_000}
    f.assert_verified(db)


def test_foreign_award_share_is_proposed_in_its_currency(db):
    f.load_rates(db)
    f.donate(db, 10_000_000)
    case = f.new_case(db)
    (eur_award,) = _awards(db, case, [1_068_604])
    thb = f.register(db, case, f.new_victim(db, "THB", "TH"), Money(40_000_000, "THB"))
    assert thb.functional_minor == 1_068_604  # the same weight as the EUR award
    made = _round(db, 100_001)
    lines = {d.award_id: d for d in made.lines}
    # Weighed at the round's date, where the baht is worth what the day's rate says.
    thb_today = eur(Money(40_000_000, "THB"), PAID)
    shares = allocate(100_001, {eur_award.id: 1_068_604, thb.id: thb_today})
    assert lines[eur_award.id].amount_minor == shares[eur_award.id]
    thb_line = lines[thb.id]
    assert thb_line.currency == "THB"
    # The largest baht amount whose euro reservation stays within the share.
    assert thb_line.estimate_minor == eur(Money(thb_line.amount_minor, "THB"), PAID)
    assert thb_line.estimate_minor <= shares[thb.id]
    assert eur(Money(thb_line.amount_minor + 1, "THB"), PAID) > shares[thb.id] or (
        thb_line.amount_minor == 40_000_000 * shares[thb.id] // thb_today
    )


def test_case_round_is_limited_to_the_case_net_proceeds(db):
    f.donate(db, 5_000_000)  # fund money, not the case's
    case, other = f.new_case(db), f.new_case(db, "CR-2026-002")
    cash = f.forfeit(db, f.seize(db, case, eur_money(1_000_000)))
    f.spend(db, 30_000, kind="custody", asset_id=cash.id)
    assert case_net_proceeds(db, case.id) == 970_000
    one, two = _awards(db, case, [600_000, 500_000])
    (elsewhere,) = _awards(db, other, [400_000])
    error = f.refused(
        db,
        Invalid,
        distribute,
        db,
        actor=ADMIN,
        amount=eur_money(970_001),
        on=PAID,
        case_id=case.id,
    )
    assert "net proceeds" in error.detail
    made = _round(db, 970_000, case)
    assert made.case_id == case.id
    assert {d.award_id: d.amount_minor for d in made.lines} == {one.id: 529_091, two.id: 440_909}
    assert elsewhere.id not in {d.award_id for d in made.lines}
    assert case_net_proceeds(db, case.id) == 0
    f.refused(
        db, Invalid, distribute, db, actor=ADMIN, amount=eur_money(1), on=PAID, case_id=case.id
    )
    # Payments count against the case too, not only proposals.
    for d in made.lines:
        f.approve(db, d)
        f.execute(db, d, d.amount_minor)
    assert case_net_proceeds(db, case.id) == 0
    assert _round(db, 1_000).case_id is None  # the fund's own cash is still free
    f.assert_verified(db)


def test_round_refuses_more_than_the_awards_need_or_the_free_cash(db):
    f.donate(db, 50_000)
    _awards(db, f.new_case(db), [30_000, 40_000])
    f.propose(
        db, f.register(db, f.new_case(db, "CR-3"), f.new_victim(db), eur_money(10_000)), 5_000
    )
    # The awards still need 70,000 + 5,000; free cash is 50,000 - 5,000 proposed.
    for too_much, field in [(80_001, "amount.amount"), (45_001, "amount.amount")]:
        error = f.refused(
            db, Invalid, distribute, db, actor=ADMIN, amount=eur_money(too_much), on=PAID
        )
        assert field in error.errors
    with pytest.raises(Invalid):
        distribute(db, actor=ADMIN, amount=Money(100, "USD"), on=PAID)
    db.rollback()
    made = _round(db, 45_000)
    assert sum(d.amount_minor for d in made.lines) == 45_000
    assert disbursements.free_cash(db) == 0


def test_a_round_of_all_the_free_cash_with_a_dollar_award(db):
    f.load_rates(db, ("USD",))
    f.donate(db, 500_000)
    case = f.new_case(db)
    _awards(db, case, [1_000_000])
    f.register(db, case, f.new_victim(db, "USD", "US"), Money(1_000_000, "USD"))
    march = date(2026, 3, 31)  # USD 1.1840 on the award date, 1.1498 now: the dollar rose
    made = _round(db, disbursements.free_cash(db), on=march)
    assert sum(d.estimate_minor for d in made.lines) <= 500_000
