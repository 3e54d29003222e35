"""Cell values for each output: exact for machines, localised for people.

CSV, XLSX and JSON carry exact decimal strings (``"1234.50"``); the PDF shows
amounts grouped for the fund's locale (``1,234.50``), negatives in brackets
as accountants write them. Never a float: amounts stay integers until they
become text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache

from babel.core import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol, parse_pattern

from ledger.money import Money, exponent, format_amount
from reports.statement import Column, Meta

#: Amounts a fast formatter must print exactly as :func:`ledger.money.format_amount` does
#: before it is trusted (grouping, negatives, zero, long numbers, CLDR's quirks such as
#: de_CH's minimum grouping).
_PROBES = (
    0,
    1,
    -1,
    5,
    99,
    999,
    1000,
    99999,
    100000,
    -100000,
    123456789,
    -123456789,
    1234567890123,
    -1234567890123,
    10**15,
)


def money_text(money: Money, locale: str = "en_GB") -> str:
    """Money in a sentence, in the one notation every statement uses: ``EUR 1,234.50``
    (the ISO code, never a symbol such as €, which would differ from the tables)."""
    return f"{money.currency} {amount_formatter(money.currency, locale)(money.minor)}"


@lru_cache(maxsize=256)
def amount_formatter(currency: str, locale: str = "en_GB") -> Callable[[int], str]:
    """``minor units -> text`` exactly as :func:`ledger.money.format_amount` writes them, but
    without parsing a babel pattern per call (a statement formats hundreds of thousands).

    Grouping by three with the locale's symbols is done with integer arithmetic; a locale
    whose CLDR data make babel write otherwise (checked on :data:`_PROBES`) keeps babel, with
    its pattern and locale parsed once.
    """
    digits = exponent(currency)
    fast = _grouped(digits, locale)
    if all(fast(m) == format_amount(Money(m, currency), locale) for m in _PROBES):
        return fast
    loc = Locale.parse(locale)
    pattern = parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))

    def slow(minor: int) -> str:
        return pattern.apply(Money(minor, currency).to_decimal(), loc, decimal_quantization=True)

    return slow


def _grouped(digits: int, locale: str) -> Callable[[int], str]:
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    minus = get_minus_sign_symbol(locale)
    scale = 10**digits
    table = str.maketrans({",": group})

    def fast(minor: int) -> str:
        whole, frac = divmod(-minor if minor < 0 else minor, scale)
        text = f"{whole:,}".translate(table)
        if digits:
            text = f"{text}{decimal}{frac:0{digits}d}"
        return minus + text if minor < 0 else text

    return fast


def money_of(column: Column, row: dict, meta: Meta) -> Money | None:
    value = row.get(column.key)
    if value is None:
        return None
    currency = meta.functional_currency if column.kind == "money" else row[column.currency_key]
    return Money(int(value), currency)


def exact(column: Column, row: dict, meta: Meta) -> str:
    """The exact text of a cell (CSV, XLSX)."""
    value = row.get(column.key)
    if value is None:
        return ""
    if column.is_amount:
        return money_of(column, row, meta).amount_string()
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def for_json(column: Column, row: dict, meta: Meta):
    value = row.get(column.key)
    if value is None:
        return None
    if column.is_amount:
        return money_of(column, row, meta).as_json()
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def for_people(column: Column, row: dict, meta: Meta) -> str:
    """The printed text of a cell (PDF)."""
    return people_formatter(column, meta)(row)


def people_formatter(column: Column, meta: Meta) -> Callable[[dict], str]:
    """``row -> printed text`` of one column (what :func:`for_people` prints), with the
    column's decisions taken once: the PDF calls it for every cell of every row.

    Amounts are grouped for the locale, negatives in brackets; an amount in a ``money_in``
    column not in the functional currency has its ISO code in front (``THB 1,250,000.00``).
    """
    key, locale, functional = column.key, meta.locale, meta.functional_currency
    if column.is_amount:
        currency_key = column.currency_key if column.kind == "money_in" else None

        def amount(row: dict) -> str:
            value = row.get(key)
            if value is None:
                return ""
            currency = row[currency_key] if currency_key else functional
            minor = int(value)
            text = amount_formatter(currency, locale)(-minor if minor < 0 else minor)
            if currency != functional:
                text = f"{currency} {text}"
            return f"({text})" if minor < 0 else text

        return amount

    def other(row: dict) -> str:
        value = row.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    return other
