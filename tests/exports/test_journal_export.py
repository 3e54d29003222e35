"""The journal export, recomputed with the auditors' own tools (SPEC §6).

``fundledger export-journal`` writes the journal for hledger/Ledger and for
Beancount. These tests export the demo fund and random histories, let the
tools themselves add the postings up (``hledger balance``, Beancount's
loader, which also checks every balance assertion in the file), and compare
their figures account by account with :func:`ledger.balances.trial_balance`.
The tools name accounts ``Assets:1000-Fund-bank-account``; the account code
is read back from the name, and the top-level name must match the type.

hledger is a Debian package (``apt-get install hledger``; ``scripts/test``
installs it): without it those tests are skipped, saying why. Beancount is
a Python package of the test extra.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data as bc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.balances import trial_balance
from ledger.chart import add_account
from ledger.errors import Conflict
from ledger.journal import Line, post_entry, reverse_entry
from ledger.money import Money
from ledger.pii import PiiCipher, generate_key
from ledger.verify import verify_journal
from ledger.victims import PaymentDetails, register_victim
from reports.journal_export import account_name, export_journal
from tests.conftest import FUNCTIONAL, OPERATOR, auth, named

HLEDGER = shutil.which("hledger")
needs_hledger = pytest.mark.skipif(
    HLEDGER is None,
    reason="hledger is not installed (apt-get install hledger; scripts/test installs it)",
)
ROOTS = {
    "Assets": "asset",
    "Liabilities": "liability",
    "Equity": "net_assets",
    "Income": "revenue",
    "Expenses": "expense",
}
API = "/api/v1/exports/journal"
#: Distinctive personal data that must never reach an export.
SECRET_NAME = "Zanthippe Quillfeather-Oyelaran"
SECRET_CONTACT = "zanthippe.q@example.org"
SECRET_IBAN = "PT50000201231234567890154"


# -- the auditors' tools ---------------------------------------------------------------


def code_of(account: str, types: dict[str, str]) -> str:
    """``Assets:1000-Fund-bank-account`` → ``1000``, checking the root against the type."""
    root, _, leaf = account.partition(":")
    code = leaf.split("-", 1)[0]
    assert code in types, f"{account} names no account of the chart"
    assert ROOTS[root] == types[code], f"{account}: {root} for a {types[code]} account"
    return code


def hledger_balances(path: Path, types: dict[str, str]) -> dict[str, Decimal]:
    """Every account's balance as hledger computes it (strict: all accounts declared)."""
    run = subprocess.run(  # noqa: S603 - a fixed command on a file the test wrote
        [HLEDGER, "-f", str(path), "--strict", "balance", "--flat", "--no-total", "-O", "csv"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    )
    assert run.returncode == 0, f"hledger refused the export:\n{run.stderr}"
    rows = list(csv.reader(io.StringIO(run.stdout)))
    assert rows[0] == ["account", "balance"], rows[:1]
    balances: dict[str, Decimal] = {}
    for account, amount in rows[1:]:
        balances[code_of(account, types)] = _hledger_amount(amount)
    return balances


def _hledger_amount(text: str) -> Decimal:
    if text.strip() == "0":
        return Decimal(0)
    commodity, _, number = text.strip().partition(" ")
    assert commodity == FUNCTIONAL, f"{text!r}: only functional amounts are expected"
    return Decimal(number)


def beancount_balances(path: Path, types: dict[str, str]) -> dict[str, Decimal]:
    """Beancount loads the file without one error (balance assertions included); then
    every posting is summed per account."""
    entries, errors, options = loader.load_file(str(path))
    assert not errors, "beancount refused the export:\n" + "\n".join(
        f"{e.source.get('lineno')}: {e.message}" for e in errors
    )
    assert options["operating_currency"] == [FUNCTIONAL]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, bc.Transaction):
            for posting in entry.postings:
                assert posting.units.currency == FUNCTIONAL
                totals[code_of(posting.account, types)] += posting.units.number
    return dict(totals)


def trial_balance_figures(session, as_of: date | None = None) -> dict[str, Decimal]:
    """The fund's own trial balance, debit-positive, as exact decimals."""
    return {
        line.code: Money(line.balance, FUNCTIONAL).to_decimal()
        for line in trial_balance(session, as_of).lines
    }


def account_types(session) -> dict[str, str]:
    return {line.code: line.type for line in trial_balance(session).lines}


def assert_ties(recomputed: dict[str, Decimal], expected: dict[str, Decimal], tool: str) -> None:
    assert set(recomputed) <= set(expected)
    for code, figure in expected.items():
        assert recomputed.get(code, Decimal(0)) == figure, (
            f"{tool}: account {code} is {recomputed.get(code, 0)}, the trial balance says {figure}"
        )


def write(session, fmt: str, path: Path, **dates) -> str:
    text = "".join(export_journal(session, OPERATOR, fmt, **dates))
    path.write_text(text, encoding="utf-8")
    return text


# -- the demo fund ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "recompute"),
    [
        pytest.param("beancount", beancount_balances, id="beancount"),
        pytest.param("ledger", hledger_balances, marks=needs_hledger, id="hledger"),
    ],
)
def test_demo_fund_recomputed(runner, db, tmp_path, fmt, recompute):
    assert runner.invoke(args=["demo"]).exit_code == 0
    out = tmp_path / f"demo.{fmt}"
    result = runner.invoke(args=["export-journal", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    expected = trial_balance_figures(db)
    assert sum(1 for figure in expected.values() if figure) >= 10
    assert_ties(recompute(out, account_types(db)), expected, fmt)


def test_demo_export_names_entries_hashes_and_foreign_amounts(runner, db, tmp_path):
    assert runner.invoke(args=["demo"]).exit_code == 0
    head = trial_balance(db)
    ledger_text = write(db, "ledger", tmp_path / "demo.journal")
    beancount_text = write(db, "beancount", tmp_path / "demo.beancount")
    for text in (ledger_text, beancount_text):
        assert f"hash {head.head_hash}" in text  # the header names the head it was built from
        assert f"Entries in this export: {head.entries} " in text
        assert "Victims' Compensation Fund" in text or "Test Compensation Fund" in text
        assert "Assets:1000-Fund-bank-account" in text
        assert "Liabilities:2000-Awards-payable" in text
        assert "V-000001" in text
        assert "float" not in text
    assert "; original: USD " in ledger_text
    assert 'original: "THB ' in beancount_text
    assert 'option "operating_currency" "EUR"' in beancount_text
    entries, errors, _ = loader.load_file(str(tmp_path / "demo.beancount"))
    assert not errors
    transactions = [e for e in entries if isinstance(e, bc.Transaction)]
    assert sorted(int(t.meta["entry"]) for t in transactions) == list(range(1, head.entries + 1))
    assert all(len(t.meta["hash"]) == 64 for t in transactions)


def test_account_names_are_valid_for_every_tool():
    assert account_name("1000", "Fund bank account", "asset") == "Assets:1000-Fund-bank-account"
    assert account_name("2000", "Awards payable", "liability") == "Liabilities:2000-Awards-payable"
    assert account_name("3000", "Fund balance", "net_assets") == "Equity:3000-Fund-balance"
    assert account_name("4000", "Forfeiture revenue", "revenue") == "Income:4000-Forfeiture-revenue"
    assert account_name("5000", "Victim compensation", "expense") == (
        "Expenses:5000-Victim-compensation"
    )
    assert account_name("1001", "  bank (USD) — Caixa «Açores»  ", "asset") == (
        "Assets:1001-Bank-USD-Caixa-Acores"
    )
    assert account_name("1002", "Счёт", "asset") == "Assets:1002"


# -- random histories ------------------------------------------------------------------

FIRST_DAY, LAST_DAY = date(2025, 11, 1), date(2026, 6, 30)
FREE = (
    "1010",
    "1100",
    "2100",
    "2200",
    "3000",
    "4000",
    "4100",
    "4300",
    "4400",
    "5000",
    "5100",
    "5200",
    "5300",
    "5400",
    "5500",
    "1001",  # added per example: a USD account whose name needs slugging
    "1002",  # added per example: a name with no ASCII letter at all
)
FOREIGN = {"1001": "USD"}
days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
#: Memos full of what the formats treat specially: quotes, backslashes, comment and
#: tag characters, line breaks, non-ASCII.
# Tabs and newlines are the only control characters the journal accepts in a memo.
memos = st.text(alphabet=st.sampled_from(list('aZ 09"\\;|#^*:,()@{}\n\té€Ω\u2013')), max_size=30)


@st.composite
def entries(draw) -> tuple:
    size = draw(st.integers(min_value=2, max_value=4))
    codes = draw(st.lists(st.sampled_from(FREE), min_size=size, max_size=size, unique=True))
    signed = st.integers(min_value=-5_000_000, max_value=5_000_000).filter(bool)
    amounts = draw(st.lists(signed, min_size=size - 1, max_size=size - 1))
    last = -sum(amounts)
    if last == 0:
        amounts[0] += 1 if amounts[0] > 0 else -1
        last = -sum(amounts)
    legs = []
    for code, amount in zip(codes, [*amounts, last], strict=True):
        currency = FOREIGN.get(code) or draw(st.sampled_from((FUNCTIONAL, "JPY", "GBP")))
        original = amount
        if currency != FUNCTIONAL:
            original = (1 if amount > 0 else -1) * draw(st.integers(min_value=1, max_value=10**7))
        legs.append((code, amount, currency, original, draw(st.booleans())))
    return ("post", draw(days), draw(memos), tuple(legs))


operations = st.lists(
    st.one_of(
        entries(),
        entries(),
        st.tuples(st.just("donation"), days, st.integers(min_value=1, max_value=10**8)),
        st.tuples(
            st.just("reverse"),
            st.integers(min_value=0, max_value=100),
            st.integers(min_value=0, max_value=40),
            memos,
        ),
    ),
    min_size=1,
    max_size=14,
)


def play(session, cipher: PiiCipher, ops: list) -> None:
    """Post the operations (and set up a victim with distinctive personal data)."""
    add_account(
        session,
        actor=OPERATOR,
        code="1001",
        name="Bank account (USD) — Caixa «Açores»",
        type="asset",
        currency="USD",
    )
    add_account(session, actor=OPERATOR, code="1002", name="Счёт «Ω»", type="liability")
    victim = register_victim(
        session,
        cipher,
        actor=named("tester"),
        full_name=SECRET_NAME,
        date_of_birth=date(1990, 5, 17),
        contact=SECRET_CONTACT,
        country_of_residence="NG",
        returned_home=True,
        payment=PaymentDetails("bank_transfer", "EUR", iban=SECRET_IBAN, bic="CGDIPTPL"),
    )
    posted: list[tuple[int, date]] = []
    for op in ops:
        if op[0] == "donation":
            _, day, amount = op
            lines = [Line("1000", amount), Line("4200", -amount, victim_id=victim.id)]
            entry = post_entry(
                session,
                value_date=day,
                memo="Donation",
                event="receipt.recorded",
                lines=lines,
                actor=named("tester"),
            )
        elif op[0] == "post":
            _, day, memo, legs = op
            lines = [
                Line(
                    code,
                    amount,
                    Money(original, currency),
                    case_id=7 if dims else None,
                    victim_id=victim.id if dims else None,
                    award_id=3 if dims else None,
                )
                for code, amount, currency, original, dims in legs
            ]
            entry = post_entry(
                session,
                value_date=day,
                memo=memo,
                event="adjustment.posted",
                lines=lines,
                actor=named("tester"),
            )
        else:
            _, pick, later, memo = op
            if not posted:
                continue
            number, day = posted[pick % len(posted)]
            try:
                entry = reverse_entry(
                    session,
                    number,
                    value_date=day + timedelta(days=later),
                    memo=memo,
                    actor=named("tester"),
                )
            except Conflict:  # already reversed, or itself a reversal
                continue
        posted.append((entry.number, entry.value_date))
    session.commit()


@settings(
    max_examples=int(os.environ.get("FUNDLEDGER_EXPORT_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, window=st.lists(days, min_size=2, max_size=2).map(sorted))
def test_random_histories_recomputed_by_the_tools(
    ops, window, reset_database, session_factory, tmp_path_factory
):
    reset_database()
    tmp = tmp_path_factory.mktemp("export")
    cipher = PiiCipher.from_setting(generate_key())
    with session_factory() as session:
        play(session, cipher, ops)
        assert verify_journal(session).ok
        types = account_types(session)
        date_from, date_to = window
        for dates, expected in (
            ({}, trial_balance_figures(session)),
            ({"date_to": date_to}, trial_balance_figures(session, date_to)),
            ({"date_from": date_from}, trial_balance_figures(session)),
            ({"date_from": date_from, "date_to": date_to}, trial_balance_figures(session, date_to)),
        ):
            bean = write(session, "beancount", tmp / "export.beancount", **dates)
            ledger_text = write(session, "ledger", tmp / "export.journal", **dates)
            for text in (bean, ledger_text):
                for secret in (SECRET_NAME, SECRET_CONTACT, SECRET_IBAN, "1990-05-17"):
                    assert secret not in text
            assert_ties(beancount_balances(tmp / "export.beancount", types), expected, "beancount")
            if HLEDGER is not None:
                assert_ties(hledger_balances(tmp / "export.journal", types), expected, "hledger")


def test_memos_survive_beancount_exactly(db, tmp_path):
    memo = 'Refund "A\\B"; line one\nline two\ttab — €'
    post_entry(
        db,
        value_date=date(2026, 1, 5),
        memo=memo,
        event="adjustment.posted",
        lines=[Line("5500", 1234), Line("2200", -1234)],
        actor=named("tester"),
    )
    db.commit()
    write(db, "beancount", tmp_path / "memo.beancount")
    entries, errors, _ = loader.load_file(str(tmp_path / "memo.beancount"))
    assert not errors
    (transaction,) = [e for e in entries if isinstance(e, bc.Transaction)]
    assert transaction.narration == memo
    text = write(db, "ledger", tmp_path / "memo.journal")
    # One line per transaction header; the exact memo follows as a JSON comment.
    assert '* (1) Refund "A\\B", line one line two tab — €\n' in text
    assert '; memo: "Refund \\"A\\\\B\\"; line one\\nline two\\ttab — €"' in text


def test_an_empty_journal_exports(db, tmp_path):
    text = write(db, "beancount", tmp_path / "empty.beancount")
    assert "Entries in this export: 0 (no entries" in text
    assert beancount_balances(tmp_path / "empty.beancount", account_types(db)) == {}
    write(db, "ledger", tmp_path / "empty.journal")
    if HLEDGER is not None:
        assert hledger_balances(tmp_path / "empty.journal", account_types(db)) == {}


def test_victims_personal_data_is_never_exported(db, tmp_path):
    cipher = PiiCipher.from_setting(generate_key())
    victim = register_victim(
        db,
        cipher,
        actor=named("tester"),
        full_name=SECRET_NAME,
        date_of_birth=date(1990, 5, 17),
        contact=SECRET_CONTACT,
        country_of_residence="NG",
        returned_home=True,
        payment=PaymentDetails("bank_transfer", "EUR", iban=SECRET_IBAN, bic="CGDIPTPL"),
    )
    post_entry(
        db,
        value_date=date(2026, 2, 1),
        memo="Award registered",
        event="award.registered",
        lines=[
            Line("5000", 50000, victim_id=victim.id),
            Line("2000", -50000, victim_id=victim.id, award_id=1),
        ],
        actor=named("tester"),
    )
    db.commit()
    for fmt in ("ledger", "beancount"):
        text = write(db, fmt, tmp_path / fmt)
        assert victim.code in text
        for secret in (SECRET_NAME, "Zanthippe", "Quillfeather", SECRET_CONTACT, SECRET_IBAN):
            assert secret not in text


# -- the download ----------------------------------------------------------------------


def test_download_for_administrators_and_auditors(runner, client, token_for, db, tmp_path):
    assert runner.invoke(args=["demo"]).exit_code == 0
    tokens = {role: token_for(role) for role in ("administrator", "auditor")}
    expected = trial_balance_figures(db)
    types = account_types(db)
    db.rollback()  # on SQLite a session that has read holds the write lock until it ends
    for role, fmt, suffix in (
        ("administrator", "ledger", "journal"),
        ("auditor", "beancount", "beancount"),
    ):
        response = client.get(f"{API}?format={fmt}", headers=auth(tokens[role]))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="journal.{suffix}"'
        )
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        path = tmp_path / f"download.{suffix}"
        path.write_bytes(response.get_data())
        if fmt == "beancount":
            assert_ties(beancount_balances(path, types), expected, "beancount")
        elif HLEDGER is not None:
            assert_ties(hledger_balances(path, types), expected, "hledger")


def test_download_with_a_period(runner, client, token_for, db, tmp_path):
    assert runner.invoke(args=["demo"]).exit_code == 0
    response = client.get(
        f"{API}?format=beancount&from=2026-02-01&to=2026-02-28",
        headers=auth(token_for("auditor")),
    )
    assert response.status_code == 200
    path = tmp_path / "february.beancount"
    path.write_bytes(response.get_data())
    assert_ties(
        beancount_balances(path, account_types(db)),
        trial_balance_figures(db, date(2026, 2, 28)),
        "beancount",
    )


def test_download_refusals(client, token_for):
    court = client.get(f"{API}?format=ledger", headers=auth(token_for("court")))
    assert court.status_code == 403
    assert client.get(f"{API}?format=ledger").status_code == 401
    admin = auth(token_for("administrator"))
    bad = client.get(f"{API}?format=csv", headers=admin)
    assert bad.status_code == 422
    assert "format" in bad.get_json()["errors"]
    assert client.get(API, headers=admin).status_code == 422
    backwards = client.get(f"{API}?format=ledger&from=2026-03-01&to=2026-02-01", headers=admin)
    assert backwards.status_code == 422
    assert backwards.headers["Content-Type"].startswith("application/problem+json")


# -- the command -----------------------------------------------------------------------


def test_command_writes_the_file(runner, db, tmp_path):
    assert runner.invoke(args=["demo"]).exit_code == 0
    out = tmp_path / "books.beancount"
    result = runner.invoke(
        args=["export-journal", "--format", "beancount", "-o", str(out), "--to", "2026-01-31"]
    )
    assert result.exit_code == 0, result.output
    assert "written to" in result.output
    assert not (tmp_path / "books.beancount.partial").exists()
    assert_ties(
        beancount_balances(out, account_types(db)),
        trial_balance_figures(db, date(2026, 1, 31)),
        "beancount",
    )


def test_command_fails_cleanly(runner, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "books.txt"
    bad_format = runner.invoke(args=["export-journal", "--format", "csv", "-o", str(out)])
    assert bad_format.exit_code != 0
    assert "'csv' is not one of 'ledger', 'beancount'" in bad_format.output
    backwards = runner.invoke(
        args=[
            *("export-journal", "--format", "ledger", "-o", str(out)),
            *("--from", "2026-03-01", "--to", "2026-02-01"),
        ]
    )
    assert backwards.exit_code == 1
    assert "error: from: must not be after 'to'" in backwards.output
    nowhere = runner.invoke(
        args=["export-journal", "--format", "ledger", "-o", str(folder / "no" / "such.txt")]
    )
    assert nowhere.exit_code == 1
    assert "error: cannot write" in nowhere.output
    assert "Traceback" not in nowhere.output
    assert not out.exists()
    assert list(folder.iterdir()) == []  # no file, no .partial left behind
