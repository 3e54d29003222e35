"""Cell values for each output: exact for machines, localised for people.

CSV, XLSX and JSON carry exact decimal strings (``"1234.50"``); the PDF shows
amounts grouped for the fund's locale (``1,234.50``), negatives in brackets
as accountants write them. Never a float: amounts stay integers until they
become text.
"""

from __future__ import annotations

from datetime import date, datetime

from ledger.money import Money, format_amount
from reports.statement import Column, Meta


def money_text(money: Money, locale: str = "en_GB") -> str:
    """Money in a sentence, in the one notation every statement uses: ``EUR 1,234.50``
    (the ISO code, never a symbol such as €, which would differ from the tables)."""
    return f"{money.currency} {format_amount(money, locale)}"


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
    value = row.get(column.key)
    if value is None:
        return ""
    if column.is_amount:
        money = money_of(column, row, meta)
        text = format_amount(Money(abs(money.minor), money.currency), meta.locale)
        if column.kind == "money_in" and money.currency != meta.functional_currency:
            text = f"{money.currency} {text}"
        return f"({text})" if money.minor < 0 else text
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
