"""What every measure shares: scratch databases, a small fund built through the services,
medians, and the shape of a result.

Every database this harness makes is named ``fl_h4_<purpose>`` and dropped at the end of
the run (:func:`drop_scratch_databases`): the prefix is the harness's, nothing else is
touched. A fund is migrated and initialised by ``large_statements.prepare_database``
(imported, not copied), then given cases and victims through the real services.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import large_statements
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ledger import cases, victims
from ledger.access import ADMINISTRATOR, Actor
from ledger.database import make_engine, make_sessionmaker
from ledger.pii import PiiCipher, generate_key

PREFIX = "fl_h4_"
BASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: The benchmark's administrators: four eyes needs two.
ADMIN = Actor(None, "bench-admin", ADMINISTRATOR)
SECOND = Actor(None, "bench-second", ADMINISTRATOR)
OPENED = date(2026, 1, 2)
ORDERED = date(2026, 1, 15)


@dataclass
class Sizes:
    """Every size a measure uses; ``--quick`` and the full run differ only here."""

    seconds: float  # length of one timed burst of posting or of requests
    repeat: int  # runs per figure (the median is reported)
    big_postings: int  # the as-of trial balance's history
    verify_postings: int  # the fund verify reads
    import_rows: int  # the awards spreadsheet
    distribution_awards: int  # the awards one distribution round pays
    http_clients: int = 4


FULL = Sizes(
    seconds=15,
    repeat=3,
    big_postings=2_500_000,
    verify_postings=250_000,
    import_rows=10_000,
    distribution_awards=5_000,
)
#: Between the two, for a run of 15-25 minutes: the issue's verify fund, import and
#: distribution sizes, a fifth of its history for the as-of trial balance.
MEDIUM = replace(FULL, seconds=8, big_postings=500_000)
#: Small enough for 2-4 minutes on a shared 2-core machine under load (a fund of 200k
#: postings alone took over a minute to build there); one fund serves both big measures.
QUICK = Sizes(
    seconds=2,
    repeat=3,
    big_postings=20_000,
    verify_postings=20_000,
    import_rows=50,
    distribution_awards=25,
)


@dataclass
class Figure:
    """One row of the results table: the subject, its reference, their ratio and the goal."""

    measure: str
    subject: str
    value: float | None
    unit: str
    reference: str = ""
    reference_value: float | None = None
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None
    note: str = ""
    reference_unit: str = ""  # when it differs from the subject's (tps beside entries/s)


@dataclass
class Outcome:
    """What one measure module returns (or the error that stopped it)."""

    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # markdown lines under its heading
    error: str | None = None
    seconds: float = 0.0
    about: str = ""  # what the measure does: its module's docstring


def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    value = work()
    return time.perf_counter() - started, value


# -- scratch databases ------------------------------------------------------------------


def database_url(name: str) -> str:
    assert name.startswith(PREFIX), name
    return make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)


def _admin():
    return make_engine(BASE_URL, isolation_level="AUTOCOMMIT")


def fresh_database(name: str) -> str:
    """An empty database ``name`` (dropped first if a previous run left it); its URL."""
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return database_url(name)


def drop_scratch_databases() -> list[str]:
    """Drop every ``fl_h4_*`` database (this harness's, pgbench's included)."""
    admin = _admin()
    with admin.connect() as connection:
        names = connection.scalars(
            text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
            {"p": PREFIX.replace("_", r"\_") + "%"},
        ).all()
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    return list(names)


def postgresql_version() -> str:
    admin = _admin()
    with admin.connect() as connection:
        version = connection.scalar(text("SHOW server_version"))
    admin.dispose()
    return version


# -- a small fund, through the services -------------------------------------------------


@dataclass
class SmallFund:
    url: str
    case_id: int
    victim_ids: list[int]
    case_reference: str = "CR-BENCH-1"
    victim_codes: list[str] = field(default_factory=list)


def bench_case(session, reference: str, title: str):
    """A case opened through the real service, by :data:`ADMIN` on :data:`OPENED`: the
    small funds' cases differ only in their reference and title."""
    return cases.open_case(
        session,
        actor=ADMIN,
        reference=reference,
        court="Benchmark District Court",
        title=title,
        jurisdiction="PT",
        opened_on=OPENED,
    )


def small_fund(url: str, *, victims_count: int = 8, workdir: Path | None = None) -> SmallFund:
    """A migrated fund (EMPTIED first) with one case and a few victims.

    ``url`` ``sqlite`` makes a file in ``workdir``.
    """
    url = large_statements.prepare_database(url, workdir, 0)
    return add_case_and_victims(url, victims_count)


def add_case_and_victims(url: str, victims_count: int = 8) -> SmallFund:
    """One case and ``victims_count`` victims, through the services, in the initialised fund
    at ``url`` (``posting_speed.py`` empties its database itself)."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    cipher = PiiCipher.from_setting(generate_key())
    with factory.begin() as session:
        case = bench_case(session, "CR-BENCH-1", "State v. Benchmark")
        made = [
            victims.register_victim(
                session,
                cipher,
                actor=ADMIN,
                full_name=f"Benchmark Person {i}",
                date_of_birth=None,
                contact=None,
                country_of_residence=("PT", "NG", "TH", "RO")[i % 4],
                returned_home=i % 2 == 1,
                payment=victims.PaymentDetails(
                    "intermediary", "EUR", intermediary="Partner NGO", reference=f"P-{i}"
                ),
            )
            for i in range(victims_count)
        ]
        session.flush()
        fund = SmallFund(url, case.id, [v.id for v in made], case.reference)
        fund.victim_codes = [v.code for v in made]
    engine.dispose()
    return fund


def sql_shape(statement: str) -> str:
    """A statement's first words and tables, without values: what a count list shows."""
    words = " ".join(statement.split())
    return words[:110] + ("…" if len(words) > 110 else "")
