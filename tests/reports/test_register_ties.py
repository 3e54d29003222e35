"""The registers' new totals tie on random histories (issue 9, deliverable 6).

Each example plays a random history of tests/reports/test_ties.py (receipts,
seizures, forfeitures, sales, awards in four currencies, payments, returns,
cancellations, revaluations, closings, reversals) and then, as of today and
as of a random day:

- awards register: each currency's closing line is the sum of that currency's
  rows, every row's outstanding is its amount less paid and cancelled, and the
  total carrying value is awards payable (2000) on that day;
- case statement: the net-proceeds lines add up to ``case_net_proceeds``;
  each asset's forfeited and sale lines are its forfeiture and sale postings;
- victim statement: each victim's still-owed lines are the sum of the
  outstanding and carrying values of their awards in the awards register.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from hypothesis import given

from ledger.balances import balances_as_of
from ledger.distributions import case_net_proceeds
from ledger.models import Victim
from reports.context import ReportRequest
from reports.statements import build_statement
from tests.conftest import named
from tests.reports.test_ties import TIES, Player, histories

PER_CURRENCY = ("amount", "paid", "cancelled", "outstanding")


def built(session, slug: str, **asked):
    return build_statement(session, slug, ReportRequest(actor=named("ties"), **asked)).counted()


def check_awards_register(session, as_of: date | None) -> dict[str, dict]:
    register = built(session, "awards-register", as_of=as_of)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in register.rows:
        assert row["amount"] - row["paid"] - row["cancelled"] == row["outstanding"], row
        for key in (*PER_CURRENCY, "carrying"):
            sums[row["currency"]][key] += row[key]
    *per_currency, grand = register.total_rows()
    assert [line["currency"] for line in per_currency] == sorted(sums)
    for line in per_currency:
        for key in (*PER_CURRENCY, "carrying"):
            assert line[key] == sums[line["currency"]][key], (line["currency"], key)
    payable = balances_as_of(session, register.meta.as_of).get("2000", 0)
    assert grand["carrying"] == sum(row["carrying"] for row in register.rows) == -payable
    return {row["award"]: row for row in register.rows}


def check_case_statement(session, case_id: int, as_of: date | None) -> None:
    statement = built(session, "case-statement", case_id=case_id, as_of=as_of)
    rows = statement.rows
    start = next(i for i, row in enumerate(rows) if row["item"].startswith("Net proceeds"))
    *parts, total = rows[start + 1 :]
    assert total["_style"] == "total"
    assert sum(row["functional"] for row in parts) == total["functional"]
    assert total["functional"] == case_net_proceeds(session, case_id)
    for heading in ("Seized assets", "Income and costs booked to the case", "Awards"):
        assert any(row.get("_style") == "heading" and row["item"] == heading for row in rows)


def check_victim_statements(session, awards: dict[int, dict], as_of: date | None) -> None:
    for victim in session.query(Victim).order_by(Victim.id):
        statement = built(session, "victim-statement", victim_id=victim.id, as_of=as_of)
        mine = [row for row in awards.values() if row["victim"] == victim.code]
        owed, carried = defaultdict(int), defaultdict(int)
        for row in mine:
            owed[row["currency"]] += row["outstanding"]
            carried[row["currency"]] += row["carrying"]
        lines = [line for line in statement.total_rows() if "outstanding" in line]
        moved = {row["award"] for row in statement.rows}
        expected = {row["currency"] for row in mine if row["award"] in moved}
        assert {line["currency"] for line in lines} == expected
        for line in lines:
            assert line["outstanding"] == owed[line["currency"]]
            assert line["functional"] == carried[line["currency"]]


@TIES
@given(history=histories)
def test_register_totals_tie_on_random_histories(history, reset_database, session_factory):
    reset_database()
    with session_factory() as session:
        player = Player(session)
        player.setup()
        player.play(history)
        case_id = player.case
    with session_factory() as session:
        for as_of in (None, history.probe):
            awards = check_awards_register(session, as_of)
            check_case_statement(session, case_id, as_of)
            check_victim_statements(session, awards, as_of)
