"""Small checks shared by the registers, each raising :class:`Invalid` naming the field.

Messages describe the rule, never echo a value that could be personal data.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pycountry

from ledger.errors import Invalid
from ledger.money import Money


def text(field: str, value: object, *, max_length: int, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid.field(field, "is required")
        return None
    if not isinstance(value, str):
        raise Invalid.field(field, "must be text")
    value = value.strip()
    if len(value) > max_length:
        raise Invalid.field(field, f"must be at most {max_length} characters")
    return clean_characters(field, value)


def clean_characters(field: str, value: str) -> str:
    """``value`` if it holds no control character (but tab and newline) and no lone
    surrogate: a JSON string can carry ``"\\ud800"``, which no database or hash can encode."""
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise Invalid.field(field, "must not contain control characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise Invalid.field(field, "must be valid Unicode text (a lone surrogate is not)")
    return value


def one_of(field: str, value: object, choices) -> str:
    """``value`` if it is one of ``choices`` (any collection of strings), naming them if not."""
    if not isinstance(value, str) or value not in choices:
        raise Invalid.field(field, f"must be one of {', '.join(choices)}")
    return value


def country(field: str, value: object) -> str:
    if not isinstance(value, str) or pycountry.countries.get(alpha_2=value.upper()) is None:
        raise Invalid.field(field, "must be an ISO 3166-1 alpha-2 country code")
    return value.upper()


#: A calendar date as people are asked to write it, and nothing else: Python's
#: ``date.fromisoformat`` also reads ``20260201`` and ISO week dates (``2026-W05-1``
#: is 26 January), which no one typing a date into this fund means.
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DAY_MESSAGE = "must be a date written YYYY-MM-DD"


def day(field: str, value: object) -> date:
    """``value``, text written ``YYYY-MM-DD``, as a date; :class:`Invalid` naming ``field``."""
    if not isinstance(value, str) or DAY.fullmatch(value) is None:
        raise Invalid.field(field, DAY_MESSAGE)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid.field(field, DAY_MESSAGE) from None


def today_utc() -> date:
    return datetime.now(UTC).date()


def not_future(field: str, value: date) -> date:
    """Events that have happened cannot be dated after today (a day's slack for time zones)."""
    if not isinstance(value, date):
        raise Invalid.field(field, "must be a date (YYYY-MM-DD)")
    if value > today_utc() + timedelta(days=1):
        raise Invalid.field(field, "must not be in the future")
    return value


def positive(field: str, money: Money) -> Money:
    if money.minor <= 0:
        raise Invalid.field(field, "must be greater than zero")
    return money


def same_currency(field: str, money: Money, currency: str) -> Money:
    if money.currency != currency:
        raise Invalid.field(f"{field}.currency", f"must be {currency}")
    return money
