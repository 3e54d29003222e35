"""Money: strict parsing of decimal strings (SPEC §1), ISO 4217 exponents, rounding, formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.errors import status_of
from ledger.errors import Invalid
from ledger.money import MAX_MINOR, Money, check_currency, exponent, format_amount, format_money

# -- exponents: ISO 4217 (SIX), not CLDR -------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "digits"),
    [
        ("EUR", 2),
        ("USD", 2),
        ("JPY", 0),
        ("KWD", 3),
        ("BHD", 3),
        # CLDR displays HUF and IDR without decimals; ISO 4217 says 2: the ledger follows ISO.
        ("HUF", 2),
        ("IDR", 2),
        ("ISK", 0),
        ("CLF", 4),
    ],
)
def test_exponent_is_iso_4217(currency, digits):
    assert exponent(currency) == digits


@pytest.mark.parametrize("code", ["ABC", "eur", "EURO", "EU", "", "€", "XAU", "XXX", "XTS", None])
def test_exponent_refuses_unknown_and_unitless_codes(code):
    with pytest.raises(Invalid) as caught:
        exponent(code)
    assert set(caught.value.errors) == {"currency"}
    assert status_of(caught.value) == 422


def test_check_currency_names_the_field():
    assert check_currency("KWD") == "KWD"
    with pytest.raises(Invalid) as caught:
        check_currency("ZZZ", "payment.currency")
    assert set(caught.value.errors) == {"payment.currency"}
    assert "ZZZ" in caught.value.errors["payment.currency"][0]


# -- Money.parse: what is accepted -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1234.50", "EUR", 123450),
        ("1234.5", "EUR", 123450),
        ("1234", "EUR", 123400),
        ("0.01", "EUR", 1),
        ("0", "EUR", 0),
        ("007.10", "EUR", 710),
        ("1234", "JPY", 1234),
        ("1.234", "KWD", 1234),
        ("0.001", "KWD", 1),
        ("1.50", "HUF", 150),
        ("12345.6789", "CLF", 123456789),
    ],
)
def test_parse_accepts_plain_decimals(text, currency, minor):
    money = Money.parse(text, currency)
    assert money == Money(minor, currency)
    assert isinstance(money.minor, int) and not isinstance(money.minor, bool)


def test_parse_negative_only_when_allowed():
    assert Money.parse("-12.30", "EUR", allow_negative=True) == Money(-1230, "EUR")
    with pytest.raises(Invalid) as caught:
        Money.parse("-12.30", "EUR")
    assert caught.value.errors == {"amount.amount": ["must not be negative"]}


def test_parse_zero_only_when_allowed():
    assert Money.parse("0.00", "EUR") == Money(0, "EUR")
    for text in ("0", "0.00", "-0"):
        with pytest.raises(Invalid) as caught:
            Money.parse(text, "EUR", allow_zero=False, allow_negative=True)
        assert list(caught.value.errors) == ["amount.amount"]


def test_parse_largest_amount_and_one_more():
    largest = Money.parse("10000000000000.00", "EUR")
    assert largest.minor == MAX_MINOR
    for text in ("10000000000000.01", "9" * 40, "-10000000000000.01"):
        with pytest.raises(Invalid) as caught:
            Money.parse(text, "EUR", allow_negative=True)
        assert caught.value.errors == {"amount.amount": ["is too large"]}


def test_parse_refuses_absurdly_long_numbers_as_invalid():
    with pytest.raises(Invalid) as caught:
        Money.parse("9" * 5000, "EUR")
    assert list(caught.value.errors) == ["amount.amount"]


# -- Money.parse: what is refused, and the field named -----------------------------------


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("10.555", "EUR"),
        ("0.001", "EUR"),
        ("1.5", "JPY"),
        ("1.0", "JPY"),
        ("1.0000", "KWD"),
        ("1.005", "HUF"),
    ],
)
def test_parse_refuses_more_decimals_than_the_currency_allows(text, currency):
    with pytest.raises(Invalid) as caught:
        Money.parse(text, currency)
    assert list(caught.value.errors) == ["amount.amount"]
    assert f"at most {exponent(currency)} decimal" in caught.value.errors["amount.amount"][0]


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        "1e3",
        "1E3",
        "1e-2",
        "12.5e1",
        "+1.00",
        "--1",
        " 1.00",
        "1.00 ",
        "1.00\n",
        "\t1",
        "1 000.00",
        "1,000.00",
        "1000,00",
        "1_000",
        "",
        ".5",
        "5.",
        "1.2.3",
        "0x10",
        "EUR 1.00",
        "1.00EUR",
        "\u0661\u0662\u0663",  # Arabic-Indic digits
        "\uff11\uff12\uff13",  # full-width digits
        "\u00bd",  # vulgar fraction one half
        "1\u00a0000",  # no-break space as a group separator
    ],
)
def test_parse_refuses_anything_but_a_plain_decimal(text):
    with pytest.raises(Invalid) as caught:
        Money.parse(text, "EUR", allow_negative=True)
    assert list(caught.value.errors) == ["amount.amount"]
    assert status_of(caught.value) == 422


@pytest.mark.parametrize(
    "value", [1.5, 0.1, 10.0, float("nan"), 10, 0, True, None, Decimal("1.00"), b"1.00", ["1"]]
)
def test_parse_refuses_non_strings_including_floats(value):
    with pytest.raises(Invalid) as caught:
        Money.parse(value, "EUR")
    assert list(caught.value.errors) == ["amount.amount"]
    assert "decimal string" in caught.value.errors["amount.amount"][0]


@pytest.mark.parametrize("currency", ["ABC", "eur", "EURO", "", "XAU", "XTS", None, 978, ["EUR"]])
def test_parse_refuses_unknown_currency_naming_the_currency_field(currency):
    with pytest.raises(Invalid) as caught:
        Money.parse("1.00", currency)
    assert list(caught.value.errors) == ["amount.currency"]


def test_parse_names_the_callers_field():
    with pytest.raises(Invalid) as caught:
        Money.parse("1.001", "EUR", field="fee")
    assert list(caught.value.errors) == ["fee.amount"]
    assert caught.value.detail.startswith("fee.amount: ")
    with pytest.raises(Invalid) as caught:
        Money.parse("1.00", "EURO", field="fee")
    assert list(caught.value.errors) == ["fee.currency"]


def test_parse_checks_currency_before_amount():
    # With both wrong, the currency is reported: the amount cannot be judged without it.
    with pytest.raises(Invalid) as caught:
        Money.parse("abc", "ZZZ")
    assert list(caught.value.errors) == ["amount.currency"]


def test_parse_error_message_does_not_echo_unbounded_input():
    with pytest.raises(Invalid) as caught:
        Money.parse("x" * 10_000, "EUR")
    assert len(caught.value.detail) < 200


# -- rounding, strings, round trips -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        # Half-even: ties go to the even neighbour (half-up would give 13, 15, -13, 3, 5, 2).
        ("0.125", "EUR", 12),
        ("0.145", "EUR", 14),
        ("-0.125", "EUR", -12),
        ("2.5", "JPY", 2),
        ("4.5", "JPY", 4),
        ("0.0015", "KWD", 2),
        # Not ties: ordinary rounding.
        ("0.135", "EUR", 14),
        ("0.1251", "EUR", 13),
        ("0.1249", "EUR", 12),
        ("3.5", "JPY", 4),
        ("0.0005", "KWD", 0),
        ("1234.5", "EUR", 123450),
    ],
)
def test_from_decimal_rounds_half_even(value, currency, minor):
    assert Money.from_decimal(Decimal(value), currency) == Money(minor, currency)


def test_from_decimal_is_exact_for_long_values():
    value = Decimal("12345678901234.125000000000000000000001")
    assert Money.from_decimal(value, "EUR").minor == 1234567890123413


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(123450, "EUR"), "1234.50"),
        (Money(5, "EUR"), "0.05"),
        (Money(-5, "EUR"), "-0.05"),
        (Money(0, "EUR"), "0.00"),
        (Money(1234, "JPY"), "1234"),
        (Money(-1234, "JPY"), "-1234"),
        (Money(1, "KWD"), "0.001"),
        (Money(150, "HUF"), "1.50"),
    ],
)
def test_amount_string_and_round_trip(money, text):
    assert money.amount_string() == text
    assert money.as_json() == {"amount": text, "currency": money.currency}
    assert Money.parse(text, money.currency, allow_negative=True) == money
    assert money.to_decimal() == Decimal(text)
    assert str(money) == f"{money.currency} {text}"


# -- formatting for people ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "locale", "text"),
    [
        (Money(123450, "EUR"), "en_GB", "€1,234.50"),
        (Money(123450, "EUR"), "de_DE", "1.234,50\xa0€"),
        (Money(-5, "EUR"), "en_GB", "-€0.05"),
        (Money(123450, "JPY"), "de_DE", "123.450\xa0¥"),
        # ISO decimals even where CLDR shows none: the ledger holds fillér, so shows them.
        (Money(123450, "HUF"), "hu_HU", "1\xa0234,50\xa0Ft"),
        (Money(123450, "HUF"), "en_GB", "HUF1,234.50"),
        (Money(5, "KWD"), "en_GB", "KWD0.005"),
    ],
)
def test_format_money(money, locale, text):
    assert format_money(money, locale) == text


@pytest.mark.parametrize(
    ("money", "locale", "text"),
    [
        (Money(123456789, "KWD"), "en_GB", "123,456.789"),
        (Money(123456789, "KWD"), "de_DE", "123.456,789"),
        (Money(123456789, "JPY"), "fr_FR", "123\u202f456\u202f789"),
        (Money(-100, "EUR"), "en_GB", "-1.00"),
        (Money(150, "HUF"), "de_DE", "1,50"),
    ],
)
def test_format_amount(money, locale, text):
    assert format_amount(money, locale) == text


# -- arithmetic ---------------------------------------------------------------------------


def test_arithmetic_in_one_currency():
    assert Money(150, "EUR") + Money(25, "EUR") == Money(175, "EUR")
    assert Money(150, "EUR") - Money(175, "EUR") == Money(-25, "EUR")
    assert -Money(150, "EUR") == Money(-150, "EUR")
    assert isinstance(Money(1, "EUR") + Money(1, "EUR"), Money)


def test_arithmetic_refuses_mixed_currencies_and_non_money():
    with pytest.raises(ValueError, match="EUR with USD"):
        Money(1, "EUR") + Money(1, "USD")
    with pytest.raises(ValueError, match="EUR with JPY"):
        Money(1, "EUR") - Money(1, "JPY")
    with pytest.raises(TypeError):
        Money(1, "EUR") + 1
    with pytest.raises(TypeError):
        Money(1, "EUR") + (1, "EUR")  # noqa: RUF005 (a tuple is exactly the point)
    with pytest.raises(TypeError):
        Money(1, "EUR") - Decimal("0.01")


def test_ordering_refuses_mixed_currencies():
    with pytest.raises((TypeError, ValueError)):
        _ = Money(100, "JPY") > Money(99, "EUR")


def test_multiplication_is_not_tuple_repetition():
    try:
        result = Money(5, "EUR") * 2
    except TypeError:
        return
    assert result == Money(10, "EUR")
