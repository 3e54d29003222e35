"""Comparatives (IPSAS 1): which prior figures stand beside the current ones.

The rule, the same on every financial statement and in the notes:

- a **position as of D** compares with the end of the previous fiscal year:
  the day before the fiscal year holding D starts (so when D is itself a
  fiscal-year end, the previous year end: 2026-12-31 beside 2025-12-31;
  2026-03-31 beside 2025-12-31 with years starting in January);
- a **period** compares with the same span one year earlier
  (2026-01-01 to 2026-03-31 beside 2025-01-01 to 2025-03-31); a 29 February
  becomes the 28th.

The prior figures are those the statement would show if it were asked for
the prior date or span directly: the builders compute both the same way.
"""

from __future__ import annotations

from datetime import date, timedelta

from reports.context import fiscal_year_begin
from reports.statement import Column, Meta

PRIOR = "prior"


def year_earlier(day: date) -> date:
    """The same day one year earlier; 29 February becomes 28 February."""
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def prior_as_of(as_of: date, fiscal_year_start: int = 1) -> date:
    """The date a position as of ``as_of`` is compared with: the previous fiscal year's end."""
    return fiscal_year_begin(as_of, fiscal_year_start) - timedelta(days=1)


EN_DASH = "\u2013"


def prior_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The span a period statement is compared with: the same span one year earlier."""
    return year_earlier(date_from), year_earlier(date_to)


def span_title(date_from: date, date_to: date) -> str:
    """A period column's title, the dates joined by an en dash: in a narrow amount column it
    wraps after the dash, one date a line (with "to", that word took a line of its own)."""
    return f"{date_from.isoformat()} {EN_DASH} {date_to.isoformat()}"


def current_title(meta: Meta) -> str:
    """The current figures' column title: the as-of date, or the period."""
    if meta.as_of is not None:
        return meta.as_of.isoformat()
    return span_title(meta.date_from, meta.date_to)


def prior_title(meta: Meta) -> str:
    if meta.as_of is not None:
        return prior_as_of(meta.as_of, meta.fiscal_year_start).isoformat()
    return span_title(*prior_period(meta.date_from, meta.date_to))


def compared(columns: list[Column], meta: Meta, key: str = "amount") -> list[Column]:
    """``columns`` with the ``key`` column titled by its date and a prior column beside it."""
    out = []
    for column in columns:
        if column.key != key:
            out.append(column)
            continue
        out.append(Column(key, current_title(meta), column.kind, column.currency_key, column.width))
        out.append(Column(PRIOR, prior_title(meta), column.kind, column.currency_key, column.width))
    return out


def comparatives_note(meta: Meta) -> str:
    if meta.as_of is not None:
        return (
            f"Comparative figures are as of {prior_title(meta)}, the end of the previous "
            "fiscal year."
        )
    return f"Comparative figures are for {prior_title(meta)}, the same span one year earlier."
