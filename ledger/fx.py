"""Exchange rates: the table, ECB CSV import, and conversion to functional units.

Rates follow the ECB convention: units of a currency per ONE functional unit
(USD 1.1721 on 2026-01-02 means 1 EUR = 1.1721 USD). A conversion uses the
latest rate on or before the value date and rounds half-even to the minor unit.

The ECB publishes euro rates. When the fund's functional currency is not EUR,
an import derives cross rates through the euro (X per F = X per EUR / F per EUR),
and the euro itself gets 1 / (F per EUR).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation, localcontext
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import access, audit, events
from ledger.access import Actor
from ledger.errors import Invalid, NoRate
from ledger.fund import functional_currency
from ledger.locks import lock_books
from ledger.models import FxRate
from ledger.money import Money, check_currency, exponent

_RATE_RE = re.compile(r"^[0-9]+(\.[0-9]+)?$")
#: Significant digits kept for derived cross rates (the ECB publishes 5 or 6).
_CROSS_RATE_DIGITS = 10


class Rate(NamedTuple):
    currency: str
    date: date
    rate: Decimal


def parse_rate(text: object, field: str = "rate") -> Decimal:
    """A positive decimal string, exactly; no floats, exponents or NaN."""
    if not isinstance(text, str) or not _RATE_RE.fullmatch(text):
        raise Invalid.field(field, 'must be a positive decimal string such as "1.0812"')
    value = Decimal(text)
    if value <= 0:
        raise Invalid.field(field, "must be greater than zero")
    if len(text) > 30:
        raise Invalid.field(field, "has too many digits")
    return value


def parse_ecb_csv(text: str) -> list[Rate]:
    """Rates from any of the ECB's CSV layouts.

    - ``eurofxref-hist.csv``: ``Date,USD,JPY,…`` then ``2026-01-02,1.1721,…``,
      ``N/A`` for no rate, a trailing comma on every line;
    - ``eurofxref.csv`` (the daily file): the same with spaces and dates like
      ``30 October 2026``;
    - the ECB Data Portal's SDMX CSV (``KEY,FREQ,CURRENCY,…,TIME_PERIOD,OBS_VALUE``).

    An unreadable file raises :class:`Invalid` naming line and column.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = []  # (line number in the file, cells), blank lines skipped but counted
    for cells in reader:
        cells = [cell.strip() for cell in cells]
        if any(cells):
            rows.append((reader.line_num, cells))
    if not rows:
        raise Invalid.field("file", "is empty")
    header = rows[0][1]
    if "TIME_PERIOD" in header and "OBS_VALUE" in header and "CURRENCY" in header:
        return list(_parse_sdmx(header, rows[1:]))
    if header and header[0].lower() == "date":
        return list(_parse_wide(header, rows[1:]))
    raise Invalid.field("file", "is not an ECB reference-rate CSV (no Date or TIME_PERIOD column)")


def _parse_wide(header: list[str], rows: list[tuple[int, list[str]]]) -> Iterator[Rate]:
    currencies = header[1:]
    for position, code in enumerate(currencies, start=2):
        if code and not re.fullmatch(r"[A-Z]{3}", code):
            raise Invalid.field("file", f"column {position}: {code!r} is not a currency code")
    for line, row in rows:
        day = _parse_ecb_date(row[0], line)
        for position, cell in enumerate(row[1:], start=2):
            code = currencies[position - 2] if position - 2 < len(currencies) else ""
            if not cell or cell.upper() == "N/A":
                continue
            if not code:
                raise Invalid.field(
                    "file", f"line {line}, column {position}: a value under no currency"
                )
            yield Rate(code, day, _parse_cell(cell, line, code))


def _parse_sdmx(header: list[str], rows: list[tuple[int, list[str]]]) -> Iterator[Rate]:
    col = {name: i for i, name in enumerate(header)}
    for line, row in rows:
        if len(row) < len(header):
            raise Invalid.field(
                "file", f"line {line}: {len(row)} cells, the header has {len(header)}"
            )
        if col.get("CURRENCY_DENOM") is not None and row[col["CURRENCY_DENOM"]] != "EUR":
            continue
        cell = row[col["OBS_VALUE"]]
        if not cell or cell.upper() in ("N/A", "NAN"):
            continue
        code = row[col["CURRENCY"]]
        day = _parse_ecb_date(row[col["TIME_PERIOD"]], line)
        yield Rate(code, day, _parse_cell(cell, line, code))


def _parse_ecb_date(text: str, line: int) -> date:
    for fmt in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Invalid.field("file", f"line {line}: {text[:30]!r} is not a date")


def _parse_cell(cell: str, line: int, code: str) -> Decimal:
    try:
        return parse_rate(cell)
    except Invalid:
        raise Invalid.field("file", f"line {line}, {code}: {cell[:30]!r} is not a rate") from None


def rebase(rates: Iterable[Rate], functional: str) -> list[Rate]:
    """Turn euro rates into rates per functional unit (identity when it is EUR)."""
    rates = list(rates)
    if functional == "EUR":
        return [r for r in rates if r.currency != "EUR"]
    per_eur = {(r.date): r.rate for r in rates if r.currency == functional}
    out: list[Rate] = []
    with localcontext() as ctx:
        ctx.prec = _CROSS_RATE_DIGITS
        for day, functional_per_eur in sorted(per_eur.items()):
            out.append(Rate("EUR", day, +(Decimal(1) / functional_per_eur)))
        for r in rates:
            if r.currency != functional and r.date in per_eur:
                out.append(Rate(r.currency, r.date, +(r.rate / per_eur[r.date])))
    return out


def import_rates(
    session: Session, actor: Actor, rates: Iterable[Rate], source: str
) -> tuple[int, int]:
    """Store rates per functional unit under the books' lock; return (added, corrected).

    Changing a stored rate is safe for the books (every posting keeps the
    functional amount it was converted at) and is how a mistyped rate is fixed.
    Each rate is checked naming its place (``rates.3.currency``).
    """
    access.require(actor, access.MANAGE_BOOKS)
    lock_books(session)  # a rate must not change under a posting that is converting with it
    functional = functional_currency(session)
    rates = list(rates)
    for i, rate in enumerate(rates):
        check_currency(rate.currency, f"rates.{i}.currency")
        if rate.currency == functional:
            raise Invalid.field(f"rates.{i}.currency", f"{functional} is the functional currency")
    added, changed = _store(session, rates, source)
    after = {"added": added, "corrected": changed, "source": source[:200]}
    audit.record(session, actor, events.FX_RATES_IMPORTED, "fx_rates", after=after)
    return added, changed


def import_ecb_csv(session: Session, actor: Actor, text: str, source: str) -> tuple[int, int]:
    """Rates from an ECB reference-rate CSV (any of its layouts), rebased when need be."""
    rates = [r for r in parse_ecb_csv(text) if _is_usable(r.currency)]
    return import_rates(session, actor, rebase(rates, functional_currency(session)), source)


def _store(session: Session, rates: list[Rate], source: str) -> tuple[int, int]:
    stored = _stored_rates(session, rates)
    added = changed = 0
    for rate in rates:
        existing = stored.get((rate.currency, rate.date))
        if existing is None:
            row = FxRate(currency=rate.currency, date=rate.date, rate=rate.rate, source=source)
            session.add(row)
            stored[(rate.currency, rate.date)] = row
            added += 1
        elif existing.rate != rate.rate:
            existing.rate = rate.rate
            existing.source = source
            changed += 1
    session.flush()
    return added, changed


def _stored_rates(session: Session, rates: list[Rate]) -> dict:
    """The stored rows for the dates in ``rates``, in one query rather than one per rate."""
    if not rates:
        return {}
    days = {r.date for r in rates}
    rows = session.scalars(select(FxRate).where(FxRate.date >= min(days), FxRate.date <= max(days)))
    return {(row.currency, row.date): row for row in rows}


def _is_usable(code: str) -> bool:
    try:
        exponent(code)
    except Invalid:
        return False
    return True


def rate_on(session: Session, currency: str, value_date: date, field: str = "currency") -> Rate:
    """The latest rate on or before ``value_date``; :class:`NoRate` names both, and ``field``."""
    row = session.execute(
        select(FxRate.date, FxRate.rate)
        .where(FxRate.currency == currency, FxRate.date <= value_date)
        .order_by(FxRate.date.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NoRate(
            f"no {currency} exchange rate on or before {value_date.isoformat()}",
            {field: [f"no {currency} rate on or before {value_date.isoformat()}"]},
        )
    return Rate(currency, row.date, row.rate)


def to_functional(
    session: Session, money: Money, value_date: date, functional: str, field: str = "amount"
) -> int:
    """``money`` in functional minor units at the rate of ``value_date``.

    ``field`` names the request field the amount came from, for the error when no
    rate exists (``amount.currency``).
    """
    if money.currency == functional:
        return money.minor
    rate = rate_on(session, money.currency, value_date, f"{field}.currency")
    return convert(money, rate.rate, functional).minor


def convert(money: Money, units_per_functional: Decimal, functional: str) -> Money:
    """Divide by the rate and round half-even to the functional minor unit."""
    try:
        with localcontext() as ctx:
            ctx.prec = 60
            value = money.to_decimal() / units_per_functional
    except (InvalidOperation, ZeroDivisionError):
        raise Invalid.field("rate", "must be greater than zero") from None
    return Money.from_decimal(value, functional)
