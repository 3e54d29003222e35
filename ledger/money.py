"""Money as integer minor units of an ISO 4217 currency.

A :class:`Money` is a value: ``Money(123450, "EUR")`` is EUR 1,234.50. The
exponent of each currency (EUR 2, JPY 0, KWD 3) comes from the ISO 4217 table
published by SIX (the ``iso4217`` package), not from CLDR: CLDR's "digits"
are display conventions (it says HUF 0 and IDR 0; ISO says 2).

Nothing in this module touches ``float``. Amounts enter the system as decimal
strings (``"1234.50"``) and are parsed strictly: the string is the contract,
so ``"1e3"``, ``"NaN"`` and ``"10.555"`` for EUR are refused, never rounded.
Rounding happens only in conversions, half-even to the minor unit.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import cache
from typing import NamedTuple

import iso4217
from babel.core import Locale
from babel.numbers import get_currency_symbol, parse_pattern

from ledger.errors import Invalid

#: Largest magnitude in minor units: leaves headroom in a signed 64-bit column
#: for running balances that sum many amounts.
MAX_MINOR = 10**15

_AMOUNT_RE = re.compile(r"^(?P<sign>-)?(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?$")


@cache
def exponent(currency: str) -> int:
    """ISO 4217 minor-unit exponent; :class:`Invalid` for unknown or unit-less codes."""
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise Invalid.field("currency", f"{currency!r} is not an ISO 4217 currency code")
    try:
        digits = iso4217.Currency(currency).exponent
    except ValueError:
        raise Invalid.field("currency", f"{currency} is not an ISO 4217 currency code") from None
    if digits is None:
        # Gold, SDRs, test codes: they have no minor unit and are no money to pay a victim in.
        raise Invalid.field("currency", f"{currency} has no minor unit and cannot be used")
    return digits


def check_currency(currency: str, field: str = "currency") -> str:
    """Return ``currency`` if it is a usable ISO 4217 code, else raise naming ``field``."""
    try:
        exponent(currency)
    except Invalid as exc:
        raise Invalid.field(field, exc.errors["currency"][0]) from None
    return currency


class _Fields(NamedTuple):
    minor: int
    currency: str


class Money(_Fields):
    """An exact amount: ``minor`` units of ``currency``.

    Construction refuses anything but an ``int`` of minor units, so a Decimal
    from a database SUM or a float can never become money unnoticed.
    """

    __slots__ = ()

    def __new__(cls, minor: int, currency: str) -> Money:
        if not isinstance(minor, int) or isinstance(minor, bool):
            raise TypeError(f"Money needs an int of minor units, not {type(minor).__name__}")
        return super().__new__(cls, minor, currency)

    @classmethod
    def parse(
        cls,
        text: object,
        currency: object,
        *,
        field: str = "amount",
        allow_negative: bool = False,
        allow_zero: bool = True,
    ) -> Money:
        """Parse a decimal string in ``currency``; refuse anything inexact, naming ``field``."""
        if not isinstance(currency, str):
            raise Invalid.field(f"{field}.currency", "must be a 3-letter ISO 4217 code")
        try:
            digits = exponent(currency)
        except Invalid as exc:
            raise Invalid.field(f"{field}.currency", exc.errors["currency"][0]) from None
        if not isinstance(text, str):
            raise Invalid.field(
                f"{field}.amount", 'must be a decimal string such as "1234.50", not a number'
            )
        if len(text) > 40:  # before int(): Python refuses to parse very long digit strings
            raise Invalid.field(f"{field}.amount", "is too large")
        match = _AMOUNT_RE.fullmatch(text)
        if match is None:
            raise Invalid.field(
                f"{field}.amount", f'{text[:40]!r} is not a plain decimal such as "1234.50"'
            )
        frac = match["frac"] or ""
        if len(frac) > digits:
            raise Invalid.field(
                f"{field}.amount", f"{currency} allows at most {digits} decimal places"
            )
        minor = int(match["int"] + frac.ljust(digits, "0"))
        if match["sign"]:
            minor = -minor
        if minor < 0 and not allow_negative:
            raise Invalid.field(f"{field}.amount", "must not be negative")
        if minor == 0 and not allow_zero:
            raise Invalid.field(f"{field}.amount", "must be greater than zero")
        if abs(minor) > MAX_MINOR:
            raise Invalid.field(f"{field}.amount", "is too large")
        return cls(minor, currency)

    @classmethod
    def from_decimal(cls, value: Decimal, currency: str) -> Money:
        """Round a Decimal half-even to the currency's minor unit."""
        digits = exponent(currency)
        with localcontext() as ctx:
            ctx.prec = 60
            scaled = (value * (Decimal(10) ** digits)).quantize(Decimal(1), ROUND_HALF_EVEN)
        return cls(int(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def amount_string(self) -> str:
        """The exact decimal string of the amount (``"1234.50"``), as the API speaks it."""
        digits = exponent(self.currency)
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), 10**digits)
        return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"

    def as_json(self) -> dict[str, str]:
        return {"amount": self.amount_string(), "currency": self.currency}

    def __add__(self, other: object) -> Money:  # type: ignore[override]
        other = _same_currency(self, other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: object) -> Money:
        other = _same_currency(self, other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    # A NamedTuple would compare and repeat like a tuple: EUR 0.99 < JPY 100 must not
    # silently be an answer, and Money * 2 must not become a 4-tuple.
    def __lt__(self, other: object) -> bool:  # type: ignore[override]
        return self.minor < _same_currency(self, other).minor

    def __le__(self, other: object) -> bool:  # type: ignore[override]
        return self.minor <= _same_currency(self, other).minor

    def __gt__(self, other: object) -> bool:  # type: ignore[override]
        return self.minor > _same_currency(self, other).minor

    def __ge__(self, other: object) -> bool:  # type: ignore[override]
        return self.minor >= _same_currency(self, other).minor

    def __mul__(self, other: object):  # type: ignore[override]
        raise TypeError("Money is not multiplied; convert or allocate it explicitly")

    __rmul__ = __mul__

    def __str__(self) -> str:
        return f"{self.currency} {self.amount_string()}"


def _same_currency(left: Money, right: object) -> Money:
    if not isinstance(right, Money):
        raise TypeError("Money can only be combined with Money")
    if right.currency != left.currency:
        raise ValueError(f"cannot combine {left.currency} with {right.currency}")
    return right


def format_money(money: Money, locale: str = "en_GB") -> str:
    """Format for people, in the locale's pattern but with ISO 4217 decimals.

    Babel would otherwise show CLDR's digits (HUF without decimals), which
    would hide minor units that the ledger actually holds.
    """
    digits = exponent(money.currency)
    loc = Locale.parse(locale)
    pattern = parse_pattern(loc.currency_formats["standard"].pattern)
    pattern.frac_prec = (digits, digits)
    return pattern.apply(
        money.to_decimal(),
        loc,
        currency=money.currency,
        currency_digits=False,
        decimal_quantization=True,
    ).replace("\xa4", get_currency_symbol(money.currency, loc))


def format_amount(money: Money, locale: str = "en_GB") -> str:
    """Format the number alone (no symbol), grouped for the locale; for tables."""
    digits = exponent(money.currency)
    loc = Locale.parse(locale)
    pattern = parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))
    return pattern.apply(money.to_decimal(), loc, decimal_quantization=True)


#: Digits and the separators people group them with (the apostrophe, as in de_CH, too).
_TYPED_RE = re.compile(r"^-?[0-9][0-9.,'\u2019]*$")


def parse_typed(
    text: object,
    currency: str,
    locale: str,
    *,
    field: str = "amount",
    allow_negative: bool = False,
) -> Money:
    """An amount as a person types it: in the locale's own format ("1.234,50" in es_AR,
    "1,234.50" in en_GB) or plainly ("1234.50"), exactly, never through a float.

    The locale's reading wins where both could apply ("1.234" is a thousand two hundred
    and thirty-four in es_AR); anything else is refused with an example to follow.
    """
    from babel.numbers import NumberFormatError, format_decimal, parse_decimal

    example = format_decimal(Decimal("1234.50"), format="#,##0.00", locale=locale)
    if not isinstance(text, str) or not text.strip():
        raise Invalid.field(field, "Enter an amount")
    compact = "".join(text.split())  # "1 234,50": people group with spaces too
    if len(compact) > 40 or not _TYPED_RE.fullmatch(compact):
        raise Invalid.field(field, f"Enter an amount in figures, such as {example}")
    try:
        value = parse_decimal(compact, locale=locale, strict=True)
    except NumberFormatError:
        if _AMOUNT_RE.fullmatch(compact) is None:
            raise Invalid.field(field, f"Enter an amount such as {example} or 1234.50") from None
        value = Decimal(compact)
    digits = exponent(currency)
    if value.as_tuple().exponent < -digits:
        raise Invalid.field(field, f"{currency} amounts have at most {digits} decimal places")
    minor = int(value.scaleb(digits))
    if minor < 0 and not allow_negative:
        raise Invalid.field(field, "must not be negative")
    if abs(minor) > MAX_MINOR:
        raise Invalid.field(field, "is too large")
    return Money(minor, currency)
