"""How amounts, dates and codes read on a page: in ``FUNDLEDGER_LOCALE``, labels not codes.

Amounts always carry their ISO currency code ("EUR 1,250.00"): a fund that
pays abroad shows several currencies side by side, and a symbol alone ($) is
ambiguous. The API keeps speaking exact decimal strings and ISO dates.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime
from flask import Flask, current_app
from flask_babel import gettext

from ledger import labels
from ledger.money import Money, format_amount

#: What an empty cell shows: an en dash, which screen readers read as nothing.
NONE = "\u2013"
TABLES = {
    "AWARD_STATUS": labels.AWARD_STATUS,
    "PAYMENT_STATUS": labels.PAYMENT_STATUS,
    "ASSET_STATE": labels.ASSET_STATE,
    "ASSET_KIND": labels.ASSET_KIND,
    "PAYMENT_METHOD": labels.PAYMENT_METHOD,
    "RECEIPT_KIND": labels.RECEIPT_KIND,
    "EXPENSE_KIND": labels.EXPENSE_KIND,
    "ACCOUNT_TYPE": labels.ACCOUNT_TYPE,
    "ROLE": labels.ROLE,
    "EVENT": labels.EVENT,
}


def _locale() -> str:
    return current_app.config["LOCALE"]


def money(value: Money | None, empty: str = NONE) -> str:
    if value is None:
        return empty
    return f"{value.currency} {format_amount(value, _locale())}"


def signed(value: Money | None) -> str:
    """An amount with negatives in brackets, as accounts print them."""
    if value is None:
        return NONE
    text = f"{value.currency} {format_amount(Money(abs(value.minor), value.currency), _locale())}"
    return f"({text})" if value.minor < 0 else text


def day(value: date | None, empty: str = NONE) -> str:
    if value is None:
        return empty
    return format_date(value, format="d MMM y", locale=_locale())


def moment(value: datetime | None, empty: str = NONE) -> str:
    """A UTC timestamp, said to be UTC (the books keep UTC; people are in many zones)."""
    if value is None:
        return empty
    return format_datetime(value, format="d MMM y, HH:mm", locale=_locale()) + " UTC"


def months(codes: list[str]) -> str:
    """``["2026-03", "2026-04", "2026-06"]`` → "Mar 2026 to Apr 2026, Jun 2026": runs of
    consecutive months as ranges, month names in the locale."""
    runs: list[list[date]] = []
    for code in sorted(codes):
        first = date(int(code[:4]), int(code[5:]), 1)
        if runs and (runs[-1][-1].year * 12 + runs[-1][-1].month + 1) == (
            first.year * 12 + first.month
        ):
            runs[-1].append(first)
        else:
            runs.append([first])

    def name(day: date) -> str:
        return format_date(day, format="MMM y", locale=_locale())

    return ", ".join(
        name(run[0])
        if len(run) == 1
        else gettext("%(first)s to %(last)s", first=name(run[0]), last=name(run[-1]))
        for run in runs
    )


def label(table: str, code: str | None) -> str:
    """A code's label in the people's language (the labels are marked for translation)."""
    return gettext(labels.label(TABLES[table], code)) if code else NONE


def amount_example() -> str:
    return format_amount(Money(123450, "EUR"), _locale())


def init_app(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(signed, "signed")
    app.add_template_filter(day, "day")
    app.add_template_filter(moment, "moment")
    app.add_template_filter(months, "months")
    app.add_template_global(label, "label")
    app.add_template_global(amount_example, "amount_example")
