"""A statement, built once and rendered four ways (JSON, CSV, XLSX, PDF).

A :class:`Statement` is a title, the metadata every statement must show
(fund, period or as-of date, when and by whom it was generated, the journal
head hash and entry count it was built from), columns, rows and totals.
Rows may be a generator (a general ledger of 200,000 postings is streamed,
never held); then ``row_count`` says how many there will be, so the PDF can
print "Page X of Y" without a second pass. A list of rows counts itself.

Money cells hold integer minor units: a ``money`` column has the fund's
functional currency; a ``money_in`` column takes its currency from another
column of the same row (an award's own currency). Rows with a ``_style`` of
``heading``, ``subtotal`` or ``total`` are structure (sections of a balance
sheet), not data. A summary's money figures are :class:`Money` values, so
that every format says what currency each is in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from ledger.money import Money


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    #: text | int | date | money | money_in
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

    @property
    def period_label(self) -> str:
        if self.as_of is not None:
            return f"As of {self.as_of.isoformat()}"
        start = self.date_from.isoformat() if self.date_from else "the beginning"
        end = self.date_to.isoformat() if self.date_to else "today"
        return f"From {start} to {end}"


@dataclass
class Statement:
    slug: str
    title: str
    meta: Meta
    columns: list[Column]
    rows: Iterable[dict]
    row_count: int | None = None
    totals: dict | None = None
    #: Extra top-level facts for JSON (e.g. the opening and closing balance of a ledger).
    summary: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    subtitle: str | None = None

    def __post_init__(self) -> None:
        if self.row_count is None and isinstance(self.rows, list):
            self.row_count = len(self.rows)

    def iter_rows(self) -> Iterator[dict]:
        yield from self.rows

    def counted(self) -> Statement:
        """Materialise a small statement's rows so they can be counted and read twice."""
        if self.row_count is None:
            self.rows = list(self.rows)
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
