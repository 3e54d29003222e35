"""The registers' and the one-case/one-victim statements' figures can be traced (issue 9).

On the demo fund: the awards register totals each currency's amounts and the
carrying value; the case statement shows each asset's estimate, forfeited
value and proceeds as the journal posted them, and breaks its net proceeds
into lines that add up to ``case_net_proceeds``; the victim statement's
"still owed" sits under the column it totals; the journal shows who posted
each entry and when, and says in which order it runs. No statement of these
prints an internal code or the "€" sign, in any format.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict

import pandas as pd
import pytest
from sqlalchemy import select

from ledger import events, labels
from ledger.balances import current_balances
from ledger.chart import BANK, FORFEITURE_REVENUE
from ledger.distributions import case_net_proceeds
from ledger.models import Account, Asset, Award, Case, JournalEntry, Posting, SubledgerBalance
from tests.conftest import auth
from tests.reports.test_registers import PII, _text_of, minor

MINE = {
    "awards-register": "",
    "asset-register": "",
    "case-statement": "&case_id=1",
    "victim-statement": "&victim_id=2",
    "journal": "",
    "general-ledger": "&account=1000",
}
CODES = (
    "real_estate",
    "bank_account",
    "asset.seized",
    "asset.forfeited",
    "disbursement.paid",
    "escrow_interest",
    "partially_paid",
    "Receipt (",
    "€",
)


@pytest.fixture
def demo(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return db


def fetch(client, token, slug, extra="", fmt="json"):
    """The statement's JSON as a dict, or its bytes in ``fmt`` (``raw-json``: the JSON's)."""
    asked = "json" if fmt == "raw-json" else fmt
    response = client.get(f"/api/v1/reports/{slug}?format={asked}{extra}", headers=auth(token))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.loads(response.get_data(as_text=True)) if fmt == "json" else response.data


def in_currency(money: dict | None, currency: str) -> int:
    if money is None:
        return 0
    assert money["currency"] == currency, (money, currency)
    return minor(money)


def test_awards_register_totals_each_currency_and_the_carrying_value(demo, client, token_for):
    register = fetch(client, token_for("auditor"), "awards-register")
    balances = current_balances(demo)
    demo.rollback()
    functional = register["currency"]
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in register["lines"]:
        currency = line["amount"]["currency"]
        for key in ("amount", "paid", "cancelled", "outstanding"):
            sums[currency][key] += in_currency(line[key], currency)
        sums[currency]["carrying"] += in_currency(line["carrying"], functional)
        assert minor(line["amount"]) - minor(line["paid"]) - minor(line["cancelled"]) == minor(
            line["outstanding"]
        ), line
    assert len(sums) == 3  # EUR, THB and USD awards
    *per_currency, grand = register["total_lines"]
    assert [line["amount"]["currency"] for line in per_currency] == sorted(sums)
    for line in per_currency:
        currency = line["amount"]["currency"]
        for key in ("amount", "paid", "cancelled", "outstanding"):
            assert in_currency(line[key], currency) == sums[currency][key], (currency, key)
        assert in_currency(line["carrying"], functional) == sums[currency]["carrying"]
        assert line["award"] == f"Total {currency}"
    assert set(grand) == {"award", "carrying"}
    assert in_currency(grand["carrying"], functional) == -balances["2000"]
    summary = {line["currency"]: line for line in register["totals_by_currency"]}
    assert summary.keys() == sums.keys()
    for currency, line in summary.items():
        assert minor(line["outstanding"]) == sums[currency]["outstanding"]
        assert line["count"] == sum(
            1 for row in register["lines"] if row["amount"]["currency"] == currency
        )
    assert minor(register["carrying_total"]) == -balances["2000"]


def test_case_statement_net_proceeds_lines_add_up_to_case_net_proceeds(demo, client, token_for):
    token = token_for("auditor")
    case_ids = demo.scalars(select(Case.id).order_by(Case.id)).all()
    expected = {case_id: case_net_proceeds(demo, case_id) for case_id in case_ids}
    demo.rollback()
    for case_id in case_ids:
        statement = fetch(client, token, "case-statement", f"&case_id={case_id}")
        lines = statement["lines"]
        start = next(
            i for i, line in enumerate(lines) if line.get("item", "").startswith("Net proceeds")
        )
        section = lines[start + 1 :]
        *parts, total = section
        assert total["style"] == "total" and total["item"] == "Net proceeds still available"
        assert sum(minor(line.get("functional")) for line in parts) == expected[case_id]
        assert minor(total["functional"]) == expected[case_id]
        assert minor(statement["net_proceeds_amount"]) == expected[case_id]
        assert {"Paid (1000)", "Committed"} <= {line["item"] for line in parts}


def test_case_statement_shows_each_assets_estimate_forfeiture_and_sale(demo, client, token_for):
    """The forfeited value is the forfeiture entry's revenue posting; the sale's proceeds the
    sale entry's bank posting; the estimate the register's estimate at seizure."""
    token = token_for("auditor")
    assets = demo.scalars(select(Asset).order_by(Asset.id)).all()
    journal = {}
    for asset in assets:
        for event, code in (
            (events.ASSET_FORFEITED, FORFEITURE_REVENUE),
            (events.ASSET_LIQUIDATED, BANK),
        ):
            amount = demo.scalar(
                select(Posting.amount)
                .join(JournalEntry, JournalEntry.number == Posting.entry_number)
                .join(Account, Account.id == Posting.account_id)
                .where(
                    Posting.asset_id == asset.id, JournalEntry.event == event, Account.code == code
                )
            )
            if amount is not None:
                journal[(asset.id, event)] = abs(amount)
    facts = {
        a.id: (a.case_id, a.kind, a.state, a.estimated_minor, a.estimated_currency, a.sale_currency)
        for a in assets
    }
    demo.rollback()
    assert any(event == events.ASSET_LIQUIDATED for _, event in journal)
    seen = set()
    for case_id in sorted({case for case, *_ in facts.values()}):
        lines = fetch(client, token, "case-statement", f"&case_id={case_id}")["lines"]
        for i, line in enumerate(lines):
            item = line.get("item", "")
            if not item.startswith("Asset "):
                continue
            asset_id = int(item.split()[1])
            _, kind, state, estimated, currency, sale_currency = facts[asset_id]
            seen.add(asset_id)
            assert item == f"Asset {asset_id} · {labels.label(labels.ASSET_KIND, kind)}"
            assert line["status"].startswith(labels.label(labels.ASSET_STATE, state))
            assert in_currency(line["amount"], currency) == estimated
            following = {}
            for later in lines[i + 1 :]:
                if later.get("item", "").startswith("Asset ") or "style" in later:
                    break
                following[later["item"]] = later
            forfeited = journal.get((asset_id, events.ASSET_FORFEITED))
            if forfeited is None:
                assert "Forfeited at" not in following
            else:
                assert minor(following["Forfeited at"]["functional"]) == forfeited
            sold = journal.get((asset_id, events.ASSET_LIQUIDATED))
            if sold is None:
                assert "Sold for" not in following
            else:
                assert minor(following["Sold for"]["functional"]) == sold
                assert following["Sold for"]["amount"]["currency"] == sale_currency
                gain = following.get("Gain on sale") or following.get("Loss on sale") or {}
                assert minor(gain.get("functional")) == sold - forfeited
    assert seen == set(facts)


def test_victim_statement_still_owed_sits_under_its_own_column(demo, client, token_for):
    statement = fetch(client, token_for("auditor"), "victim-statement", "&victim_id=2")
    awards = demo.scalars(select(Award).where(Award.victim_id == 2)).all()
    owed = defaultdict(int)
    for award in awards:
        owed[award.currency] += award.outstanding_minor
    carried = sum(
        -row.balance
        for row in demo.scalars(
            select(SubledgerBalance).where(SubledgerBalance.award_id.in_([a.id for a in awards]))
        )
    )
    demo.rollback()
    lines = statement["total_lines"]
    per_currency = [line for line in lines if "outstanding" in line]
    assert {line["outstanding"]["currency"] for line in per_currency} == set(owed)
    for line in per_currency:
        currency = line["outstanding"]["currency"]
        assert line["what"] == f"Still owed, {currency} awards"
        assert minor(line["outstanding"]) == owed[currency]
        assert "amount" not in line  # not under the movements' column
    assert sum(minor(line["functional"]) for line in per_currency) == carried
    assert minor(statement["carrying_total"]) == carried
    titles = {column["key"]: column["title"] for column in statement["columns"]}
    assert titles["outstanding"] == "Owed on award" and titles["functional"] == "Value in EUR"
    assert "paid by " in statement["subtitle"] and "_" not in statement["subtitle"]


def test_journal_shows_its_order_and_who_posted_each_entry_when(demo, client, token_for):
    token = token_for("auditor")
    journal = fetch(client, token, "journal", "&from=2000-01-01")
    posted = {
        number: (at.isoformat(), by, event)
        for number, at, by, event in demo.execute(
            select(
                JournalEntry.number,
                JournalEntry.posted_at,
                JournalEntry.created_by,
                JournalEntry.event,
            )
        )
    }
    demo.rollback()
    assert "entry-number order" in journal["subtitle"]
    numbers = [line["entry"] for line in journal["lines"]]
    assert numbers == sorted(numbers) and set(numbers) == set(posted)
    for line in journal["lines"]:
        at, by, event = posted[line["entry"]]
        assert line["posted_at"] == at and line["posted_by"] == by
        assert line["event"] == labels.label(labels.EVENT, event)
    csv_text = fetch(client, token, "journal", "&from=2000-01-01", fmt="csv").decode()
    frame = pd.read_csv(io.StringIO(csv_text))
    assert {"Posted at (UTC)", "Posted by", "Value date", "Event"} <= set(frame.columns)
    assert len(frame) == len(journal["lines"])
    pdf = _text_of(fetch(client, token, "journal", "&from=2000-01-01", fmt="pdf"), "pdf")
    assert "entry-number order" in " ".join(pdf.split())


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "pdf"])
def test_no_internal_code_nor_personal_data_in_these_statements(demo, client, token_for, fmt):
    token = token_for("administrator")
    extra_of = dict(MINE)
    for slug, extra in extra_of.items():
        wide = extra + ("&from=2000-01-01" if slug in ("journal", "general-ledger") else "")
        data = fetch(client, token, slug, wide, fmt="raw-json" if fmt == "json" else fmt)
        text = _text_of(data, fmt)
        flat = " ".join(text.split())
        for code in CODES:
            assert code not in flat, (slug, fmt, code)
        for secret in PII:
            assert secret not in flat, (slug, fmt, secret)
    # the demo does hold what the labels replace
    receipts = demo.scalars(
        select(JournalEntry.memo).where(JournalEntry.event == events.RECEIPT_RECORDED)
    ).all()
    demo.rollback()
    assert any("interest on seized cash in escrow" in memo for memo in receipts)


def test_a_movement_memo_names_its_kind_by_label():
    """The memo is the journal's own (hash-chained) text, printed as recorded: it is written
    with the kind's label when the entry is posted, so no statement has to rewrite it."""
    assert labels.movement_memo("receipt", "escrow_interest", "Escrow bank") == (
        "Receipt, interest on seized cash in escrow: Escrow bank"
    )
    assert labels.movement_memo("expense", "bank_charges", "Bank") == "Expense, bank charges: Bank"


def test_asset_register_labels_kind_and_state_and_keeps_descriptions(demo, client, token_for):
    register = fetch(client, token_for("auditor"), "asset-register")
    assets = {a.id: (a.kind, a.state, a.description) for a in demo.scalars(select(Asset))}
    demo.rollback()
    for line in register["lines"]:
        kind, state, description = assets[line["asset"]]
        assert line["kind"] == labels.label(labels.ASSET_KIND, kind)
        assert line["state"] == labels.label(labels.ASSET_STATE, state)
        assert line["description"] == description
    rows = list(
        csv.reader(
            io.StringIO(fetch(client, token_for("auditor"), "asset-register", fmt="csv").decode())
        )
    )
    assert rows[0][:3] == ["Asset", "Case", "Kind"]
