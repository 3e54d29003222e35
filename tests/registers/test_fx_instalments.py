"""Foreign-currency awards paid in instalments leave exactly nothing behind (SPEC §4).

A foreign award is carried at its functional value on the award date; each
payment relieves a proportional part of what is still carried (the last one
exactly the rest), and the difference to what the bank debited is a realized
FX gain (4400) or loss (5400). A month-end revaluation in between restates
the carrying value that later payments relieve.

A small model follows every step independently (half-even proportional
reliefs, ECB rates read from the CSV) and each entry is compared with it.
At the end the award's part of 2000 is zero in both units, and the totals
tie: what the reliefs and revaluations took off 2000 is the award-date value,
and the FX result is exactly the euros paid less that value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.closing import revalue
from ledger.models import Award
from ledger.money import Money
from tests.registers import factories as f
from tests.registers.factories import eur, expect, leg, legs_of

MONTH_END = {"2026-02": date(2026, 2, 28), "2026-03": date(2026, 3, 31)}


@dataclass
class Model:
    """What SPEC §4 says the award's carrying value and the FX result must be."""

    award: Award
    carried: int
    original: int
    value_at_award: int
    reliefs: list[int] = field(default_factory=list)
    restated: list[int] = field(default_factory=list)  # debit to 2000 by each revaluation
    debited: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, award: Award) -> Model:
        value = eur(Money(award.amount_minor, award.currency), award.ordered_on)
        assert award.functional_minor == value
        return cls(award, value, award.amount_minor, value)

    def pay(self, db, part: int, paid_on: date, spread: int = 0, fee: int = 0) -> None:
        """Pay ``part`` (award units); the bank debits the ECB value plus ``spread`` cents."""
        currency = self.award.currency
        debited = max(1, eur(Money(part, currency), paid_on) + spread)
        if part == self.original:
            relief = self.carried
        else:
            relief = f.half_even(self.carried * part, self.original)
        disbursement = f.pay(db, self.award, part, debited, fee=fee, paid_on=paid_on)
        dims = f.award_dims(self.award)
        expected = [
            leg("2000", relief, Money(part, currency), **dims),
            leg("1000", -debited, **dims),
        ]
        if debited != relief:
            expected.append(leg("5400" if debited > relief else "4400", debited - relief, **dims))
        if fee:
            expected += [leg("5300", fee, **dims), leg("1000", -fee, **dims)]
        assert legs_of(db, disbursement.payment_entry) == expect(*expected)
        self.carried -= relief
        self.original -= part
        self.reliefs.append(relief)
        self.debited.append(debited)
        assert f.carrying(db, self.award) == (self.carried, self.original)

    def revalue(self, db, month: str) -> None:
        target = eur(Money(self.original, self.award.currency), MONTH_END[month])
        change = self.carried - target
        entry = revalue(db, actor=f.ADMIN, month=month)
        db.commit()
        if change == 0:
            assert entry is None
        else:
            assert legs_of(db, entry.number) == expect(
                leg("2000", change, Money(0, self.award.currency), **f.award_dims(self.award)),
                leg("4400" if change > 0 else "5400", -change),
            )
        self.carried = target
        self.restated.append(change)
        assert f.carrying(db, self.award) == (self.carried, self.original)

    def assert_settled(self, db) -> None:
        award = db.get(Award, self.award.id)
        db.refresh(award)
        assert (award.status, award.outstanding_minor) == ("paid", 0)
        assert (self.carried, self.original) == (0, 0)
        assert f.carrying(db, award) == (0, 0)
        legs = f.award_legs(db, award)
        assert sum(amount for _, amount, _ in legs) == 0
        assert sum(original for _, _, original in legs) == 0
        # What payments and revaluations took off 2000 is the award-date value…
        assert sum(self.reliefs) + sum(self.restated) == self.value_at_award
        # …so the FX result is exactly the euros paid less that value (no cent lost).
        fx = f.balance(db, "5400") + f.balance(db, "4400")
        assert fx == sum(self.debited) - self.value_at_award
        f.assert_verified(db)


def _award(db, amount: Money) -> Award:
    f.load_rates(db, (amount.currency,))
    f.donate(db, 10_000_000_000)
    case = f.new_case(db)
    return f.register(db, case, f.new_victim(db, amount.currency, "TH"), amount)


def test_thb_award_in_seven_uneven_instalments_with_revaluations(db):
    award = _award(db, Money(33_333_333, "THB"))  # THB 333,333.33
    model = Model.of(award)
    parts = [1_000_001, 7_777_777, 3, 5_555_555, 9_999_999, 1_234_567]
    parts.append(award.amount_minor - sum(parts))
    model.pay(db, parts[0], date(2026, 2, 3), spread=+117)
    model.pay(db, parts[1], date(2026, 2, 3), spread=-2_000)
    model.pay(db, parts[2], date(2026, 2, 3))
    model.revalue(db, "2026-02")
    model.pay(db, parts[3], date(2026, 3, 30), spread=+1, fee=1_500)
    model.pay(db, parts[4], date(2026, 3, 30), spread=-3)
    model.revalue(db, "2026-03")
    model.pay(db, parts[5], date(2026, 10, 29), spread=+999)
    assert db.get(Award, award.id).status == "partially_paid"
    model.pay(db, parts[6], date(2026, 10, 30), spread=-1)
    assert model.reliefs[2] == 0  # THB 0.03 is worth less than half a cent: it relieves nothing
    model.assert_settled(db)


def test_usd_award_in_three_instalments_around_a_revaluation(db):
    award = _award(db, Money(1_000_000, "USD"))  # USD 10,000.00: thirds do not divide
    model = Model.of(award)
    model.pay(db, 333_333, date(2026, 2, 3), spread=+250)
    model.revalue(db, "2026-03")  # USD 1.1840 → 1.1498: the dollar rose, a loss
    assert model.restated[0] < 0
    model.pay(db, 333_333, date(2026, 3, 31), spread=-5)
    model.pay(db, 333_334, date(2026, 10, 30))
    model.assert_settled(db)


def test_cancelling_the_remainder_after_instalments_leaves_zero(db):
    award = _award(db, Money(12_345_679, "THB"))
    model = Model.of(award)
    model.pay(db, 4_000_001, date(2026, 2, 3), spread=+10)
    model.revalue(db, "2026-03")
    model.pay(db, 3_333_333, date(2026, 3, 31), spread=-10)
    rest = Money(model.original, "THB")
    award = f.cancel(db, award, rest, on=date(2026, 3, 31))  # all that is left, by amount
    dims = f.award_dims(award)
    assert legs_of(db, f.head(db)) == expect(
        leg("2000", model.carried, rest, **dims), leg("5000", -model.carried, -rest, **dims)
    )
    assert (award.outstanding_minor, award.cancelled_minor) == (0, rest.minor)
    assert f.carrying(db, award) == (0, 0)
    legs = f.award_legs(db, award)
    assert sum(a for _, a, _ in legs) == sum(o for _, _, o in legs) == 0
    # Compensation expense left: what the paid instalments relieved, plus the restatement.
    assert f.balance(db, "5000") == model.value_at_award - model.carried
    f.assert_verified(db)


# -- any amount, any split ---------------------------------------------------------------


@st.composite
def plans(draw):
    currency = draw(st.sampled_from(["THB", "USD", "JPY"]))
    amount = draw(st.integers(min_value=1_000, max_value=10**9))
    weights = draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=7))
    spreads = draw(st.lists(st.integers(-500, 500), min_size=len(weights), max_size=7))
    early = draw(st.integers(0, len(weights)))
    revaluation = draw(st.booleans())
    # Each part at least one minor unit; the rest shared by cumulative cuts of the weights.
    spare, total, cuts, running = amount - len(weights), sum(weights), [0], 0
    for weight in weights:
        running += weight
        cuts.append(spare * running // total)
    parts = [1 + cuts[i + 1] - cuts[i] for i in range(len(weights))]
    assert sum(parts) == amount
    return currency, amount, parts, spreads, early, revaluation


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
def test_any_award_paid_in_any_instalments_ends_at_exactly_zero(
    reset_database, session_factory, plan
):
    currency, amount, parts, spreads, early, revaluation = plan
    reset_database()
    with session_factory() as db:
        model = Model.of(_award(db, Money(amount, currency)))
        for i, (part, spread) in enumerate(zip(parts, spreads, strict=False)):
            if i == early and revaluation:
                model.revalue(db, "2026-02")
            model.pay(db, part, date(2026, 2, 3) if i < early else date(2026, 3, 31), spread)
        model.assert_settled(db)
