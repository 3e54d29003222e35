"""Every financial statement ties to the trial balance, on random histories (SPEC §6).

Each example starts from a fresh fund (EUR, plus a USD bank account 1001)
with real ECB rates from tests/data, and plays a random history through the
ledger services: receipts and expenses, seizures (cash and goods, in EUR and
USD), escrow interest, forfeitures, sales, releases, awards in four
currencies, payments (proposed by one administrator, approved by another,
executed with a fee and an FX difference), returns, cancellations, month-end
revaluations, month closings, entries straight into net assets and reversals
of any earlier entry; optionally a December 2025 closed into the fund
balance by a year-end close. A refused operation is rolled back and the
history goes on. Then, for the whole history and for a random period:

- financial position: total assets = total liabilities + net assets, each
  equal to what the trial balance says of those account types;
- financial performance: surplus = revenue - expenses of the trial balance
  (since the last year-end close), and periods add up;
- changes in net assets: opening + surplus + other = closing, opening and
  closing = assets - liabilities on those days, each column adds up;
- cash flow: the lines add up to the net change, opening + change = closing,
  and opening and closing cash are the bank accounts' balances.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from ledger import adjustments, assets, awards, cases, cash, closing, disbursements, victims
from ledger.awards import pending_minor
from ledger.balances import balances_as_of, trial_balance
from ledger.chart import add_account
from ledger.errors import LedgerError
from ledger.fund import functional_currency
from ledger.fx import import_ecb_csv, to_functional
from ledger.journal import reverse_entry
from ledger.models import Account, Asset, Award, Disbursement, JournalEntry, Posting
from ledger.models.registers import ASSET_KINDS
from ledger.money import Money
from ledger.periods import close_month
from ledger.pii import PiiCipher, generate_key
from reports.context import ReportRequest
from reports.statements import build_statement
from reports.statements.comparative import year_earlier
from tests.conftest import DATA, OPERATOR, named

ADMIN, APPROVER = named("a"), named("b")
FOREIGN = ("USD", "GBP", "JPY")
FIRST, LAST = date(2026, 1, 2), date(2026, 10, 30)
TODAY = date.today()
ALL = date(2025, 1, 1)  # before every history: a period from it covers all of one
CIPHER = PiiCipher.from_setting(generate_key())
TIES = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- operations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Receive:
    day: date
    kind: str
    currency: str
    amount: int


@dataclass(frozen=True)
class Spend:
    day: date
    kind: str
    amount: int


@dataclass(frozen=True)
class Seize:
    day: date
    kind: str
    currency: str
    amount: int


@dataclass(frozen=True)
class EscrowInterest:
    day: date
    pick: int
    amount: int


@dataclass(frozen=True)
class Forfeit:
    day: date
    pick: int
    value: int


@dataclass(frozen=True)
class Sell:
    day: date
    pick: int
    proceeds: int
    costs: int


@dataclass(frozen=True)
class Release:
    day: date
    pick: int


@dataclass(frozen=True)
class RegisterAward:
    day: date
    currency: str
    amount: int


@dataclass(frozen=True)
class Pay:
    day: date
    pick: int
    percent: int
    fee: int
    bank_difference: int


@dataclass(frozen=True)
class Return:
    day: date
    pick: int


@dataclass(frozen=True)
class Cancel:
    day: date
    pick: int
    percent: int


@dataclass(frozen=True)
class Revalue:
    day: date  # the last day of the month revalued


@dataclass(frozen=True)
class CloseMonth:
    day: date  # the first day after the month closed


@dataclass(frozen=True)
class IntoNetAssets:
    """A manual entry 1000 / 3000 (or 3000 / 1000 when negative)."""

    day: date
    amount: int


@dataclass(frozen=True)
class Reverse:
    day: date
    pick: int


@dataclass(frozen=True)
class History:
    prelude: tuple  # December 2025, EUR only
    close_2025: bool
    operations: tuple
    probe: date


def month_ends() -> st.SearchStrategy[date]:
    return st.integers(min_value=1, max_value=9).map(
        lambda m: date(2026, m + 1, 1) - timedelta(days=1)
    )


days = st.dates(min_value=FIRST, max_value=LAST)
december = st.dates(min_value=date(2025, 12, 1), max_value=date(2025, 12, 31))
amounts = st.integers(min_value=1, max_value=5_000_000)
big_amounts = st.integers(min_value=1_000_000, max_value=50_000_000)
small_amounts = st.integers(min_value=1, max_value=300_000)
picks = st.integers(min_value=0, max_value=50)
percents = st.integers(min_value=1, max_value=100)
receipt_kinds = st.sampled_from(("donation", "grant", "interest"))
expense_kinds = st.sampled_from(("custody", "disposal", "bank_charges", "administrative"))

operation = st.one_of(
    st.builds(Receive, days, receipt_kinds, st.sampled_from(("EUR", "EUR", "USD")), amounts),
    st.builds(Spend, days, expense_kinds, small_amounts),
    st.builds(Seize, days, st.sampled_from(ASSET_KINDS), st.sampled_from(("EUR", "USD")), amounts),
    st.builds(Seize, days, st.sampled_from(ASSET_KINDS), st.sampled_from(("EUR", "USD")), amounts),
    st.builds(EscrowInterest, days, picks, small_amounts),
    st.builds(Forfeit, days, picks, amounts),
    st.builds(Forfeit, days, picks, amounts),
    st.builds(Sell, days, picks, amounts, small_amounts),
    st.builds(Sell, days, picks, amounts, small_amounts),
    st.builds(Release, days, picks),
    st.builds(RegisterAward, days, st.sampled_from(("EUR", *FOREIGN)), amounts),
    st.builds(RegisterAward, days, st.sampled_from(("EUR", *FOREIGN)), amounts),
    st.builds(
        Pay,
        days,
        picks,
        percents,
        st.integers(min_value=0, max_value=3_000),
        st.integers(min_value=-2_000, max_value=2_000),
    ),
    st.builds(
        Pay,
        days,
        picks,
        percents,
        st.integers(min_value=0, max_value=3_000),
        st.integers(min_value=-2_000, max_value=2_000),
    ),
    st.builds(Return, days, picks),
    st.builds(Cancel, days, picks, percents),
    st.builds(Revalue, month_ends()),
    st.builds(CloseMonth, month_ends().map(lambda d: d + timedelta(days=1))),
    st.builds(IntoNetAssets, days, st.integers(min_value=-300_000, max_value=300_000).filter(bool)),
    st.builds(Reverse, days, picks),
)
prelude_operation = st.one_of(
    st.builds(Receive, december, receipt_kinds, st.just("EUR"), amounts),
    st.builds(Spend, december, expense_kinds, small_amounts),
)
histories = st.builds(
    History,
    st.lists(prelude_operation, max_size=3).map(tuple),
    st.booleans(),
    st.builds(
        lambda first, ops: (first, *sorted(ops, key=lambda op: op.day)),
        # a grant first, so that the fund has money to spend and pay with
        st.builds(Receive, st.just(FIRST), st.just("grant"), st.just("EUR"), big_amounts),
        st.lists(operation, min_size=15, max_size=40),
    ),
    st.dates(min_value=date(2025, 11, 30), max_value=TODAY),
)


# -- playing a history ---------------------------------------------------------------------


class Player:
    def __init__(self, session):
        self.session = session
        self.functional = functional_currency(session)

    def setup(self) -> None:
        session = self.session
        rows = list(csv.reader((DATA / "eurofxref-hist-sample.csv").read_text().splitlines()))
        keep = [0, *(rows[0].index(code) for code in FOREIGN)]
        text = "\n".join(",".join(row[i] for i in keep) for row in rows)
        import_ecb_csv(session, OPERATOR, text, source="ECB reference rates (tests/data)")
        add_account(
            session, actor=OPERATOR, code="1001", name="USD bank account", type="asset",
            currency="USD", no_overdraft=True,
        )  # fmt: skip
        self.case = cases.open_case(
            session,
            actor=ADMIN,
            reference="CR-1",
            court="Court",
            title="State v. X",
            jurisdiction="PT",
            opened_on=date(2025, 12, 1),
        ).id
        self.victims = [
            victims.register_victim(
                session,
                CIPHER,
                actor=ADMIN,
                full_name=f"Victim {i}",
                date_of_birth=None,
                contact=None,
                country_of_residence=country,
                returned_home=country != "PT",
                payment=victims.PaymentDetails("cash", currency),
            ).id
            for i, (country, currency) in enumerate((("PT", "EUR"), ("US", "USD"), ("TH", "THB")))
        ]
        session.commit()

    def play(self, history: History) -> dict[str, int]:
        outcomes = {"done": 0, "refused": 0}
        for op in history.prelude:
            self.attempt(op, outcomes)
        if history.close_2025:
            self.attempt("close-2025", outcomes)
        for op in history.operations:
            self.attempt(op, outcomes)
        return outcomes

    def attempt(self, op, outcomes: dict[str, int]) -> None:
        try:
            if op == "close-2025":
                closing.close_year(self.session, actor=ADMIN, year=2025, today=TODAY)
            else:
                getattr(self, type(op).__name__)(op)
            self.session.commit()
            outcomes["done"] += 1
        except LedgerError:
            self.session.rollback()
            outcomes["refused"] += 1

    def _pick(self, query, pick: int):
        candidates = list(self.session.scalars(query))
        if not candidates:
            raise LedgerError("nothing to pick")
        return candidates[pick % len(candidates)]

    # one method per operation

    def Receive(self, op: Receive) -> None:
        cash.record_receipt(
            self.session,
            actor=ADMIN,
            kind=op.kind,
            received_on=op.day,
            amount=Money(op.amount, op.currency),
            counterparty="Donor",
        )

    def Spend(self, op: Spend) -> None:
        cash.record_expense(
            self.session,
            actor=ADMIN,
            kind=op.kind,
            paid_on=op.day,
            amount=Money(op.amount, "EUR"),
            counterparty="Supplier",
        )

    def Seize(self, op: Seize) -> None:
        assets.seize_asset(
            self.session,
            actor=ADMIN,
            case_id=self.case,
            kind=op.kind,
            description=f"{op.kind} seized",
            seized_on=op.day,
            estimated_value=Money(op.amount, op.currency),
        )

    def EscrowInterest(self, op: EscrowInterest) -> None:
        asset = self._pick(
            select(Asset).where(Asset.kind == "cash", Asset.state == "seized").order_by(Asset.id),
            op.pick,
        )
        cash.record_receipt(
            self.session,
            actor=ADMIN,
            kind="escrow_interest",
            received_on=op.day,
            amount=Money(op.amount, asset.estimated_currency),
            counterparty="Escrow bank",
            asset_id=asset.id,
        )

    def Forfeit(self, op: Forfeit) -> None:
        asset = self._pick(select(Asset).where(Asset.state == "seized").order_by(Asset.id), op.pick)
        value = None if asset.kind == "cash" else Money(op.value, asset.estimated_currency)
        assets.forfeit_asset(
            self.session,
            actor=ADMIN,
            asset_id=asset.id,
            order_reference=f"FO-{asset.id}",
            forfeited_on=op.day,
            value=value,
        )

    def Sell(self, op: Sell) -> None:
        asset = self._pick(
            select(Asset)
            .where(Asset.state == "forfeited", Asset.kind != "cash")
            .order_by(Asset.id),
            op.pick,
        )
        assets.liquidate_asset(
            self.session,
            actor=ADMIN,
            asset_id=asset.id,
            sold_on=op.day,
            proceeds=Money(op.proceeds + op.costs, "EUR"),
            selling_costs=Money(op.costs, "EUR"),
        )

    def Release(self, op: Release) -> None:
        asset = self._pick(select(Asset).where(Asset.state == "seized").order_by(Asset.id), op.pick)
        assets.release_asset(
            self.session, actor=ADMIN, asset_id=asset.id, released_on=op.day, reason="Released"
        )

    def RegisterAward(self, op: RegisterAward) -> None:
        count = self.session.scalar(select(func.count()).select_from(Award))
        awards.register_award(
            self.session,
            actor=ADMIN,
            case_id=self.case,
            victim_id=self.victims[count % len(self.victims)],
            order_reference=f"AO-{count + 1}",
            ordered_on=op.day,
            amount=Money(op.amount, op.currency),
        )

    def _open_award(self, pick: int) -> tuple[Award, int]:
        award = self._pick(
            select(Award)
            .where(Award.status.in_(("registered", "partially_paid")))
            .order_by(Award.id),
            pick,
        )
        return award, award.outstanding_minor - pending_minor(self.session, award.id)

    def Pay(self, op: Pay) -> None:
        award, free = self._open_award(op.pick)
        amount = Money(max(1, free * op.percent // 100), award.currency)
        if award.currency == self.functional:
            debited = amount.minor
        else:
            debited = to_functional(self.session, amount, op.day, self.functional)
            debited = max(1, debited + op.bank_difference)
        proposal = disbursements.propose_disbursement(
            self.session,
            actor=ADMIN,
            award_id=award.id,
            amount=amount,
            method="bank_transfer",
            on=op.day,
        )
        disbursements.approve_disbursement(
            self.session, actor=APPROVER, disbursement_id=proposal.id
        )
        disbursements.execute_disbursement(
            self.session,
            actor=ADMIN,
            disbursement_id=proposal.id,
            paid_on=op.day,
            bank_reference=f"BANK-{proposal.id}",
            debited=Money(debited, self.functional),
            fee=Money(op.fee, self.functional),
        )

    def Return(self, op: Return) -> None:
        paid = self._pick(
            select(Disbursement).where(Disbursement.status == "paid").order_by(Disbursement.id),
            op.pick,
        )
        disbursements.return_disbursement(
            self.session,
            actor=ADMIN,
            disbursement_id=paid.id,
            returned_on=op.day,
            reason="Returned by the bank",
        )

    def Cancel(self, op: Cancel) -> None:
        award, free = self._open_award(op.pick)
        awards.cancel_award(
            self.session,
            actor=ADMIN,
            award_id=award.id,
            effective_on=op.day,
            reason="Reduced",
            amount=Money(max(1, free * op.percent // 100), award.currency),
        )

    def Revalue(self, op: Revalue) -> None:
        closing.revalue(self.session, actor=ADMIN, month=op.day.strftime("%Y-%m"))

    def CloseMonth(self, op: CloseMonth) -> None:
        month = (op.day - timedelta(days=1)).strftime("%Y-%m")
        close_month(self.session, month, actor=ADMIN, today=TODAY)

    def IntoNetAssets(self, op: IntoNetAssets) -> None:
        side, other = ("debit", "credit") if op.amount > 0 else ("credit", "debit")
        figure = Money(abs(op.amount), "EUR").amount_string()
        adjustments.post_adjustment(
            self.session,
            actor=ADMIN,
            value_date=op.day,
            memo="Transfer with another fund",
            postings=[{"account": "1000", side: figure}, {"account": "3000", other: figure}],
        )

    def Reverse(self, op: Reverse) -> None:
        later = aliased(JournalEntry)
        entry = self._pick(
            select(JournalEntry.number)
            .where(
                JournalEntry.reverses.is_(None),
                JournalEntry.value_date <= op.day,
                ~select(later.number).where(later.reverses == JournalEntry.number).exists(),
            )
            .order_by(JournalEntry.number),
            op.pick,
        )
        reverse_entry(self.session, entry, value_date=op.day, memo="Reversed", actor=ADMIN)


# -- the ties ------------------------------------------------------------------------------


def statement(session, slug: str, **period):
    built = build_statement(session, slug, ReportRequest(actor=named("ties"), **period))
    built.summary = figures(built.summary)
    return built


def figures(summary: dict) -> dict:
    """A summary as these tests read it: top-level money as functional minor units, money
    inside lists and tables as the JSON's amount objects."""

    def nested(value):
        if isinstance(value, Money):
            return value.as_json()
        if isinstance(value, dict):
            return {k: nested(v) for k, v in value.items()}
        if isinstance(value, list):
            return [nested(v) for v in value]
        return value

    return {k: v.minor if isinstance(v, Money) else nested(v) for k, v in summary.items()}


def figure(stmt, label: str, column: str = "amount") -> int:
    (row,) = [row for row in stmt.rows if row.get("line") == label]
    return row[column]


def by_type(session, as_of: date | None) -> dict[str, int]:
    """Debit-positive balance per account type, from the trial balance."""
    totals = dict.fromkeys(("asset", "liability", "net_assets", "revenue", "expense"), 0)
    for line in trial_balance(session, as_of).lines:
        totals[line.type] += line.balance
    return totals


def bank_accounts(session) -> list[str]:
    return list(
        session.scalars(
            select(Account.code).where(
                Account.type == "asset",
                Account.currency.is_not(None),
                Account.overdraft_scope == "account",
            )
        )
    )


def closed_into_fund_balance(session) -> int:
    """What year-end closes (net of their reversals) credited to 3000."""
    original = aliased(JournalEntry)
    return -int(
        session.scalar(
            select(func.coalesce(func.sum(Posting.amount), 0))
            .join(JournalEntry, JournalEntry.number == Posting.entry_number)
            .join(Account, Account.id == Posting.account_id)
            .outerjoin(original, original.number == JournalEntry.reverses)
            .where(
                Account.code == "3000",
                or_(JournalEntry.event == "year.closed", original.event == "year.closed"),
            )
        )
    )


def check_position(session, as_of: date | None) -> None:
    tb = by_type(session, as_of)
    assets_, liabilities = tb["asset"], -tb["liability"]
    net = -(tb["net_assets"] + tb["revenue"] + tb["expense"])
    assert assets_ == liabilities + net  # the trial balance balances
    stmt = statement(session, "financial-position", as_of=as_of)
    assert stmt.summary["total_assets"] == assets_ == figure(stmt, "Total assets")
    assert stmt.summary["total_liabilities"] == liabilities == figure(stmt, "Total liabilities")
    assert stmt.summary["net_assets"] == net == figure(stmt, "Total net assets")
    assert stmt.summary["fund_balance"] == -tb["net_assets"]
    assert figure(stmt, "Surplus (deficit) not yet closed") == -(tb["revenue"] + tb["expense"])
    assert figure(stmt, "Total liabilities and net assets") == assets_
    for section in ("asset", "liability"):  # account lines add up to their subtotal
        codes = {line.code for line in trial_balance(session, as_of).lines if line.type == section}
        shown = sum(row["amount"] for row in stmt.rows if row.get("code") in codes)
        assert shown == (assets_ if section == "asset" else liabilities)


def check_performance(session, probe: date) -> None:
    tb = by_type(session, None)
    closed = closed_into_fund_balance(session)
    everything = statement(session, "financial-performance", date_from=ALL)
    revenue, expenses = everything.summary["total_revenue"], everything.summary["total_expenses"]
    assert everything.summary["surplus"] == revenue - expenses
    assert figure(everything, "Surplus (deficit) for the period") == revenue - expenses
    # All history: the trial balance's revenue less expenses plus what closes took to 3000.
    assert revenue - expenses == -(tb["revenue"] + tb["expense"]) + closed
    if closed == 0:
        assert revenue == -tb["revenue"] and expenses == tb["expense"]
    # Since the close of 2025 (if any), the trial balance's revenue and expenses exactly.
    since = statement(session, "financial-performance", date_from=date(2026, 1, 1))
    if closed:  # a close of 2025 stands (not reversed): 2026 is what is left open
        assert since.summary["total_revenue"] == -tb["revenue"]
        assert since.summary["total_expenses"] == tb["expense"]
    # Periods add up.
    before = statement(
        session, "financial-performance", date_from=ALL, date_to=probe - timedelta(days=1)
    )
    after = statement(session, "financial-performance", date_from=probe)
    assert before.summary["surplus"] + after.summary["surplus"] == everything.summary["surplus"]


def check_net_assets(session, probe: date) -> None:
    stmt = statement(session, "net-assets", date_from=probe)
    s = stmt.summary
    assert (
        s["opening_net_assets"] + s["surplus"] + s["other_movements_in_net_assets"]
        == (s["closing_net_assets"])
    )
    now, then = by_type(session, None), balances_as_of(session, probe - timedelta(days=1))
    types = dict(session.execute(select(Account.code, Account.type)).all())
    assert s["closing_net_assets"] == now["asset"] + now["liability"]
    opening = sum(v for code, v in then.items() if types[code] in ("asset", "liability"))
    assert s["opening_net_assets"] == opening
    assert (
        s["surplus"]
        == statement(session, "financial-performance", date_from=probe).summary["surplus"]
    )
    closing_row = stmt.rows[-1]
    assert closing_row["_style"] == "total"
    for column in ("fund_balance", "unclosed", "total"):
        body = sum(row.get(column, 0) for row in stmt.rows[:-1] if row["_period"] == "current")
        assert body == closing_row[column], column
    assert closing_row["total"] == s["closing_net_assets"]


def check_cash_flow(session, probe: date) -> None:
    banks = bank_accounts(session)
    now = {line.code: line.balance for line in trial_balance(session).lines}
    then = balances_as_of(session, probe - timedelta(days=1))
    for stmt, opening, start in (
        (statement(session, "cash-flow", date_from=ALL), 0, ALL),
        (statement(session, "cash-flow", date_from=probe), sum(then[c] for c in banks), probe),
    ):
        s = stmt.summary
        closing_cash = sum(now[c] for c in banks)
        assert s["closing_cash"] == closing_cash == figure(stmt, "Cash at end of period")
        assert s["opening_cash"] == opening == figure(stmt, "Cash at beginning of period")
        assert s["opening_cash"] + s["net_change_in_cash"] == s["closing_cash"]
        assert all("not explained" not in row.get("line", "") for row in stmt.rows)
        plain = [
            row["amount"]
            for row in stmt.rows
            if "_style" not in row and "amount" in row and "_section" not in row
        ]
        # every plain line but the opening cash is a flow
        assert sum(plain) - opening == s["net_change_in_cash"]
        assert figure(stmt, "Net increase (decrease) in cash") == s["net_change_in_cash"]
        operating = s["net_operating_cash"]
        assert figure(stmt, "Net cash from investing activities") == s["net_investing_cash"]
        assert figure(stmt, "Net cash from financing activities") == s["net_financing_cash"]
        assert (
            operating + s["net_investing_cash"] + s["net_financing_cash"] + s["fx_effect_on_cash"]
            == s["net_change_in_cash"]
        )
        # The reconciliation: from the performance's surplus, line by line, to operating cash.
        recon = [row for row in stmt.rows if row.get("_section") == "reconciliation"]
        assert (
            recon[-1] is stmt.rows[-1] and recon[-1]["line"] == "Net cash from operating activities"
        )
        assert sum(row["amount"] for row in recon[1:-1]) == recon[-1]["amount"] == operating
        assert [r["amount"] for r in stmt.rows if r["line"] == recon[-1]["line"]] == [operating] * 2
        performance = statement(session, "financial-performance", date_from=start)
        assert recon[1]["amount"] == s["surplus"] == performance.summary["surplus"]
        # A working-capital account's adjustment is its whole change over the period.
        before = balances_as_of(session, start - timedelta(days=1))
        names = dict(session.execute(select(Account.code, Account.name)).all())
        for code in ("1010", "2000", "2100", "2200"):
            name = names[code][:1].lower() + names[code][1:]
            rows = [r for r in recon if r["line"].endswith(f" in {name}")]
            change = now.get(code, 0) - before.get(code, 0)
            assert sum(r["amount"] for r in rows) == -change, code


def check_comparatives(session, probe: date) -> None:
    """The prior figures are those of the statement asked for the prior date or span."""
    position = statement(session, "financial-position", as_of=probe)
    prior_day = date(probe.year, 1, 1) - timedelta(days=1)  # fiscal years start in January
    earlier = statement(session, "financial-position", as_of=prior_day)
    assert position.summary["prior"]["as_of"] == prior_day.isoformat()
    assert [(r["line"], r["prior"]) for r in position.rows if "prior" in r] == [
        (r["line"], r["amount"]) for r in earlier.rows if "amount" in r
    ]
    to = min(probe + timedelta(days=200), TODAY)
    shifted = (year_earlier(probe), year_earlier(to))
    for slug in ("financial-performance", "cash-flow"):
        now = statement(session, slug, date_from=probe, date_to=to)
        then = statement(session, slug, date_from=shifted[0], date_to=shifted[1])
        # Same lines (an optional line shows when either column has a figure: 0 otherwise).
        prior = {r["line"]: r["prior"] for r in now.rows if "prior" in r}
        direct = {r["line"]: r["amount"] for r in then.rows if "amount" in r}
        for label in prior.keys() | direct.keys():
            assert prior.get(label, 0) == direct.get(label, 0), (slug, label)
        assert now.summary["prior"]["from"] == shifted[0].isoformat()
    changes = statement(session, "net-assets", date_from=probe, date_to=to)
    then = statement(session, "net-assets", date_from=shifted[0], date_to=shifted[1])
    prior = [r for r in changes.rows if r["_period"] == "prior"]
    current = [r for r in then.rows if r["_period"] == "current"]
    assert [{k: v for k, v in r.items() if k not in ("_style", "_period")} for r in prior] == [
        {k: v for k, v in r.items() if k not in ("_style", "_period")} for r in current
    ]


def check_notes(session, probe: date) -> None:
    """The notes' tables add up to the lines of the position they explain."""
    notes = statement(session, "notes", as_of=probe)
    position = statement(session, "financial-position", as_of=probe)
    codes = {row["code"]: row["amount"] for row in position.rows if row.get("code")}
    rows = {r["line"]: r for r in notes.rows if r.get("_style") in (None, "subtotal")}
    banks = bank_accounts(session)
    assert notes.summary["cash"] == sum(codes[c] for c in banks)
    assert (
        rows["Cash (statement of financial position and cash-flow statement)"]["amount"]
        == (notes.summary["cash"])
    )
    assert rows["Awards payable, by status"]["amount"] == codes["2000"]
    assert rows["Awards payable, by age"]["amount"] == codes["2000"]
    assert notes.summary["awards_payable"] == codes["2000"]
    status_lines = sum(
        rows[label]["amount"] for label in ("Registered", "Partially paid", "Paid", "Cancelled")
    )
    assert status_lines == codes["2000"]
    assert rows["1100 Forfeited assets held for sale"]["amount"] == codes["1100"]
    seized = position.summary["seized_non_cash_assets"]
    for item in seized:
        total = rows[f"Total under seizure in {item['currency']}"]
        assert total["count"] == item["count"]
        assert Money(total["original"], item["currency"]).as_json() == item["estimated_value"]
    assert sum(i["count"] for i in notes.summary["seized_not_forfeited"]) == sum(
        i["count"] for i in seized
    )


@TIES
@given(history=histories)
def test_every_statement_ties_to_the_trial_balance(history, reset_database, session_factory):
    reset_database()
    with session_factory() as session:
        player = Player(session)
        player.setup()
        outcomes = player.play(history)
        event(f"operations done: {5 * (outcomes['done'] // 5)}+")
        entries = session.scalar(select(func.count()).select_from(JournalEntry))
        event(f"entries: {10 * (entries // 10)}+")
    with session_factory() as session:
        probe = history.probe
        check_position(session, None)
        check_position(session, probe)
        check_performance(session, probe)
        check_net_assets(session, probe)
        check_cash_flow(session, probe)
        check_comparatives(session, probe)
        check_notes(session, probe)
