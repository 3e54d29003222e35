"""ECB CSV parsing, rebasing and conversion, on the real ECB files in tests/data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.errors import Invalid
from ledger.fx import Rate, convert, parse_ecb_csv, parse_rate, rebase
from ledger.money import Money

DATA = Path(__file__).resolve().parents[1] / "data"
HIST = (DATA / "eurofxref-hist-sample.csv").read_text(encoding="utf-8")
DAILY = (DATA / "eurofxref-2026-10-30.csv").read_text(encoding="utf-8")


def table(rates: list[Rate]) -> dict[tuple[str, date], Decimal]:
    out = {}
    for rate in rates:
        assert (rate.currency, rate.date) not in out, f"duplicate {rate}"
        out[rate.currency, rate.date] = rate.rate
    return out


# -- the historical file: Date,USD,…  N/A cells, trailing comma --------------------------


def test_historical_file_real_values():
    rates = table(parse_ecb_csv(HIST))
    assert rates["USD", date(2026, 1, 2)] == Decimal("1.1721")
    assert rates["JPY", date(2026, 1, 2)] == Decimal("183.94")
    assert rates["GBP", date(2026, 1, 2)] == Decimal("0.8719")
    assert rates["USD", date(2025, 12, 31)] == Decimal("1.175")
    assert rates["JPY", date(2026, 10, 30)] == Decimal("175.68")
    assert rates["THB", date(2026, 10, 30)] == Decimal("37.683")
    assert rates["IDR", date(2026, 10, 30)] == Decimal("20275.17")
    # The value is kept exactly as published, not normalised.
    assert str(rates["USD", date(2026, 1, 2)]) == "1.1721"


def test_historical_file_skips_na_cells_and_keeps_the_rest():
    rates = table(parse_ecb_csv(HIST))
    days = {day for _, day in rates}
    assert days == {
        date(2025, 12, 31),
        date(2026, 1, 2),
        *(date(2026, 1, d) for d in range(5, 10)),
        date(2026, 2, 2),
        date(2026, 2, 3),
        date(2026, 3, 30),
        date(2026, 3, 31),
        date(2026, 10, 29),
        date(2026, 10, 30),
    }
    # Discontinued currencies are N/A on every row: no rate at all.
    codes = {code for code, _ in rates}
    assert not codes & {"CYP", "EEK", "LTL", "LVL", "MTL", "ROL", "SIT", "SKK", "HRK", "TRL", "RUB"}
    # BGN is published on 2025-12-31 only (the lev was replaced by the euro in 2026).
    assert [day for code, day in rates if code == "BGN"] == [date(2025, 12, 31)]
    # 13 days x 29 currencies, plus that one BGN rate.
    assert len(rates) == 13 * 29 + 1
    assert all(rate > 0 for rate in rates.values())
    assert all(isinstance(rate, Decimal) for rate in rates.values())


# -- the daily file: spaces after commas, "30 October 2026" --------------------------------


def test_daily_file_real_values():
    rates = table(parse_ecb_csv(DAILY))
    assert {day for _, day in rates} == {date(2026, 10, 30)}
    assert len(rates) == 29
    assert rates["THB", date(2026, 10, 30)] == Decimal("37.683")
    assert rates["USD", date(2026, 10, 30)] == Decimal("1.1172")
    assert str(rates["GBP", date(2026, 10, 30)]) == "0.83380"


def test_daily_and_historical_files_agree_on_their_common_day():
    daily = table(parse_ecb_csv(DAILY))
    hist = table(parse_ecb_csv(HIST))
    for key, rate in daily.items():
        assert hist[key] == rate, key


def test_byte_order_mark_and_crlf_are_tolerated():
    text = "\ufeffDate,USD,JPY,\r\n2026-01-02,1.1721,183.94,\r\n"
    assert parse_ecb_csv(text) == [
        Rate("USD", date(2026, 1, 2), Decimal("1.1721")),
        Rate("JPY", date(2026, 1, 2), Decimal("183.94")),
    ]


# -- the ECB Data Portal's SDMX CSV ----------------------------------------------------------

SDMX = """\
KEY,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE,OBS_STATUS,TITLE
EXR.D.USD.EUR.SP00.A,D,USD,EUR,SP00,A,2026-01-02,1.1721,A,"US dollar/Euro, daily"
EXR.D.USD.EUR.SP00.A,D,USD,EUR,SP00,A,2026-01-05,1.1664,A,"US dollar/Euro, daily"
EXR.D.JPY.EUR.SP00.A,D,JPY,EUR,SP00,A,2026-01-02,183.94,A,"Japanese yen/Euro, daily"
EXR.D.GBP.EUR.SP00.A,D,GBP,EUR,SP00,A,2026-01-02,,M,"UK pound sterling/Euro, daily"
EXR.D.GBP.EUR.SP00.A,D,GBP,EUR,SP00,A,2026-01-05,NaN,M,"UK pound sterling/Euro, daily"
EXR.D.EUR.USD.SP00.A,D,EUR,USD,SP00,A,2026-01-02,0.8532,A,"Euro/US dollar, daily"
"""


def test_sdmx_layout():
    assert parse_ecb_csv(SDMX) == [
        Rate("USD", date(2026, 1, 2), Decimal("1.1721")),
        Rate("USD", date(2026, 1, 5), Decimal("1.1664")),
        Rate("JPY", date(2026, 1, 2), Decimal("183.94")),
    ]


def test_sdmx_bad_value_names_line_and_currency():
    text = SDMX.replace("2026-01-05,1.1664", "2026-01-05,1.16x4")
    with pytest.raises(Invalid) as caught:
        parse_ecb_csv(text)
    message = caught.value.errors["file"][0]
    assert "line 3" in message and "USD" in message


def test_sdmx_truncated_row_is_invalid():
    text = SDMX + "EXR.D.CHF.EUR.SP00.A,D,CHF\n"
    with pytest.raises(Invalid) as caught:
        parse_ecb_csv(text)
    assert "line 8" in caught.value.errors["file"][0]


# -- malformed files: refused, naming line and column ---------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Date,USD,JPY,\n2026-01-02,1.1721,abc,\n", ["line 2", "JPY"]),
        ("Date,USD,JPY,\n2026-01-02,1.1721,183.94,\n2026-01-05,-1.17,1,\n", ["line 3", "USD"]),
        ("Date,USD,\n2026-01-02,0,\n", ["line 2", "USD"]),
        ("Date,USD,\n2026-01-02,1e3,\n", ["line 2", "USD"]),
        ("Date,USD,\n2026-01-02,NaN,\n", ["line 2", "USD"]),
        ("Date,USD,\n2026-01-02,Infinity,\n", ["line 2", "USD"]),
        ("Date,USD,\n2026-01-02,1.17.2,\n", ["line 2", "USD"]),
        ("Date,USD,\n2026-13-02,1.17,\n", ["line 2", "2026-13-02"]),
        ("Date,USD,\n02/01/2026,1.17,\n", ["line 2"]),
        ("Date,USD,\n,1.17,\n", ["line 2"]),
        ("Date,USD,usd,\n2026-01-02,1.17,1.17,\n", ["column 3", "usd"]),
        ("Date,US Dollar,\n2026-01-02,1.17,\n", ["column 2"]),
    ],
)
def test_malformed_file_names_line_and_column(text, where):
    with pytest.raises(Invalid) as caught:
        parse_ecb_csv(text)
    assert list(caught.value.errors) == ["file"]
    message = caught.value.errors["file"][0]
    for part in where:
        assert part in message, message


@pytest.mark.parametrize("text", ["", "\n\n", " , ,\n", "Currency,Rate\nUSD,1.17\n", "hello"])
def test_not_an_ecb_file(text):
    with pytest.raises(Invalid) as caught:
        parse_ecb_csv(text)
    assert list(caught.value.errors) == ["file"]


def test_line_numbers_count_blank_lines():
    text = "Date,USD,\n2026-01-02,1.1721,\n\n2026-01-05,abc,\n"
    with pytest.raises(Invalid) as caught:
        parse_ecb_csv(text)
    assert "line 4" in caught.value.errors["file"][0]


def test_row_longer_than_header_is_refused():
    with pytest.raises(Invalid) as caught:
        parse_ecb_csv("Date,USD\n2026-01-02,1.1721,183.94\n")
    assert "line 2" in caught.value.errors["file"][0]


# -- rates as strings ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1.0812", "183.94", "20275.17", "1", "0.000001"])
def test_parse_rate_accepts_positive_decimals(text):
    assert parse_rate(text) == Decimal(text)


@pytest.mark.parametrize(
    "text", ["0", "0.0000", "-1.08", "1e2", "NaN", "Infinity", "", " 1.08", ".5", "1,08", "1" * 31]
)
def test_parse_rate_refuses(text):
    with pytest.raises(Invalid) as caught:
        parse_rate(text, "usd_rate")
    assert list(caught.value.errors) == ["usd_rate"]


@pytest.mark.parametrize("value", [1.0812, 1, Decimal("1.0812"), None])
def test_parse_rate_refuses_non_strings(value):
    with pytest.raises(Invalid):
        parse_rate(value)


# -- rebase to a non-EUR functional currency -----------------------------------------------------


def test_rebase_to_eur_is_identity_minus_eur():
    rates = parse_ecb_csv(HIST)
    assert rebase(rates, "EUR") == rates
    assert rebase([*rates[:3], Rate("EUR", date(2026, 1, 2), Decimal(1))], "EUR") == rates[:3]


def test_rebase_to_usd_with_real_rates():
    rates = table(rebase(parse_ecb_csv(HIST), "USD"))
    day = date(2026, 1, 2)
    # 1 USD = 1/1.1721 EUR; JPY per USD = 183.94 / 1.1721, to 10 significant digits.
    assert rates["EUR", day] == Decimal("0.8531695248")
    assert rates["JPY", day] == Decimal("156.9320024")
    assert rates["GBP", day] == Decimal("0.7438785087")
    assert ("USD", day) not in rates
    # Every day with a USD rate gets a EUR rate and all other currencies of that day.
    assert {d for c, d in rates if c == "EUR"} == {d for _, d in table(parse_ecb_csv(HIST))}
    assert rates["THB", date(2026, 10, 30)] == Decimal("33.72986037")


def test_rebase_drops_days_without_the_functional_currency():
    rates = [
        Rate("USD", date(2026, 1, 2), Decimal("1.1721")),
        Rate("JPY", date(2026, 1, 2), Decimal("183.94")),
        Rate("JPY", date(2026, 1, 5), Decimal("182.93")),  # no USD that day
    ]
    out = rebase(rates, "USD")
    assert {(r.currency, r.date) for r in out} == {
        ("EUR", date(2026, 1, 2)),
        ("JPY", date(2026, 1, 2)),
    }


# -- conversion: divide by the rate, round half-even ---------------------------------------------


def test_convert_with_a_real_rate():
    # USD 1,000.00 at 1.1721 = EUR 853.1695248… -> 853.17
    assert convert(Money(100000, "USD"), Decimal("1.1721"), "EUR") == Money(85317, "EUR")
    # JPY 10,000 at 183.94 = EUR 54.36555… -> 54.37
    assert convert(Money(10000, "JPY"), Decimal("183.94"), "EUR") == Money(5437, "EUR")
    # A credit converts to the mirror image of the debit.
    assert convert(Money(-100000, "USD"), Decimal("1.1721"), "EUR") == Money(-85317, "EUR")


def test_convert_rounds_half_even_where_half_up_differs():
    # JPY 549 / 175.68 (the real rate of 2026-10-30) = EUR 3.125 exactly: half-even 3.12.
    assert convert(Money(549, "JPY"), Decimal("175.68"), "EUR") == Money(312, "EUR")
    # USD 1.25 / 2 = 0.625 -> 0.62; USD 1.35 / 2 = 0.675 -> 0.68; symmetric for credits.
    assert convert(Money(125, "USD"), Decimal("2"), "EUR") == Money(62, "EUR")
    assert convert(Money(135, "USD"), Decimal("2"), "EUR") == Money(68, "EUR")
    assert convert(Money(-125, "USD"), Decimal("2"), "EUR") == Money(-62, "EUR")
    # Into a 0-decimal functional currency: EUR 0.05 at 0.02 EUR per yen = 2.5 yen -> 2.
    assert convert(Money(5, "EUR"), Decimal("0.02"), "JPY") == Money(2, "JPY")


def test_convert_refuses_a_zero_rate():
    with pytest.raises(Invalid) as caught:
        convert(Money(100, "USD"), Decimal(0), "EUR")
    assert list(caught.value.errors) == ["rate"]
