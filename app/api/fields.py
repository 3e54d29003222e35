"""Request fields that refuse, rather than coerce, anything inexact.

- :class:`MoneyField`: ``{"amount": "1234.50", "currency": "EUR"}`` parsed by
  :meth:`ledger.money.Money.parse`; floats, exponents, NaN, extra decimals and
  unknown currencies are refused naming ``<field>.amount`` or ``<field>.currency``.
- :func:`Id`: a strict positive integer (``1.0``, ``"1"`` and ``true`` are not ids).
- :func:`Flag`: only JSON ``true``/``false``.
- :func:`Day`: a calendar date written ``YYYY-MM-DD``, and the message says so.
- :func:`Text`: text that is not blank (an ECMA-262 pattern in the OpenAPI document too).
- :func:`Timestamp` (answers only): a moment in UTC with its offset, a true ``date-time``.
"""

from __future__ import annotations

from datetime import UTC

from marshmallow import ValidationError, fields, validate

from ledger.errors import Invalid
from ledger.money import Money
from ledger.validate import DAY, DAY_MESSAGE

#: How the OpenAPI document describes a money object (what :meth:`Money.parse` takes; the
#: currency must moreover be an ISO 4217 code and the decimals within its minor unit).
MONEY_SCHEMA = {
    "type": "object",
    "properties": {
        "amount": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "maxLength": 40},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    },
    "required": ["amount", "currency"],
    "additionalProperties": False,
    "example": {"amount": "1234.50", "currency": "EUR"},
}


class MoneyField(fields.Field):
    def __init__(self, *, allow_negative: bool = False, **kwargs):
        metadata = kwargs.setdefault("metadata", {})
        for name, value in MONEY_SCHEMA.items():
            metadata.setdefault(name, value)
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


#: What Python's ``str.isspace`` (and so ``\s`` of :mod:`re`) takes for white space, spelled
#: out: ECMA-262's ``\s`` differs (it has U+FEFF, lacks U+001C-U+001F and U+0085), and the
#: OpenAPI document's patterns are ECMA-262 for the tools that read it.
WHITE_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Some character that is not white space: the same language in Python's ``re`` (matched
#: from the start) and in ECMA-262 (searched anywhere), without flags.
NOT_BLANK = rf"[\s\S]*[^{WHITE_SPACE}]"


def Text(max_length: int, **kwargs) -> fields.String:
    """Text that is not blank: a memo or a name of only spaces says nothing."""
    return fields.String(
        validate=[
            validate.Length(min=1, max=max_length),
            validate.Regexp(NOT_BLANK, error="must not be blank"),
        ],
        **kwargs,
    )


class _Timestamp(fields.DateTime):
    """A moment in UTC written with its offset: ``2026-02-03T10:15:00.123456+00:00``.

    The books store naive UTC (:func:`ledger.models.base.utcnow`); without the
    offset the text would not be an RFC 3339 ``date-time``, as the OpenAPI
    document says it is.
    """

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def Timestamp(**kwargs) -> fields.DateTime:
    """An answer's moment (posted, closed, occurred), in UTC with an explicit offset."""
    kwargs.setdefault("metadata", {}).setdefault("example", "2026-02-03T10:15:00.123456+00:00")
    return _Timestamp(format="iso", **kwargs)
