"""What a register's totals are made of: one line per currency, the functional one first.

The awards register, the payments queue and a distribution round each add up
what they select per currency; the lines share their first three figures and
their order, so that every page lists its currencies the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from ledger.money import Money

T = TypeVar("T", bound="CurrencyTotal")


@dataclass(frozen=True)
class CurrencyTotal:
    """The selected records in one currency, added up."""

    currency: str
    count: int
    amount: Money


def functional_first(totals: Iterable[T], functional: str) -> list[T]:
    """``totals`` with the functional currency's line first, then the others by code."""
    return sorted(totals, key=lambda t: (t.currency != functional, t.currency))
