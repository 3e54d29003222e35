"""PDF rendering per row: today's renderer against the one of commit 9abf628 (issue 9).

Renders the same synthetic journal-like statement (9 columns, entries of 2 to 6 postings,
memos of varying length, a third of the originals in another currency; streamed from a
generator with its row count, as the journal is) with both renderers in this one process:
the old ``reports/pdf.py`` and ``reports/formatting.py`` are read from git at
:data:`BASELINE` and loaded as modules of their own. Each renderer runs ``--repeat`` times;
the best time counts. Writes the per-row times, their ratio and the machine to
``benchmarks/PDF.md`` (``--output``).

Usage::

    .venv/bin/python benchmarks/pdf_rows.py                 # 20,000 rows
    .venv/bin/python benchmarks/pdf_rows.py --rows 2000     # a quick look
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import types
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from reports.pdf import write_pdf  # noqa: E402
from reports.statement import Meta, Statement  # noqa: E402
from reports.statements.ledgers import JOURNAL_COLUMNS  # noqa: E402

BASELINE = "9abf628"
#: The journal's own columns, but who posted an entry and when (a journal-like statement).
COLUMNS = [c for c in JOURNAL_COLUMNS if c.key not in {"posted_at", "posted_by"}]
EVENTS = ("Receipt", "Award registered", "Payment executed", "Asset forfeited", "Expense")
UNICODE_MEMO = "Plată către Constanța, Iași — Łódź, Київ, Αθήνα"
MEMOS = (
    "Receipt, interest on seized cash in escrow",
    "Payment of award 12 to victim V-000123 by bank transfer, reference SEPA-2026-000123",
    "Forfeiture of asset 7 (order FO-2026/0007)",
    "Expense, custody costs",
)


def old_renderer():
    """``write_pdf`` of :data:`BASELINE`, with that commit's own formatting module."""

    def load(name: str, path: str, replace: tuple[str, str] | None = None):
        source = subprocess.run(  # noqa: S603
            ["git", "show", f"{BASELINE}:{path}"],  # noqa: S607
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        if replace:
            assert replace[0] in source, replace
            source = source.replace(*replace)
        module = types.ModuleType(name)
        module.__file__ = f"{BASELINE}:{path}"
        sys.modules[name] = module
        exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102 (our own git)
        return module

    load("baseline_formatting", "reports/formatting.py")
    old_pdf = load(
        "baseline_pdf",
        "reports/pdf.py",
        ("from reports.formatting import for_people", "from baseline_formatting import for_people"),
    )
    return old_pdf.write_pdf


def rows(count: int):
    number, made = 0, 0
    while made < count:
        number += 1
        postings = 2 + number % 5
        for line in range(postings):
            if made == count:
                return
            amount = 1000 + (number * 7919 + line * 104729) % 50_000_000
            foreign = number % 3 == 0
            yield {
                "entry": number,
                "value_date": date(2026, 1 + number % 12, 1 + number % 28),
                "event": EVENTS[number % len(EVENTS)],
                "memo": MEMOS[(number + line) % len(MEMOS)],
                "account": ("1000", "2000", "4000", "5000")[line % 4],
                "debit": amount if line % 2 == 0 else None,
                "credit": amount if line % 2 else None,
                "original": (amount * 37 if foreign else amount) * (1 if line % 2 == 0 else -1),
                "currency": "THB" if foreign else "EUR",
                "victim": f"V-{number % 1000:06d}" if number % 4 == 0 else None,
            }
            made += 1


def statement(count: int, memo: str | None = None) -> Statement:
    meta = Meta(
        fund_name="Benchmark Compensation Fund",
        functional_currency="EUR",
        generated_at=datetime(2026, 4, 1, 9, 0, tzinfo=UTC).replace(tzinfo=None),
        generated_by="benchmark",
        head_hash="0f" * 32,
        entries=count // 3,
        date_from=date(2026, 1, 1),
        date_to=date(2026, 12, 31),
        open_months=("2026-12",),
    )
    debit = sum(row["debit"] or 0 for row in rows(count))
    return Statement(
        "journal",
        "Journal",
        meta,
        COLUMNS,
        rows(count) if memo is None else ({**row, "memo": memo} for row in rows(count)),
        row_count=count,
        totals={"entry": "Total", "debit": debit, "credit": debit},
        group_key="entry",
    )


def timed(render, count: int, repeat: int, memo: str | None = None) -> tuple[float, int, int]:
    best, size, pages = float("inf"), 0, 0
    for _ in range(repeat):
        out = io.BytesIO()
        job = statement(count, memo)
        start = time.perf_counter()
        render(job, out)
        best = min(best, time.perf_counter() - start)
        size, pages = out.tell(), len(PdfReader(io.BytesIO(out.getvalue())).pages)
    return best, size, pages


def child(count: int) -> None:
    """Render ``count`` rows to a temporary file in this (fresh) process; print its figures."""
    job = statement(count)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        write_pdf(job, out)
        size = out.tell()
    seconds = time.perf_counter() - start
    print(f"{count},{seconds:.2f},{size},{peak_rss_mib():.0f}")


def peak_rss_mib() -> float:
    """This process's peak resident set since it started: ``VmHWM``. Not ``ru_maxrss``:
    Linux carries that over an ``exec`` from the forked parent (this script's parent holds
    both renderers' output by then, about 77 MiB), so every child would report at least
    the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(count: int) -> list[str]:
    done = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child", str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().split(",")


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs (`nproc` {len(os.sched_getaffinity(0))}), {model}; "
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "PDF.md")
    parser.add_argument(
        "--memory", type=int, nargs="*", default=[50_000, 200_000], help="rows, one process each"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    old = timed(old_renderer(), args.rows, args.repeat)
    new = timed(write_pdf, args.rows, args.repeat)
    per_row = [seconds / args.rows * 1e6 for seconds, _, _ in (old, new)]
    ratio = per_row[0] / per_row[1]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    old_row = f"{old[0]:.2f} | {per_row[0]:.1f} | {old[2]} | {old[1]:,}"
    new_row = f"{new[0]:.2f} | {per_row[1]:.1f} | {new[2]} | {new[1]:,}"
    memory = "\n".join(
        f"| {int(n):,} | {float(t):.1f} | {int(b) / 2**20:.1f} | {p} |"
        for n, t, b, p in (in_child(count) for count in args.memory)
    )
    uni = timed(write_pdf, args.rows, 1, memo=UNICODE_MEMO)
    unicode_row = (
        f"{uni[0]:.2f} s, {uni[0] / args.rows * 1e6:.1f} µs per row "
        f"({per_row[0] / (uni[0] / args.rows * 1e6):.1f} times faster than `{BASELINE}` "
        f"on plain memos), {uni[2]} pages, {uni[1]:,} bytes"
    )
    report = f"""# PDF rendering per row (issue 9)

`benchmarks/pdf_rows.py --rows {args.rows} --repeat {args.repeat}`: one synthetic
journal-like statement of {args.rows:,} rows (9 columns, entries of 2-6 postings kept
together, a third of the originals in THB), streamed from a generator, rendered into
memory by the renderer of commit `{BASELINE}` (its `reports/pdf.py` and
`reports/formatting.py` loaded from git) and by today's (`{commit}` plus the working tree),
in the same process, best of {args.repeat}.

Machine: {machine()}.

| renderer | seconds | µs per row | pages | bytes |
|---|---:|---:|---:|---:|
| `{BASELINE}` (fixed rows, text cut with "…") | {old_row} |
| today (wrapped, widths from the content, entries kept together, streamed file) | {new_row} |

**{ratio:.1f} times faster per row** (goal: at least 5 times).

Where the time went in `{BASELINE}`: babel parsed a number pattern for every amount
(`ledger.money.format_amount`), every cell set its font and was fitted with repeated
`stringWidth` calls, and every `drawString` built a reportlab text object. Today each
column's formatter is built once (`reports.formatting.people_formatter`, amounts through
the cached `amount_formatter`), each cell is measured once (its width serves both the fit
and the right alignment) and written as two operators into one text object per page.

## Memory: today's renderer alone, one fresh process per size, written to a temporary file

| rows | seconds | MiB of PDF | peak RSS MiB |
|---:|---:|---:|---:|
{memory}

The file is written object by object (`reports/pdf/document.py`): each page's content
stream and page object go to the output as soon as the page is full, compressed, and are
forgotten; what stays is one offset per object and one object number per page (a few
hundred KiB at 200,000 rows), the first 2,000 rows held to measure the columns and one
group of rows looked ahead (at most 400). The peak is therefore the same at both sizes
(goal: within ~10 MiB); before, reportlab's `save()` formatted the whole document in
memory at the end (commit `bdd2a4f`: 78 MiB at 50,000 rows, 147 MiB at 200,000, read
then from `ru_maxrss`, which includes the forked parent's size: the 69 MiB of growth was
the renderer's). The peak is now read from `VmHWM`, the child's own.

## Letters beyond WinAnsi

A synthetic statement of {args.rows:,} rows whose memos are all Romanian, Polish,
Cyrillic and Greek (every memo cell set in the embedded DejaVu Sans, measured with the
TrueType widths): {unicode_row}. DejaVu Sans is embedded whole (not subset: no subsetter
here keeps the glyph numbers), once per font used: about 0.37 MiB compressed for the regular
face, 0.34 MiB for the bold; a statement with no such letter embeds nothing.
"""
    args.output.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
