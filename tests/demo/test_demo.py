"""``fundledger demo`` builds a realistic fund that exercises every workflow."""

from sqlalchemy import func, select

from ledger.balances import trial_balance
from ledger.models import Asset, Award, Disbursement, Distribution, Period, Victim
from ledger.verify import verify_journal


def test_demo_builds_every_kind_of_record(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output

    assert verify_journal(db).ok
    tb = trial_balance(db)
    assert tb.total_debit == tb.total_credit > 0
    states = set(db.scalars(select(Asset.state)))
    assert states == {"seized", "forfeited", "liquidated", "released"}
    assert set(db.scalars(select(Award.currency))) == {"EUR", "USD", "THB"}
    assert {v.returned_home for v in db.scalars(select(Victim))} == {True, False}
    statuses = set(db.scalars(select(Disbursement.status)))
    assert {"paid", "returned", "proposed"} <= statuses
    abroad = db.scalar(
        select(Disbursement).join(Award).where(Award.currency == "THB", Disbursement.fee_minor > 0)
    )
    assert abroad is not None and abroad.status == "paid"
    assert db.scalar(select(func.count()).select_from(Distribution)) == 1
    assert [p.month for p in db.scalars(select(Period).order_by(Period.month))] == [
        "2026-01",
        "2026-02",
    ]
    balances = {line.code: line.balance for line in tb.lines}
    assert balances["5400"] or balances["4400"]  # the payment abroad realised an FX difference


def test_demo_refuses_a_fund_with_entries(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 1
    assert "empty fund" in again.output
