"""Request fields that refuse, rather than coerce, anything inexact.

- :class:`MoneyField`: ``{"amount": "1234.50", "currency": "EUR"}`` parsed by
  :meth:`ledger.money.Money.parse`; floats, exponents, NaN, extra decimals and
  unknown currencies are refused naming ``<field>.amount`` or ``<field>.currency``.
- :func:`Id`: a strict positive integer (``1.0``, ``"1"`` and ``true`` are not ids).
- :func:`Flag`: only JSON ``true``/``false``.
- :func:`Day`: a calendar date written ``YYYY-MM-DD``, and the message says so.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from ledger.errors import Invalid
from ledger.money import Money
from ledger.validate import DAY, DAY_MESSAGE


class MoneyField(fields.Field):
    def __init__(self, *, allow_negative: bool = False, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault(
            "example", {"amount": "1234.50", "currency": "EUR"}
        )
        super().__init__(**kwargs)
        self.allow_negative = allow_negative

    def _deserialize(self, value, attr, data, **kwargs) -> Money:
        if not isinstance(value, dict):
            raise ValidationError(
                'must be an object such as {"amount": "10.00", "currency": "EUR"}'
            )
        unknown = set(value) - {"amount", "currency"}
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        missing = [name for name in ("amount", "currency") if name not in value]
        if missing:
            raise ValidationError({name: ["Missing data for required field."] for name in missing})
        try:
            return Money.parse(
                value["amount"], value["currency"], field="", allow_negative=self.allow_negative
            )
        except Invalid as exc:
            raise ValidationError({k.lstrip("."): v for k, v in exc.errors.items()}) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.as_json()


def Id(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1), **kwargs)


def QueryId(**kwargs) -> fields.Integer:
    """An id in a query string, where every value arrives as text."""
    return fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), **kwargs)


class _StrictBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` only: ``1 in {True}`` is true in Python, so 1 and 0 are
    refused explicitly."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("must be true or false")
        return value


def Flag(**kwargs) -> fields.Boolean:
    return _StrictBoolean(**kwargs)


DATE_MESSAGE = DAY_MESSAGE


class _Day(fields.Date):
    """``YYYY-MM-DD`` only: marshmallow's parser (``date.fromisoformat``) would also take
    ``20260201`` and week dates such as ``2026-W05-1``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or DAY.fullmatch(value) is None:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def Day(**kwargs) -> fields.Date:
    """A date written ``YYYY-MM-DD``; any other text is refused with the format it must take."""
    return _Day(error_messages={"invalid": DATE_MESSAGE, "format": DATE_MESSAGE}, **kwargs)


def Text(max_length: int, **kwargs) -> fields.String:
    """Text that is not blank: a memo or a name of only spaces says nothing."""
    return fields.String(
        validate=[
            validate.Length(min=1, max=max_length),
            validate.Regexp(r"(?s).*\S", error="must not be blank"),
        ],
        **kwargs,
    )
