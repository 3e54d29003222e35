"""``fundledger backup`` and ``restore`` (SPEC §7), run as the real console script on both
engines: the restored database holds every row the original did, ends at the heads the
backup's signed checkpoint names, and a restore refuses a database that is not empty, a
file of the other engine, and a checkpoint the backup does not match."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from ledger.checkpoint_log import read_checkpoints
from ledger.database import make_engine
from tests.cli.test_cli import (  # noqa: F401 (fixtures)
    Cli,
    cli,
    database_url_for_cli,
    dump,
    scratch_postgres_url,
)
from tests.conftest import BACKEND


@pytest.fixture
def second_url(request, tmp_path) -> Iterator[str]:
    """Another empty database to restore into."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url, admin, name = scratch_postgres_url(request.getfixturevalue("pg_url"), "restored")
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def demo_fund(cli: Cli) -> Cli:  # noqa: F811 (the fixture imported above)
    for args in (["init"], ["demo"]):
        result = cli(*args)
        assert result.returncode == 0, result.stderr
    return cli


def _everything(url: str) -> dict:
    engine = make_engine(url)
    try:
        return dump(engine)
    finally:
        engine.dispose()


def test_a_backup_restores_into_an_empty_database_with_the_same_heads(
    demo_fund: Cli, second_url: str
):
    backup = demo_fund.workdir / "fund.backup"
    made = demo_fund("backup", "-o", str(backup))
    assert made.returncode == 0, made.stderr
    assert backup.exists() and not backup.with_name("fund.backup.partial").exists()
    (signed,), problems = read_checkpoints(backup.with_name("fund.backup.checkpoint"))
    assert problems == [] and signed.reason == "backup fund.backup"
    logged, _ = read_checkpoints(demo_fund.workdir / "instance" / "checkpoints.jsonl")
    assert signed in logged

    restored = demo_fund("restore", str(backup), FUNDLEDGER_DATABASE_URL=second_url)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert f"head {signed.journal_head}, the same as the backup's checkpoint" in restored.stdout
    assert _everything(second_url) == _everything(demo_fund.url)
    verified = demo_fund("verify", FUNDLEDGER_DATABASE_URL=second_url)
    assert verified.returncode == 0, verified.stdout


def test_a_restore_never_writes_over_a_fund(demo_fund: Cli):
    backup = demo_fund.workdir / "fund.backup"
    assert demo_fund("backup", "-o", str(backup)).returncode == 0
    before = _everything(demo_fund.url)
    refused = demo_fund("restore", str(backup))
    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    assert _everything(demo_fund.url) == before


def test_a_restore_that_does_not_end_at_the_checkpoint_fails(demo_fund: Cli, second_url: str):
    backup = demo_fund.workdir / "fund.backup"
    assert demo_fund("backup", "-o", str(backup)).returncode == 0
    assert demo_fund("import-rates", str(_rates())).returncode == 0  # the books move on
    later = demo_fund("checkpoint")
    assert later.returncode == 0
    wrong = demo_fund.workdir / "later.checkpoint"
    wrong.write_text(later.stdout)
    result = demo_fund(
        "restore", str(backup), "--checkpoint", str(wrong), FUNDLEDGER_DATABASE_URL=second_url
    )
    assert result.returncode == 1
    assert "FAILED: the restored database is not the backed-up books" in result.stdout
    assert "audit event" in result.stdout


def test_a_file_that_is_not_a_backup_of_this_engine_is_refused(
    demo_fund: Cli, second_url: str, tmp_path: Path
):
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"PGDMP" if BACKEND == "sqlite" else b"SQLite format 3\x00" + b"\0" * 84)
    bogus.with_name("bogus.backup.checkpoint").write_text(
        (demo_fund.workdir / "instance" / "checkpoints.jsonl").read_text().splitlines()[0] + "\n"
    )
    result = demo_fund("restore", str(bogus), FUNDLEDGER_DATABASE_URL=second_url)
    assert result.returncode == 1
    assert "is not a" in result.stderr
    missing = demo_fund("restore", str(tmp_path / "none"), FUNDLEDGER_DATABASE_URL=second_url)
    assert missing.returncode == 2


def _rates() -> Path:
    from tests.cli.test_cli import SAMPLE

    return SAMPLE
