"""The real ``fundledger`` console script, run as a subprocess (SPEC §7 CLI, §8).

Every test works in a temporary directory against a database of its own: a
SQLite file there, or on PostgreSQL a scratch database created and dropped
around the test. The subprocess gets ``PYTHONPATH`` set to this checkout, so
it runs the code under test even when the package is installed elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, inspect, make_url, select, text

from ledger.chart import seed_chart
from ledger.database import make_engine, make_sessionmaker
from ledger.fund import initialise_fund
from ledger.journal import Line, post_entry
from ledger.models import Account, ApiToken, FxRate, JournalEntry, Posting, User
from ledger.users import authenticate, user_for_token
from migrations import upgrade
from tests.conftest import BACKEND, DATA, named
from tests.property.strategies import alter_behind_the_back

ROOT = Path(__file__).resolve().parents[2]
FUNDLEDGER = shutil.which("fundledger") or str(Path(sys.executable).parent / "fundledger")
PASSWORD = "a long enough passphrase"
SAMPLE = DATA / "eurofxref-hist-sample.csv"


def base_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDLEDGER_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["FUNDLEDGER_SECRET_KEY"] = "cli-test-secret-key"
    env["FUNDLEDGER_PII_KEY"] = Fernet.generate_key().decode()
    return env


@dataclass
class Cli:
    workdir: Path
    url: str | None
    env: dict[str, str] = field(default_factory=base_environment)

    def __call__(
        self, *args: str, input: str | None = None, **env: str
    ) -> subprocess.CompletedProcess:
        environment = dict(self.env)
        if self.url is not None:
            environment["FUNDLEDGER_DATABASE_URL"] = self.url
        environment.update(env)
        return subprocess.run(  # noqa: S603 (our own console script)
            [FUNDLEDGER, *args],
            cwd=self.workdir,
            env=environment,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=180,
        )


def scratch_postgres_url(pg_url: str, suffix: str) -> tuple[str, Engine, str]:
    base = make_url(pg_url)
    name = f"{base.database}_{suffix}"
    admin = make_engine(
        base.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False), admin, name


@pytest.fixture
def database_url_for_cli(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database for the command line."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'cli.db'}"
        return
    url, admin, name = scratch_postgres_url(request.getfixturevalue("pg_url"), "cli")
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def ledger_engine(database_url_for_cli) -> Iterator[Engine]:
    """The same database, opened in this process."""
    engine = make_engine(database_url_for_cli)
    yield engine
    engine.dispose()


@pytest.fixture
def cli(database_url_for_cli, tmp_path) -> Cli:
    workdir = tmp_path / "work"
    workdir.mkdir()
    return Cli(workdir, database_url_for_cli)


@pytest.fixture
def initialised(ledger_engine) -> Engine:
    """Migrated and seeded in-process, as ``init`` would (``init`` itself is tested below)."""
    upgrade(ledger_engine)
    with make_sessionmaker(ledger_engine).begin() as session:
        initialise_fund(session, name="CLI Test Fund", functional_currency="EUR")
        seed_chart(session, "EUR")
    return ledger_engine


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table (alembic_version included), in a stable order."""
    with engine.connect() as connection:
        return {
            table: sorted(
                (tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))),
                key=repr,
            )
            for table in sorted(inspect(connection).get_table_names())
        }


def count(engine: Engine, model) -> int:
    with make_sessionmaker(engine)() as session:
        return len(session.scalars(select(model)).all())


def assert_ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def assert_refused(result: subprocess.CompletedProcess) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr


# -- init ------------------------------------------------------------------------------


def test_init_creates_the_schema_then_changes_nothing_the_second_time(cli, ledger_engine):
    first = cli("init")
    assert_ok(first)
    assert re.search(r"schema upgraded empty -> \w+", first.stdout)
    assert "18 account(s) added" in first.stdout
    before = dump(ledger_engine)
    assert len(before["accounts"]) == 18
    assert len(before["fund"]) == 1 and len(before["journal_head"]) == 1
    assert len(before["alembic_version"]) == 1

    second = cli("init")
    assert_ok(second)
    assert "nothing to upgrade" in second.stdout
    assert "0 account(s) added" in second.stdout
    # The books are untouched; only a new one-time set-up link is issued (no user yet),
    # since the first one's secret is shown once and never kept.
    after = dump(ledger_engine)
    assert len(after.pop("setup_links")) == len(before.pop("setup_links")) + 1
    assert after == before
    for run in (first, second):
        assert re.search(r"/setup/[\w-]{20,}", run.stdout), run.stdout


def test_init_refuses_to_change_the_functional_currency(cli, ledger_engine):
    assert_ok(cli("init"))
    before = dump(ledger_engine)
    result = cli("init", FUNDLEDGER_CURRENCY="USD")
    assert_refused(result)
    assert result.returncode == 1
    assert "EUR" in result.stderr and "USD" in result.stderr
    assert dump(ledger_engine) == before


def assert_default_database_is_under_instance(cli: Cli) -> None:
    assert_ok(cli("init"))
    path = cli.workdir / "instance" / "fundledger.db"
    assert path.is_file()
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert count(engine, Account) == 18
    finally:
        engine.dispose()
    verified = cli("verify")
    assert_ok(verified)
    assert "OK: 0 entries" in verified.stdout


def test_sqlite_default_for_a_newcomer_is_instance_fundledger_db(tmp_path):
    """Nothing configured at all: ``init`` makes ``instance/fundledger.db`` in the cwd."""
    cli = Cli(tmp_path, url=None)
    for name in ("FUNDLEDGER_SECRET_KEY", "FUNDLEDGER_PII_KEY"):
        del cli.env[name]
    assert_default_database_is_under_instance(cli)


def test_sqlite_default_with_keys_configured_is_instance_fundledger_db(tmp_path):
    assert_default_database_is_under_instance(Cli(tmp_path, url=None))


# -- users and tokens --------------------------------------------------------------------


def test_create_user_reads_the_password_from_stdin(cli, initialised):
    result = cli("create-user", "alice", "--role", "administrator", input=PASSWORD + "\n")
    assert_ok(result)
    assert "user alice created with role administrator" in result.stdout
    with make_sessionmaker(initialised)() as session:
        user = session.scalar(select(User).where(User.name == "alice"))
        assert user.role == "administrator"
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert authenticate(session, "alice", PASSWORD).name == "alice"
        assert authenticate(session, "alice", PASSWORD + "x") is None


def test_create_user_refuses_a_short_password(cli, initialised):
    result = cli("create-user", "bob", "--role", "auditor", input="short\n")
    assert_refused(result)
    assert "password" in result.stderr
    assert count(initialised, User) == 0


@pytest.mark.parametrize("role", ["janitor", "Administrator"])
def test_create_user_refuses_an_unknown_role(cli, initialised, role):
    result = cli("create-user", "carol", "--role", role, input=PASSWORD + "\n")
    assert_refused(result)
    assert "role" in result.stderr
    assert count(initialised, User) == 0


def test_create_user_refuses_a_taken_name(cli, initialised):
    assert_ok(cli("create-user", "alice", "--role", "court", input=PASSWORD + "\n"))
    result = cli("create-user", "alice", "--role", "auditor", input=PASSWORD + "\n")
    assert_refused(result)
    assert "already exists" in result.stderr
    with make_sessionmaker(initialised)() as session:
        assert [u.role for u in session.scalars(select(User))] == ["court"]


def test_create_token_prints_a_token_that_authenticates(cli, initialised, tmp_path):
    assert_ok(cli("create-user", "alice", "--role", "auditor", input=PASSWORD + "\n"))
    result = cli("create-token", "alice")
    assert_ok(result)
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("flt_") and " " not in token
    assert "shown" in result.stderr  # the warning goes to stderr, the token alone to stdout

    with make_sessionmaker(initialised)() as session:
        assert user_for_token(session, token).name == "alice"
        assert user_for_token(session, token + "x") is None
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert len(stored) == 1 and token not in stored[0]

    from app import create_app
    from app.db import dispose

    app = create_app(
        {"TESTING": True, "DATABASE_URL": cli.url, "REPORTS_DATABASE_URL": cli.url},
        instance_path=str(tmp_path / "app-instance"),
    )
    try:
        client = app.test_client()
        response = client.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.get_json()["ok"] is True
        wrong = client.get("/api/v1/audit/verify", headers={"Authorization": "Bearer flt_nope"})
        assert wrong.status_code == 401
    finally:
        dispose(app)

    second = cli("create-token", "alice")
    assert_ok(second)
    assert second.stdout.strip().splitlines()[-1] != token


def test_create_token_for_an_unknown_user_fails(cli, initialised):
    result = cli("create-token", "nobody")
    assert_refused(result)
    assert "nobody" in result.stderr and "does not exist" in result.stderr
    assert count(initialised, ApiToken) == 0


# -- exchange rates ----------------------------------------------------------------------


def test_import_rates_adds_rates_once(cli, initialised):
    first = cli("import-rates", str(SAMPLE))
    assert_ok(first)
    added = int(re.search(r"(\d+) rate\(s\) added, 0 corrected", first.stdout)[1])
    assert added > 0
    assert count(initialised, FxRate) == added
    with make_sessionmaker(initialised)() as session:
        usd = session.scalar(
            select(FxRate.rate).where(FxRate.currency == "USD", FxRate.date == date(2026, 1, 2))
        )
        assert usd == Decimal("1.1721")
        assert "EUR" not in set(session.scalars(select(FxRate.currency)))

    again = cli("import-rates", str(SAMPLE))
    assert_ok(again)
    assert "0 rate(s) added, 0 corrected" in again.stdout
    # The ECB's daily file of 30 October repeats that day's rates of the history file.
    daily = cli("import-rates", str(DATA / "eurofxref-2026-10-30.csv"))
    assert_ok(daily)
    assert "0 rate(s) added, 0 corrected" in daily.stdout
    assert count(initialised, FxRate) == added


def test_import_rates_corrects_a_changed_rate(cli, initialised, tmp_path):
    assert_ok(cli("import-rates", str(SAMPLE)))
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(SAMPLE.read_text().replace("2026-01-02,1.1721,", "2026-01-02,1.1725,"))
    result = cli("import-rates", str(corrected))
    assert_ok(result)
    assert "0 rate(s) added, 1 corrected" in result.stdout
    with make_sessionmaker(initialised)() as session:
        row = session.scalar(
            select(FxRate).where(FxRate.currency == "USD", FxRate.date == date(2026, 1, 2))
        )
        assert (row.rate, row.source) == (Decimal("1.1725"), "corrected.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Date,USD,\n2026-01-02,1.1721,\n2026-01-05,abc,\n", "line 3, USD"),
        ("Date,USD,\n2026-01-02,1.1721,\n02/01/2026,1.17,\n", "line 3"),
        ("Date,USD,\n2026-01-02,-1.17,\n", "line 2, USD"),
        ("Date,usd,\n2026-01-02,1.17,\n", "column 2"),
        ("Currency,Rate\nUSD,1.17\n", "not an ECB reference-rate CSV"),
        ("", "empty"),
    ],
)
def test_import_rates_refuses_a_malformed_file(cli, initialised, tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = cli("import-rates", str(bad))
    assert_refused(result)
    assert result.returncode == 1
    assert message in result.stderr
    assert count(initialised, FxRate) == 0  # nothing of a bad file is kept


def test_import_rates_refuses_a_binary_file(cli, initialised, tmp_path):
    bad = tmp_path / "rates.xlsx"
    bad.write_bytes(b"PK\x03\x04\xff\xfe\x00binary")
    result = cli("import-rates", str(bad))
    assert_refused(result)
    assert "UTF-8" in result.stderr
    assert count(initialised, FxRate) == 0


def test_import_rates_of_a_missing_file_fails(cli, initialised, tmp_path):
    result = cli("import-rates", str(tmp_path / "missing.csv"))
    assert_refused(result)
    assert "missing.csv" in result.stderr


# -- verify ------------------------------------------------------------------------------


def post_some_entries(engine: Engine) -> None:
    with make_sessionmaker(engine).begin() as session:
        for i, lines in enumerate(
            [
                [Line.debit("1000", 500_00), Line.credit("4200", 500_00)],
                [
                    Line.debit("5000", 120_00, award_id=1, victim_id=1, case_id=1),
                    Line.credit("2000", 120_00, award_id=1, victim_id=1, case_id=1),
                ],
                [Line.debit("2000", 120_00, award_id=1), Line.credit("1000", 120_00)],
            ],
            start=1,
        ):
            post_entry(
                session,
                value_date=date(2026, 2, i),
                memo=f"entry {i}",
                event="journal.manual",
                lines=lines,
                actor=named("cli-test"),
            )


def test_verify_passes_on_intact_books(cli, initialised):
    post_some_entries(initialised)
    result = cli("verify")
    assert_ok(result)
    assert "OK: 3 entries" in result.stdout
    assert "PROBLEM" not in result.stdout


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        (JournalEntry.__table__, "memo", "entry 2, quietly rewritten"),
        (JournalEntry.__table__, "value_date", date(2026, 2, 3)),
        (Posting.__table__, "amount", -100_00),
        (Posting.__table__, "award_id", 2),
    ],
    ids=["entry-memo", "entry-date", "posting-amount", "posting-award"],
)
def test_verify_names_the_entry_altered_behind_the_applications_back(
    cli, initialised, table, column, value
):
    post_some_entries(initialised)
    if table is Posting.__table__:
        where = (table.c.entry_number == 2) & (table.c.line == 2)
    else:
        where = table.c.number == 2
    alter_behind_the_back(initialised, table, where, column, value)

    result = cli("verify")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM")]
    assert problems and problems[0].startswith("PROBLEM entry 2:"), result.stdout
    assert "FAILED" in result.stdout


def test_verify_names_an_account_whose_stored_balance_was_altered(cli, initialised):
    post_some_entries(initialised)
    with initialised.begin() as connection:
        connection.execute(
            text(
                "UPDATE account_balances SET balance = balance + 1 WHERE account_id = "
                "(SELECT id FROM accounts WHERE code = '5000')"
            )
        )
    result = cli("verify")
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 1 and problems[0].startswith("PROBLEM account 5000:"), result.stdout


def test_verify_before_init_says_to_run_init(cli):
    result = cli("verify")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "fundledger init" in result.stdout + result.stderr
