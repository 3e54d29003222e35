"""A statement, built once and rendered four ways (JSON, CSV, XLSX, PDF).

A :class:`Statement` is a title, the metadata every statement must show
(fund, period or as-of date, when and by whom it was generated, the journal
head hash and entry count it was built from), columns, rows and totals.
Rows may be a generator (a general ledger of 200,000 postings is streamed,
never held); then ``row_count`` says how many there will be, so the PDF can
print "Page X of Y" without a second pass. A list of rows counts itself.
``row_count``, ``totals`` and ``summary`` may each be given as a function of no
arguments instead: it is called once, when a format first reads the field (the
CSV reads none of them, so a streamed statement's count and sums are not
queried for it).

A streamed statement may give its plain rows as tuples in the order of
``record_keys`` (structure rows stay dicts): :meth:`Statement.iter_rows` gives
every row as a dict all the same, and the CSV reads the tuples as they are.

Money cells hold integer minor units: a ``money`` column has the fund's
functional currency; a ``money_in`` column takes its currency from another
column of the same row (an award's own currency). Rows with a ``_style`` of
``heading``, ``subtotal`` or ``total`` are structure (sections of a balance
sheet), not data; a ``text`` row is a paragraph (its text under the first
column's key) that spans the row, as the notes are written. A summary's money
figures are :class:`Money` values, so that every format says what currency
each is in.

Every format carries the same stamp, :meth:`Statement.about`: the fund, the
period, DRAFT or FINAL (a statement is final only when every month it covers
is closed), the generation and the journal head. The CSV alone has no room
for it (it starts with its header row, so that any reader takes it as it
is): its file name (:meth:`Statement.filename`) and the response's headers
(:meth:`Statement.headers`) carry it instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from ledger.checkpoints import Checkpoint, Heads
from ledger.money import Money

#: What a file name keeps of a subject (a case reference may hold "/" or spaces).
_FILE_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: What a response header keeps of it (headers are ASCII).
_ASCII_UNSAFE = re.compile(r"[^\x20-\x7e]+")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    #: text | int | date | datetime | money | money_in
    kind: str = "text"
    #: For ``money_in``: the row key holding the currency code.
    currency_key: str | None = None
    #: Relative width in the PDF.
    width: float = 1.0

    @property
    def is_amount(self) -> bool:
        return self.kind in ("money", "money_in")


@dataclass
class Meta:
    fund_name: str
    functional_currency: str
    generated_at: datetime
    generated_by: str
    head_hash: str
    entries: int
    as_of: date | None = None
    date_from: date | None = None
    date_to: date | None = None
    locale: str = "en_GB"
    #: Months (``YYYY-MM``) the statement covers that are not closed yet, oldest first: the
    #: statement is a draft while there is one (months close in order, so they are the
    #: covered span's last months).
    open_months: tuple[str, ...] = ()
    #: First month (1-12) of the fund's fiscal year (``FUNDLEDGER_FISCAL_YEAR_START``).
    fiscal_year_start: int = 1
    #: Where the audit log ended when the statement was built (with ``entries`` and
    #: ``head_hash``, what a checkpoint of the statement signs).
    audit_events: int = 0
    audit_head: str = ""
    #: The signed checkpoint of those heads, taken with the statement (SPEC §2.6): every
    #: format carries it, so ``fundledger verify-statement FILE`` can prove later that the
    #: books the statement was built from are still the fund's books.
    checkpoint: Checkpoint | None = None

    @property
    def heads(self) -> Heads:
        return Heads(self.entries, self.head_hash, self.audit_events, self.audit_head)

    @property
    def period_label(self) -> str:
        if self.as_of is not None:
            return f"As of {self.as_of.isoformat()}"
        start = self.date_from.isoformat() if self.date_from else "the beginning"
        end = self.date_to.isoformat() if self.date_to else "today"
        return f"From {start} to {end}"

    @property
    def is_final(self) -> bool:
        return not self.open_months

    @property
    def status_label(self) -> str:
        """``FINAL``, or ``DRAFT — not closed: 2026-03 to 2026-12`` (printed on every page)."""
        if self.is_final:
            return "FINAL"
        first, last = self.open_months[0], self.open_months[-1]
        months = first if first == last else f"{first} to {last}"
        return f"DRAFT — not closed: {months}"

    @property
    def period_slug(self) -> str:
        """The period in a file name: ``as-of-2026-12-03`` or ``2026-01-01_2026-12-03``."""
        if self.as_of is not None:
            return f"as-of-{self.as_of.isoformat()}"
        start = self.date_from.isoformat() if self.date_from else "start"
        return f"{start}_{self.date_to.isoformat() if self.date_to else 'today'}"


class Deferred:
    """A field that may be given as a function of no arguments: called once, when the field
    is first read, and its value kept. ``empty`` makes the value when ``None`` is given."""

    def __init__(self, empty: Callable[[], object] | None = None) -> None:
        self._empty = empty

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_" + name

    def __get__(self, obj: object, owner: type | None = None):
        if obj is None:
            return None  # the dataclass field's default
        value = obj.__dict__[self._slot]
        if callable(value):
            value = obj.__dict__[self._slot] = value()
        return value

    def __set__(self, obj: object, value: object) -> None:
        if value is None and self._empty is not None:
            value = self._empty()
        obj.__dict__[self._slot] = value


@dataclass
class Statement:
    slug: str
    title: str
    meta: Meta
    columns: list[Column]
    rows: Iterable[dict]
    #: How many rows (or a function counting them, called when first read).
    row_count: int | None = Deferred()  # type: ignore[assignment]
    #: The closing line (a dict of column key to value), or several (e.g. one per currency);
    #: or a function giving them, called when first read.
    totals: dict | list[dict] | None = Deferred()  # type: ignore[assignment]
    #: Extra top-level facts for JSON (e.g. the opening and closing balance of a ledger);
    #: or a function giving them, called when first read.
    summary: dict = Deferred(dict)  # type: ignore[assignment]
    notes: list[str] = field(default_factory=list)
    subtitle: str | None = None
    #: Financial statements end with a signature block (prepared by, approved by, date).
    signature: bool = False
    #: Whom or what a statement of one record is about (a victim's code, a case's reference,
    #: an account's code): in its file name and headers, since the CSV has no room for it.
    subject: str | None = None
    #: Rows sharing this column's value (a journal entry's postings) are kept on one PDF page
    #: when they fit on one.
    group_key: str | None = None
    #: When set, the plain rows are tuples of these keys' values, in this order (structure
    #: rows stay dicts); :meth:`iter_rows` gives them as dicts, :meth:`iter_records` as they are.
    record_keys: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.__dict__["_row_count"] is None and isinstance(self.rows, list):
            self.row_count = len(self.rows)

    def iter_rows(self) -> Iterator[dict]:
        """The rows as dicts. The deferred figures (count, totals, summary) are made first: a
        format that reads its rows as dicts reads them too, and a streamed statement's
        connection runs no other query while its rows stream."""
        self.figures()
        keys = self.record_keys
        if keys is None:
            yield from self.rows
            return
        for row in self.rows:
            yield dict(zip(keys, row, strict=True)) if type(row) is tuple else row

    def figures(self) -> None:
        """Make the deferred figures now (``row_count``, ``totals``, ``summary``)."""
        self.row_count, self.totals, self.summary  # noqa: B018 (read to be made)

    def iter_records(self) -> Iterator[dict | tuple]:
        """The rows as given: tuples in :attr:`record_keys` order, or dicts."""
        return iter(self.rows)

    def total_rows(self) -> list[dict]:
        """The closing lines, however many (none, one, or one per currency)."""
        if not self.totals:
            return []
        return [self.totals] if isinstance(self.totals, dict) else list(self.totals)

    def about(self) -> list[tuple[str, str]]:
        """The stamp every format shows (XLSX "About" sheet, PDF header, JSON, headers)."""
        meta = self.meta
        lines = [
            ("Fund", meta.fund_name),
            ("Statement", self.title + (f" — {self.subtitle}" if self.subtitle else "")),
            ("Period", meta.period_label),
            ("Status", meta.status_label),
            ("Currency", meta.functional_currency),
            ("Generated at", meta.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
            ("Generated by", meta.generated_by),
            ("Journal entries", str(meta.entries)),
            ("Journal head hash", meta.head_hash),
        ]
        if meta.checkpoint is not None:
            lines.append(("Checkpoint", meta.checkpoint.line()))
        return lines + [("Note", note) for note in self.notes]

    def filename(self, fmt: str) -> str:
        """``awards-register_as-of-2026-12-03_1a2b3c4d.pdf``: what, when, and from which head;
        ``victim-statement_V-000002_as-of-…`` for a statement of one record."""
        about = f"_{_FILE_UNSAFE.sub('-', self.subject)}" if self.subject else ""
        return f"{self.slug}{about}_{self.meta.period_slug}_{self.meta.head_hash[:8]}.{fmt}"

    def headers(self) -> dict[str, str]:
        """The stamp as HTTP response headers (ASCII), for the CSV that has no room for it."""
        meta = self.meta
        headers = {
            "X-Statement": self.slug,
            "X-Statement-Period": meta.period_slug,
            "X-Statement-Status": meta.status_label.replace("—", "-"),
            "X-Journal-Entries": str(meta.entries),
            "X-Journal-Head": meta.head_hash,
        }
        if self.subject:
            headers["X-Statement-Subject"] = _ASCII_UNSAFE.sub("-", self.subject)
        if meta.checkpoint is not None:
            # base64 of the JSON line: headers are ASCII, a reason may not be.
            headers["X-Checkpoint"] = meta.checkpoint.token()
        return headers

    @property
    def checkpoint_reason(self) -> str:
        """What the statement's checkpoint says it was taken for."""
        about = f" {self.subject}" if self.subject else ""
        return f"statement {self.slug}{about} {self.meta.period_slug} for {self.meta.generated_by}"

    def counted(self) -> Statement:
        """Materialise a small statement's rows so they can be counted and read twice."""
        if self.row_count is None:
            self.rows = list(self.iter_rows())
            self.record_keys = None
            self.row_count = len(self.rows)
        return self


def functional_amounts(meta: Meta, **amounts: int) -> dict[str, Money]:
    """Summary figures in the functional currency, as money: the JSON says their currency."""
    return {name: Money(minor, meta.functional_currency) for name, minor in amounts.items()}


def dated_summary(meta: Meta, **amounts: int) -> dict:
    """A summary that says when its figures hold (``as_of``, or ``from`` and ``to``), then the
    figures themselves in the functional currency."""
    if meta.as_of is not None:
        when = {"as_of": meta.as_of.isoformat()}
    else:
        start = meta.date_from.isoformat() if meta.date_from else None
        when = {"from": start, "to": meta.date_to.isoformat()}
    return when | functional_amounts(meta, **amounts)
