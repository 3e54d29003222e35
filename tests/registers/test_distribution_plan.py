"""A distribution round worked out before it is taken (ledger.distributions.plan_distribution).

The preview a page shows is the plan the round itself is made from: the same
lines, the same largest-remainder units, the same amounts in each award's
currency, the same refusals; and working it out changes nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.access import AUDITOR, COURT, Actor
from ledger.distributions import distribute, plan_distribution
from ledger.errors import Forbidden, Invalid
from ledger.money import Money
from ledger.prorata import allocate
from tests.registers import factories as f
from tests.registers.factories import ADMIN, PAID, eur_money


def _awards(db, case, amounts, currency="EUR"):
    return [
        f.register(db, case, f.new_victim(db, currency), Money(minor, currency))
        for minor in amounts
    ]


def test_the_plan_shows_floors_and_the_largest_remainder_units(db):
    f.donate(db, 10_000_000)
    case = f.new_case(db)
    one, two, three = _awards(db, case, [600_000, 400_000, 500_000])
    plan = plan_distribution(db, ADMIN, eur_money(100_000), PAID)
    assert [line.award_id for line in plan.lines] == [one.id, two.id, three.id]
    assert [line.weight.minor for line in plan.lines] == [600_000, 400_000, 500_000]
    # 40,000 exactly, 26,666.67 and 33,333.33: the .67 gets the unit left over.
    assert [line.floor.minor for line in plan.lines] == [40_000, 26_666, 33_333]
    assert [line.remainder_unit for line in plan.lines] == [False, True, False]
    assert [line.share.minor for line in plan.lines] == [40_000, 26_667, 33_333]
    assert [line.amount for line in plan.lines] == [eur_money(s) for s in (40_000, 26_667, 33_333)]
    assert [line.reserved for line in plan.lines] == [line.amount for line in plan.lines]
    assert plan.remainder_units == 1 and plan.needed == eur_money(1_500_000)
    assert {line.case_reference for line in plan.lines} == {case.reference}
    assert all(line.victim.startswith("V-") for line in plan.lines)
    assert {line.method for line in plan.lines} == {v.victim.payment_method for v in (one, two)}


def test_working_a_plan_out_changes_nothing(db):
    f.donate(db, 1_000_000)
    _awards(db, f.new_case(db), [10_000, 20_000])
    db.commit()
    before = f.books(db)
    plan_distribution(db, ADMIN, eur_money(3_000), PAID)
    db.flush()
    assert f.books(db) == before


def test_the_round_proposes_exactly_the_plans_lines(db):
    f.load_rates(db)
    f.donate(db, 10_000_000)
    case = f.new_case(db)
    _awards(db, case, [10_000, 10_000, 10_000, 123_457])
    f.register(db, case, f.new_victim(db, "THB", "TH"), Money(40_000_000, "THB"))
    f.register(db, case, f.new_victim(db, "USD", "US"), Money(1_000_001, "USD"))
    db.commit()
    plan = plan_distribution(db, ADMIN, eur_money(100_001), PAID)
    made = distribute(db, actor=ADMIN, amount=eur_money(100_001), on=PAID)
    db.commit()
    proposed = [
        (d.award_id, Money(d.amount_minor, d.currency), d.estimate_minor) for d in made.lines
    ]
    assert sorted(proposed) == [(p.award_id, p.amount, p.reserved.minor) for p in plan.proposals]
    assert sum(line.share.minor for line in plan.lines) == 100_001
    assert {line.amount.currency for line in plan.lines} == {"EUR", "THB", "USD"}
    assert all(line.reserved.minor <= line.share.minor for line in plan.lines)


def test_zero_shares_are_lines_of_the_plan_but_not_proposals(db):
    f.donate(db, 1_000_000)
    _awards(db, f.new_case(db), [10_000] * 5)
    plan = plan_distribution(db, ADMIN, eur_money(3), PAID)
    assert len(plan.lines) == 5 and len(plan.proposals) == 3
    assert [line.remainder_unit for line in plan.lines] == [True, True, True, False, False]
    assert [line.floor.minor for line in plan.lines] == [0] * 5
    assert not plan.lines[4].proposed


def test_a_case_round_plans_only_that_cases_awards(db):
    f.donate(db, 5_000_000)
    case, other = f.new_case(db), f.new_case(db, "CR-2026-002")
    f.forfeit(db, f.seize(db, case, eur_money(1_000_000)))
    mine = _awards(db, case, [600_000, 500_000])
    _awards(db, other, [400_000])
    plan = plan_distribution(db, ADMIN, eur_money(970_000), PAID, case_id=case.id)
    assert (plan.case_id, plan.case_reference) == (case.id, case.reference)
    assert [line.award_id for line in plan.lines] == [a.id for a in mine]


@pytest.mark.parametrize(
    ("amount", "case_id", "field", "words"),
    [
        (eur_money(80_001), None, "amount.amount", "what the awards still need"),
        (eur_money(45_001), None, "amount.amount", "available cash"),
        (Money(100, "USD"), None, "amount.currency", "a distribution is made in EUR"),
        (eur_money(0), None, "amount.amount", "greater than zero"),
        (eur_money(100), 999, "case_id", "does not exist"),
    ],
)
def test_a_plan_is_refused_as_the_round_would_be(db, amount, case_id, field, words):
    f.donate(db, 50_000)
    _awards(db, f.new_case(db), [30_000, 40_000])
    f.propose(
        db, f.register(db, f.new_case(db, "CR-3"), f.new_victim(db), eur_money(10_000)), 5_000
    )
    db.commit()
    planned = f.refused(db, Invalid, plan_distribution, db, ADMIN, amount, PAID, case_id)
    taken = f.refused(
        db, Invalid, distribute, db, actor=ADMIN, amount=amount, on=PAID, case_id=case_id
    )
    assert planned.errors == taken.errors and field in planned.errors
    assert words in planned.errors[field][0]


def test_only_an_administrator_plans_a_round(db):
    f.donate(db, 50_000)
    _awards(db, f.new_case(db), [30_000])
    for role in (COURT, AUDITOR):
        with pytest.raises(Forbidden):
            plan_distribution(db, Actor(None, "someone", role), eur_money(100), PAID)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    amounts=st.lists(st.integers(1, 5_000_000), min_size=1, max_size=6),
    data=st.data(),
)
def test_plan_shares_are_the_allocation(reset_database, session_factory, amounts, data):
    reset_database()
    with session_factory() as db:
        f.donate(db, 100_000_000)
        awards = _awards(db, f.new_case(db), amounts)
        total = data.draw(st.integers(1, sum(amounts)), label="total")
        plan = plan_distribution(db, ADMIN, eur_money(total), PAID)
        expected = allocate(total, {a.id: a.amount_minor for a in awards})
        assert {line.award_id: line.share.minor for line in plan.lines} == expected
        assert sum(line.remainder_unit for line in plan.lines) == total - sum(
            line.floor.minor for line in plan.lines
        )
        db.rollback()
