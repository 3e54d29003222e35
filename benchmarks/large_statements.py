"""Large statements: time and peak memory of every format beside a COPY floor (SPEC §6, issue 9).

Builds (or, unless ``--rebuild``, reuses) a PostgreSQL fund of N postings
(default 50,000 and 200,000) straight into the journal tables with SQLAlchemy
Core — entries, postings, a correct hash chain (:mod:`ledger.chain`), running
balances, award subledgers and the journal head — and checks it with
``verify_journal`` (the run fails on any problem, so the fund is a valid one).
Each size has its own database, named after ``--database-url``'s with
``_<postings>`` appended (``fl_bench_50000``), created if missing.

Then, for the general ledger of account 1000 and the journal, over the whole
fund (2024-01-01 to 2025-12-31, asked for explicitly: a period statement's
default is now the fiscal year to date), in csv, json, xlsx and pdf, each
measurement runs in a **fresh child process** (so one format's peak does not
hide another's) that connects, then builds the statement and consumes
``reports.render.render(...)`` into /dev/null:

- ``seconds``: from after connecting to the last byte (the statement's own
  queries — count, sums, rows — included: what a user waits for);
- ``rss_peak``: the child's ``VmHWM`` (peak resident set) at the end, and
  ``rss_before``: its ``VmRSS`` after imports and connecting.

Beside each, in the same run and interleaved with it (reference, subject,
reference, subject…), the **COPY floor**: a child that runs
``COPY (<the same SELECT>) TO STDOUT (FORMAT csv)`` through psycopg's
``cursor.copy()`` into /dev/null. "The same SELECT" is the one the statement
streams its rows with, captured from the statement itself (the first query it
runs with ``stream_results``), with its parameters. ``ratio`` = seconds / floor.

``--prototype`` adds ``fast-csv``: the same rows written as the statement's
CSV would be, without SQLAlchemy rows, dicts, Decimal, babel or pandas (a
psycopg server-side cursor of tuples, minor units to decimal strings with
``divmod``, ``csv.writer.writerows``) — to show what ratio is reachable.

Times are medians of ``--repeat`` runs (3); a measurement whose first run takes
longer than ``--once-above`` seconds (60) runs once, and the table says so
(``runs``). ``--quick`` is a small run (5,000 postings, one run each).

Usage::

    .venv/bin/python benchmarks/large_statements.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/fl_bench --json /tmp/after.json
    .venv/bin/python benchmarks/large_statements.py --database-url ... --quick
    # the code measured is whatever ``import reports`` finds: PYTHONPATH=/tmp/old-checkout
    # measures another commit with this script (the table names the commit).

The databases named ``<database>_<postings>`` are EMPTIED (schema dropped and
migrated again) when built: give scratch names. The summary table prints the
"before" figures kept in :data:`BEFORE` (commit 9abf628) beside the new ones.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.engine import make_url

from ledger import chain
from ledger.access import Actor
from ledger.chart import seed_chart
from ledger.database import make_engine, make_sessionmaker
from ledger.fund import initialise_fund
from ledger.models import (
    Account,
    AccountBalance,
    JournalEntry,
    JournalHead,
    Posting,
    SubledgerBalance,
)
from ledger.models.journal import GENESIS_HASH

STATEMENTS = ("general-ledger", "journal")
FORMATS = ("csv", "json", "xlsx", "pdf")
ACCOUNT = "1000"
FIRST_DAY = date(2024, 1, 1)
DAYS = 730
LAST_DAY = FIRST_DAY + timedelta(days=DAYS)
BATCH = 5000
VICTIMS = 20
USD_PER_EUR = 1.0842  # only to make plausible originals; amounts stay integers


# -- building the fund ---------------------------------------------------------------------


def build_fund(url: str, target: int, seed: int = 20260101) -> dict:
    """Insert entries until ``target`` postings exist; return what was built."""
    from ledger.pii import PiiCipher, generate_key
    from ledger.victims import PaymentDetails, register_victim

    rng = random.Random(seed)
    engine = make_engine(url)
    session_factory = make_sessionmaker(engine)
    with session_factory.begin() as session:
        cipher = PiiCipher.from_setting(generate_key())
        for i in range(VICTIMS):
            register_victim(
                session,
                cipher,
                actor=Actor.system("benchmark"),
                full_name=f"Benchmark Person {i}",
                date_of_birth=None,
                contact=None,
                country_of_residence=("PT", "NG", "TH", "RO")[i % 4],
                returned_home=i % 3 == 0,
                payment=PaymentDetails("cash", "EUR"),
            )
    with engine.connect() as connection:
        ids = dict(connection.execute(select(Account.code, Account.id)).all())
        currencies = dict(connection.execute(select(Account.code, Account.currency)).all())

    entries_t, postings_t = JournalEntry.__table__, Posting.__table__
    started = time.perf_counter()
    number, count, prev_hash = 0, 0, GENESIS_HASH
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # code → [amount, original, n]
    awards: dict[int, list] = {}  # award → [currency, functional, original] outstanding
    award_sums: dict[int, list] = defaultdict(lambda: [None, 0, 0])
    bank = 0
    next_award = 1
    entry_rows: list[dict] = []
    posting_rows: list[dict] = []
    estimate = max(1, target // 2)
    posted_at = datetime(2024, 1, 1, 9, 0, 0)

    def flush(connection) -> None:
        if entry_rows:
            connection.execute(insert(entries_t), entry_rows)
            connection.execute(insert(postings_t), posting_rows)
            entry_rows.clear()
            posting_rows.clear()

    with engine.connect() as connection:
        connection.begin()
        while count < target:
            number += 1
            day = FIRST_DAY + timedelta(days=min(DAYS, number * DAYS // estimate))
            legs, memo, event = _next_entry(rng, number, bank, awards, next_award)
            if event == "award.registered":
                awards[next_award] = [legs[0][3], legs[0][1], legs[0][2]]
                next_award += 1
            elif event == "disbursement.executed":
                del awards[legs[0][5]["award_id"]]
            entry = SimpleNamespace(
                number=number,
                value_date=day,
                posted_at=posted_at + timedelta(seconds=number),
                memo=memo,
                event=event,
                source_type=None,
                source_id=None,
                reverses=None,
                created_by="benchmark",
                idempotency_key=None,
                prev_hash=prev_hash,
            )
            postings = []
            for line, (code, amount, original, currency, _, dims) in enumerate(legs, start=1):
                postings.append(
                    SimpleNamespace(
                        line=line,
                        amount=amount,
                        original_amount=original,
                        currency=currency,
                        case_id=dims.get("case_id"),
                        victim_id=dims.get("victim_id"),
                        award_id=dims.get("award_id"),
                        asset_id=None,
                    )
                )
                total = sums[code]
                total[0] += amount
                total[1] += original if currency == (currencies[code] or "-") else 0
                total[2] += 1
                if code == "1000":
                    bank += amount
                if code == "2000":
                    award = award_sums[dims["award_id"]]
                    award[0] = currency
                    award[1] += amount
                    award[2] += original
            digest = chain.entry_hash(entry, postings, [leg[0] for leg in legs])
            entry_rows.append({**vars(entry), "hash": digest})
            posting_rows += [
                {**vars(p), "entry_number": number, "account_id": ids[code]}
                for p, (code, *_rest) in zip(postings, legs, strict=True)
            ]
            prev_hash = digest
            count += len(legs)
            if len(posting_rows) >= BATCH:
                flush(connection)
                connection.commit()
                connection.begin()
        flush(connection)
        for code, (amount, original, n) in sums.items():
            connection.execute(
                update(AccountBalance.__table__)
                .where(AccountBalance.__table__.c.account_id == ids[code])
                .values(balance=amount, original_balance=original, postings=n)
            )
        connection.execute(
            insert(SubledgerBalance.__table__),
            [
                {
                    "account_id": ids["2000"],
                    "award_id": award,
                    "currency": currency,
                    "balance": amount,
                    "original_balance": original,
                }
                for award, (currency, amount, original) in sorted(award_sums.items())
            ],
        )
        connection.execute(
            update(JournalHead.__table__).values(last_number=number, last_hash=prev_hash)
        )
        connection.commit()
    engine.dispose()
    return {
        "entries": number,
        "postings": count,
        "build_seconds": round(time.perf_counter() - started, 1),
    }


def _next_entry(rng: random.Random, number: int, bank: int, awards: dict, next_award: int):
    """(legs, memo, event); a leg is (code, amount, original, currency, label, dims)."""
    victim = rng.randint(1, VICTIMS)
    case = rng.randint(1, 12)
    roll = rng.random()
    if roll < 0.25 or bank < 5_000_000:
        amount = rng.randint(10_000, 5_000_000)
        return (
            _two_legs("1000", "4200", amount, amount, "EUR"),
            f"Donation from benchmark donor {rng.randint(1, 400)}",
            "receipt.recorded",
        )
    if roll < 0.45:
        amount = rng.randint(100, min(200_000, bank // 4))
        return (
            _two_legs("5500", "1000", amount, amount, "EUR"),
            f"Administrative cost, invoice {number}",
            "expense.recorded",
        )
    if roll < 0.60:
        usd = rng.randint(10_000, 3_000_000)
        eur = round(usd / USD_PER_EUR)
        dims = {"case_id": case}
        return (
            _two_legs("1010", "2100", eur, usd, "USD", dims),
            f"Cash seized in case CR-2025-{case:03d} (USD)",
            "asset.seized",
        )
    payable = [a for a, (_, functional, _) in awards.items() if -functional < bank // 2]
    if roll < 0.80 or not payable:
        foreign = rng.random() < 0.4
        original = rng.randint(50_000, 1_500_000)
        functional = round(original / USD_PER_EUR) if foreign else original
        currency = "USD" if foreign else "EUR"
        dims = {"case_id": case, "victim_id": victim, "award_id": next_award}
        return (
            _two_legs("2000", "5000", -functional, -original, currency, dims),
            f"Award registered: order OR-{next_award:06d}",
            "award.registered",
        )
    award = payable[0]
    currency, functional, original = awards[award]
    fee = rng.choice((0, 0, 250, 1_200))
    dims = {"award_id": award, "victim_id": victim, "case_id": case}
    return (
        [
            ("2000", -functional, -original, currency, "", dims),
            ("1000", functional - fee, functional - fee, "EUR", "", {}),
            *([("5300", fee, fee, "EUR", "", {})] if fee else []),
        ],
        f"Payment of award {award}",
        "disbursement.executed",
    )


def _two_legs(
    first: str, second: str, amount: int, original: int, currency: str, dims: dict | None = None
) -> list[tuple]:
    """An entry of two legs that cancel out: ``amount`` (``original`` in ``currency``) on
    account ``first`` and its opposite on ``second``, with the same dimensions (most of the
    builder's entries: a receipt, an expense, a seizure, an award)."""
    dims = {} if dims is None else dims
    return [
        (first, amount, original, currency, "", dims),
        (second, -amount, -original, currency, "", dims),
    ]


# -- the funds -----------------------------------------------------------------------------


def fund_url(base: str, postings: int) -> str:
    url = make_url(base)
    return url.set(database=f"{url.database}_{postings}").render_as_string(hide_password=False)


def create_database(url: str) -> None:
    parsed = make_url(url)
    admin = make_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        found = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not found:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def existing_postings(url: str) -> int | None:
    """The postings of a fund this script built at ``url`` (migrated to this code), or None."""
    from migrations import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)  # a fund built before a new migration gets it (an index, say)
        with engine.connect() as connection:
            number = connection.scalar(select(JournalHead.last_number))
            total = connection.scalar(select(func.sum(AccountBalance.postings)))
    except Exception:  # missing, half-built or from newer code: build it again
        return None
    finally:
        engine.dispose()
    return int(total) if number and total else None


def prepare_database(url: str, workdir: Path | None = None, postings: int = 0) -> str:
    """A migrated, initialised, empty fund at ``url`` (EMPTIED first); returns ``url``.

    (``benchmarks/dashboard.py`` also builds SQLite funds with it: a file in ``workdir``.)
    """
    from migrations import upgrade

    if url.startswith("sqlite"):
        path = (workdir or Path(".")) / f"bench-{postings}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
    else:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        initialise_fund(session, name="Benchmark Compensation Fund", functional_currency="EUR")
        seed_chart(session, "EUR")
    engine.dispose()
    return url


def fund(base: str, postings: int, rebuild: bool) -> dict:
    """The fund of ``postings`` postings, built unless one is there already."""
    from ledger.verify import verify_journal

    url = fund_url(base, postings)
    create_database(url)
    if not rebuild and (found := existing_postings(url)) is not None and found >= postings:
        print(f"# reusing {make_url(url).database}: {found:,} postings", flush=True)
        return {"url": url, "postings": found, "reused": True}
    prepare_database(url)
    built = build_fund(url, postings)
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))  # what autovacuum does after bulk inserts
    with make_sessionmaker(engine)() as session:
        result = verify_journal(session)
        if not result.ok:
            raise SystemExit(f"the fund built is not valid: {result.problems[:3]}")
    engine.dispose()
    print(f"# built {make_url(url).database}: {built} (verify_journal: ok)", flush=True)
    return {"url": url, "reused": False, **built}


# -- one measurement, in a child process ---------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return int(next(line.split()[1] for line in status if line.startswith(field + ":")))


def _request(account: str | None):
    """The statement asked for over the whole fund, whatever ReportRequest's signature."""
    from reports.context import ReportRequest

    asked = {"account": account, "date_from": FIRST_DAY, "date_to": LAST_DAY}
    try:
        return ReportRequest(actor=Actor.system("benchmark"), **asked)
    except TypeError:  # code from before ledger.access: a name
        return ReportRequest(generated_by="benchmark", **asked)


def _statement(session, slug: str):
    from reports.statements import build_statement

    return build_statement(session, slug, _request(ACCOUNT if slug == "general-ledger" else None))


def streamed_select(url: str, slug: str) -> str:
    """The SELECT the statement streams its rows with, captured from it, parameters bound."""
    import psycopg

    engine = make_engine(url, read_only=True)
    seen: list[tuple[str, dict]] = []

    def record(_conn, _cursor, statement, parameters, context, _many) -> None:
        if context is not None and context.execution_options.get("stream_results"):
            seen.append((statement, dict(parameters or {})))

    event.listen(engine, "before_cursor_execute", record)
    # A statement may stream with psycopg's cursor.stream() (reports.queries.stream_tuples),
    # which SQLAlchemy does not see: record those calls too.
    streamed = psycopg.Cursor.stream

    def stream(cursor, query, params=None, **kwargs):
        seen.append((query, params))
        return streamed(cursor, query, params, **kwargs)

    psycopg.Cursor.stream = stream
    with make_sessionmaker(engine)() as session:
        rows = _statement(session, slug).iter_rows()
        for _ in range(3):  # the general ledger's opening line comes before its query
            if seen or next(rows, None) is None:
                break
        if not seen:
            raise SystemExit(f"{slug}: no streamed SELECT seen; cannot measure its COPY floor")
        raw = session.connection().connection.driver_connection
        sql = psycopg.ClientCursor(raw).mogrify(*seen[0])
    psycopg.Cursor.stream = streamed
    engine.dispose()
    return sql


def run_child(url: str, task: str, sql_file: Path | None) -> dict:
    """``<statement>-<format>``, ``copy-<statement>`` or ``fast-csv-<statement>``, measured.

    Every library a renderer uses is imported first, as a running server has them: the
    time and the peak above "before" are the statement's own.
    """
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401
    import reportlab.pdfgen.canvas  # noqa: F401

    import reports.render
    import reports.statements

    engine = make_engine(url, read_only=True)
    session = make_sessionmaker(engine)()
    session.execute(select(JournalHead)).all()  # connected and imported before measuring
    before = _status_kib("VmRSS")
    written = rows = 0
    started = time.perf_counter()
    with open(os.devnull, "wb") as out:
        if task.startswith(("copy-", "fast-csv-")):
            sql = sql_file.read_text()
            raw = session.connection().connection.driver_connection  # psycopg
            if task.startswith("copy-"):
                written = _copy(raw, sql, out)
            else:
                written, rows = _fast_csv(raw, sql, out, task.endswith("ledger"))
        else:
            slug, fmt = task.rsplit("-", 1)
            statement = _statement(session, slug)
            for piece in reports.render.render(statement, fmt):
                written += len(piece)
                out.write(piece)
    seconds = time.perf_counter() - started
    if not task.startswith(("copy-", "fast-csv-")):
        # Read after the clock: a statement may count its rows only when a format needs the
        # count (the CSV does not), and this count is the table's, not the user's.
        rows = statement.row_count
    session.close()
    engine.dispose()
    return {
        "task": task,
        "seconds": round(seconds, 3),
        "rows": rows,
        "rss_before_mib": round(before / 1024, 1),
        "rss_peak_mib": round(_status_kib("VmHWM") / 1024, 1),
        "output_mib": round(written / 2**20, 2),
    }


def _copy(raw, sql: str, out) -> int:
    """``COPY (SELECT …) TO STDOUT (FORMAT csv)``, every block written to ``out``."""
    written = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            written += len(block)
            out.write(block)
    return written


#: The columns the statements print, as the prototype selects them (dates as text, as COPY
#: writes them: the server formats them; no date objects made and formatted again).
PRINTED = {
    "number": None,
    "value_date": "{}::text AS value_date",
    "posted_at": "to_char({}, 'YYYY-MM-DD HH24:MI:SS') AS posted_at",
    "created_by": None,
    "event": None,
    "memo": None,
    "code": None,
    "amount": None,
    "original_amount": None,
    "currency": None,
    "victim": None,
}


def narrow_select(sql: str) -> str:
    """The statement's SELECT with only the columns it prints (same FROM, WHERE, ORDER BY)."""
    head, rest = sql.split("\nFROM", 1)
    kept = []
    for item in head.removeprefix("SELECT ").split(", "):
        expression, _, alias = item.strip().partition(" AS ")
        name = alias or expression.rsplit(".", 1)[-1]
        if name in PRINTED:
            kept.append((PRINTED[name] or "{}").format(expression) if not alias else item)
    return "SELECT " + ", ".join(kept) + "\nFROM" + rest


def _fast_csv(raw, sql: str, out, ledger: bool) -> tuple[int, int]:
    """Prototype: the statement's CSV rows from tuples of exactly the printed columns,
    amounts from minor units by string slicing (no Row, dict, Money, Decimal, babel, pandas).

    The functional currency's amounts (debit, credit, balance) assume 2 decimals (EUR, the
    benchmark fund's); originals take their currency's exponent."""
    import csv
    import io
    from itertools import islice

    from ledger.money import exponent

    buffer = io.StringIO()
    lines = csv.writer(buffer, lineterminator="\n")
    written = rows = 0
    places_of: dict[str, int] = {}

    def amount(minor: int | None, places: int = 2) -> str:
        """Minor units as an exact decimal string, with string slicing (no Decimal)."""
        if minor is None:
            return ""
        if minor < 0:
            return "-" + amount(-minor, places)
        digits = str(minor)
        if not places:
            return digits
        digits = digits.rjust(places + 1, "0")
        return digits[:-places] + "." + digits[-places:]

    def original(minor: int | None, currency: str) -> str:
        places = places_of.get(currency)
        if places is None:
            places = places_of[currency] = exponent(currency)
        return amount(minor, places)

    # psycopg's chunked stream, not a named (server-side) cursor: DECLARE plans for the first
    # 10 % of the rows (cursor_tuple_fraction) and each FETCH is a round trip; memory stays
    # bounded either way (libpq holds one chunk of rows).
    with raw.cursor() as cursor:
        stream = cursor.stream(narrow_select(sql), size=5000)
        first = next(stream, None)
        names = [c.name for c in cursor.description]
        at = {name: names.index(name) for name in names}
        n, d, e, m, c = (at[k] for k in ("number", "value_date", "event", "memo", "code"))
        a, o, cur, v = (at[k] for k in ("amount", "original_amount", "currency", "victim"))
        pa, pb = at.get("posted_at"), at.get("created_by")
        if ledger:
            lines.writerow(
                [
                    *("Value date", "Entry", "Event", "Memo", "Original", "Currency"),
                    *("Debit", "Credit", "Balance"),
                ]
            )
        else:
            lines.writerow(
                [
                    *("Entry", "Value date", "Posted at", "Posted by", "Event", "Memo"),
                    *("Account", "Debit", "Credit", "Original", "Currency", "Victim"),
                ]
            )
        running = 0
        pending = [first] if first is not None else []
        while batch := pending + list(islice(stream, 5000)):
            pending = []
            rows += len(batch)
            if ledger:
                out_rows = []
                for row in batch:
                    minor = row[a]
                    running += minor
                    out_rows.append(
                        (
                            *(row[d], row[n], row[e], row[m]),
                            *(original(row[o], row[cur]), row[cur]),
                            amount(minor) if minor > 0 else "",
                            amount(-minor) if minor < 0 else "",
                            amount(running),
                        )
                    )
            else:
                out_rows = [
                    (
                        *(row[n], row[d], row[pa] if pa else "", row[pb] if pb else ""),
                        *(row[e], row[m], row[c]),
                        amount(row[a]) if row[a] > 0 else "",
                        amount(-row[a]) if row[a] < 0 else "",
                        *(original(row[o], row[cur]), row[cur], row[v] or ""),
                    )
                    for row in batch
                ]
            lines.writerows(out_rows)
            piece = buffer.getvalue().encode("utf-8")  # a piece as render() would yield it
            buffer.seek(0)
            buffer.truncate()
            written += len(piece)
            out.write(piece)
    return written, rows


# -- the run -------------------------------------------------------------------------------


def child(url: str, task: str, sql_file: Path | None) -> dict:
    command = [sys.executable, __file__, "--child", task, "--database-url", url]
    command += ["--sql", str(sql_file)] if sql_file else []
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"{task} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(url: str, slug: str, fmt: str, sql_file: Path, args) -> dict:
    """Subject and COPY floor, interleaved: floor, subject, floor, subject…"""
    task = f"fast-csv-{slug}" if fmt == "fast-csv" else f"{slug}-{fmt}"
    subjects, floors = [], []
    for _ in range(args.repeat):
        floors.append(child(url, f"copy-{slug}", sql_file))
        subjects.append(child(url, task, sql_file))
        if subjects[0]["seconds"] > args.once_above:
            break
    times = [run["seconds"] for run in subjects]
    floor = statistics.median(run["seconds"] for run in floors)
    seconds = statistics.median(times)
    return {
        "statement": slug,
        "format": fmt,
        "runs": len(times),
        "seconds": round(seconds, 3),
        "seconds_min": min(times),
        "seconds_max": max(times),
        "copy_seconds": round(floor, 3),
        "ratio": round(seconds / floor, 1) if floor else None,
        "rows": subjects[0]["rows"],
        "rss_before_mib": max(run["rss_before_mib"] for run in subjects),
        "rss_peak_mib": max(run["rss_peak_mib"] for run in subjects),
        "copy_rss_peak_mib": max(run["rss_peak_mib"] for run in floors),
        "output_mib": subjects[0]["output_mib"],
        "copy_output_mib": floors[0]["output_mib"],
    }


def print_report(report: dict, out: Path | None = None) -> None:
    """A stand-alone measure's JSON report (``asof_speed.py``, ``verify_speed.py``): printed,
    and written to ``out`` too when one is given."""
    print(json.dumps(report, indent=2))
    if out:
        out.write_text(json.dumps(report, indent=2) + "\n")


def machine(url: str | None = None) -> dict:
    import reports

    facts = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "code": _commit(Path(reports.__file__).resolve().parent.parent),
        "reports_from": str(Path(reports.__file__).resolve().parent),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    for name in ("sqlalchemy", "psycopg", "pandas", "openpyxl", "reportlab", "babel"):
        try:
            facts[name] = __import__(name).__version__
        except (ImportError, AttributeError):
            facts[name] = "?"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            facts["cpu"] = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
        with open("/proc/meminfo", encoding="ascii") as info:
            kib = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
            facts["memory_gib"] = round(kib / 2**20, 1)
    except (OSError, StopIteration):
        pass
    if url and url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.connect() as connection:
            facts["postgresql"] = connection.scalar(text("SHOW server_version"))
        engine.dispose()
    return facts


def _commit(folder: Path) -> str:
    done = subprocess.run(  # noqa: S603
        ["git", "-C", str(folder), "log", "-1", "--format=%h %cs", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(  # noqa: S603
        ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "FUNDLEDGER_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/fl_bench"
        ),
        help="PostgreSQL; each size uses <database>_<postings>, EMPTIED when built",
    )
    parser.add_argument("--postings", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--statements", nargs="+", choices=STATEMENTS, default=list(STATEMENTS))
    parser.add_argument(
        "--formats", nargs="+", choices=(*FORMATS, "fast-csv"), default=list(FORMATS)
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--once-above", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument("--prototype", action="store_true", help="also time the fast-csv sketch")
    parser.add_argument("--rebuild", action="store_true", help="build the funds even if found")
    parser.add_argument("--quick", action="store_true", help="5,000 postings, one run each")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sql", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_child(args.database_url, args.child, args.sql)))
        return
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("--database-url must be PostgreSQL (the COPY floor is PostgreSQL's)")
    if args.quick:
        args.postings, args.repeat = [5_000], 1

    report = {"machine": None, "runs": []}
    sql_dir = Path(tempfile.mkdtemp(prefix="fl-bench-sql-"))
    for postings in args.postings:
        built = fund(args.database_url, postings, args.rebuild)
        url = built.pop("url")
        report["machine"] = report["machine"] or machine(url)
        for slug in args.statements:
            sql_file = sql_dir / f"{slug}-{postings}.sql"
            sql_file.write_text(streamed_select(url, slug))
            formats = list(args.formats)
            formats += ["fast-csv"] if args.prototype and "fast-csv" not in formats else []
            for fmt in formats:
                result = {"postings": postings, **measure(url, slug, fmt, sql_file, args)}
                report["runs"].append(result)
                print(json.dumps(result), flush=True)
    report["machine"]["load_average_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(json.dumps(report["machine"]))
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


#: The figures before issue 9 (commit 9abf628, measured 2026-12-03 on the 2-core machine of
#: benchmarks/STATEMENTS.md), by (postings, statement, format): (median seconds, ratio to the
#: COPY floor, peak RSS MiB). Printed beside a new run as "before".
BEFORE: dict[tuple[int, str, str], tuple[float, float, float]] = {
    (50000, "general-ledger", "csv"): (0.657, 13.1, 143.3),
    (50000, "general-ledger", "json"): (0.539, 10.0, 134.1),
    (50000, "general-ledger", "xlsx"): (5.898, 134.0, 191.7),
    (50000, "general-ledger", "pdf"): (7.264, 86.5, 144.5),
    (50000, "journal", "csv"): (2.894, 19.7, 145.0),
    (50000, "journal", "json"): (2.239, 15.8, 134.2),
    (50000, "journal", "xlsx"): (13.836, 118.3, 357.9),
    (50000, "journal", "pdf"): (20.038, 192.7, 159.8),
    (200000, "general-ledger", "csv"): (2.326, 10.7, 144.1),
    (200000, "general-ledger", "json"): (3.094, 8.1, 134.2),
    (200000, "general-ledger", "xlsx"): (32.042, 69.5, 371.8),
    (200000, "general-ledger", "pdf"): (29.094, 66.1, 162.4),
    (200000, "journal", "csv"): (9.099, 16.8, 145.9),
    (200000, "journal", "json"): (6.828, 12.2, 134.1),
    (200000, "journal", "xlsx"): (67.243, 144.0, 1040.3),
    (200000, "journal", "pdf"): (38.814, 154.6, 231.6),
}


def markdown(report: dict) -> str:
    lines = [
        "| postings | statement | format | rows | runs | seconds (min-max) | COPY s | ratio "
        "| RSS before MiB | RSS peak MiB | output MiB | before: s | before: ratio "
        "| before: RSS peak MiB |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report["runs"]:
        before = BEFORE.get((run["postings"], run["statement"], run["format"]))
        lines.append(
            f"| {run['postings']:,} | {run['statement']} | {run['format']} | {run['rows']:,} "
            f"| {run['runs']} | {run['seconds']} ({run['seconds_min']}-{run['seconds_max']}) "
            f"| {run['copy_seconds']} | {run['ratio']}x | {run['rss_before_mib']} "
            f"| {run['rss_peak_mib']} | {run['output_mib']} "
            + ("| {} | {}x | {} |".format(*before) if before else "| - | - | - |")
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
