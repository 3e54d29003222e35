"""The FX rate table: ECB import, corrections, the rate of a day, conversion to functional."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.errors import status_of
from ledger.errors import Invalid, NoRate
from ledger.fx import Rate, import_ecb_csv, import_rates, parse_ecb_csv, rate_on, to_functional
from ledger.models import Fund, FxRate
from ledger.money import Money
from tests.conftest import OPERATOR

DATA = Path(__file__).resolve().parents[1] / "data"
HIST = (DATA / "eurofxref-hist-sample.csv").read_text(encoding="utf-8")
DAILY = (DATA / "eurofxref-2026-10-30.csv").read_text(encoding="utf-8")
#: 13 days x 29 currencies; the one BGN rate is dropped (BGN has left ISO 4217's active list).
HIST_USABLE = 13 * 29


def count_rates(session) -> int:
    return session.scalar(select(func.count()).select_from(FxRate))


def only(text: str, *codes: str) -> list[Rate]:
    """The rates of a few currencies from an ECB file (storing all 377 is slow on PostgreSQL)."""
    return [rate for rate in parse_ecb_csv(text) if rate.currency in codes]


def test_import_the_historical_file_then_again(db):
    assert import_ecb_csv(db, OPERATOR, HIST, "eurofxref-hist.csv") == (HIST_USABLE, 0)
    db.commit()
    assert count_rates(db) == HIST_USABLE
    stored = db.scalar(
        select(FxRate).where(FxRate.currency == "USD", FxRate.date == date(2026, 1, 2))
    )
    assert stored.rate == Decimal("1.1721") and isinstance(stored.rate, Decimal)
    assert stored.source == "eurofxref-hist.csv"
    assert db.scalar(select(func.count()).where(FxRate.currency == "BGN")) == 0
    # Again: nothing new, nothing changed.
    assert import_ecb_csv(db, OPERATOR, HIST, "hist again") == (0, 0)
    # The daily file of 2026-10-30 says "0.83380" where the history says "0.8338": the same.
    assert import_ecb_csv(db, OPERATOR, DAILY, "daily") == (0, 0)
    db.commit()
    assert count_rates(db) == HIST_USABLE


def test_store_rates_adds_and_corrects(db):
    day = date(2026, 1, 2)
    rates = [Rate("USD", day, Decimal("1.1712")), Rate("JPY", day, Decimal("183.94"))]
    assert import_rates(db, OPERATOR, rates, "typed in") == (2, 0)
    db.commit()
    # A mistyped USD rate is corrected; JPY unchanged; CHF new.
    fixed = [
        Rate("USD", day, Decimal("1.1721")),
        Rate("JPY", day, Decimal("183.940")),
        Rate("CHF", day, Decimal("0.9293")),
    ]
    assert import_rates(db, OPERATOR, fixed, "ECB") == (1, 1)
    db.commit()
    db.expire_all()
    assert rate_on(db, "USD", day).rate == Decimal("1.1721")
    usd = db.scalar(select(FxRate).where(FxRate.currency == "USD"))
    assert usd.source == "ECB"
    assert count_rates(db) == 3
    # The same (currency, day) twice in one batch: added, then corrected.
    later = date(2026, 1, 5)
    twins = [Rate("USD", later, Decimal("1.17")), Rate("USD", later, Decimal("1.1664"))]
    assert import_rates(db, OPERATOR, twins, "x") == (1, 1)
    db.commit()
    assert rate_on(db, "USD", later).rate == Decimal("1.1664")
    with pytest.raises(Invalid) as caught:
        import_rates(db, OPERATOR, [Rate("ZZZ", day, Decimal("1"))], "x")
    assert list(caught.value.errors) == ["rates.0.currency"]
    with pytest.raises(Invalid) as caught:  # the fund's own currency has no rate
        import_rates(
            db, OPERATOR, [Rate("CHF", day, Decimal("1")), Rate("EUR", day, Decimal("1"))], "x"
        )
    assert list(caught.value.errors) == ["rates.1.currency"]


RATE_ON = [
    # (asked for, the rate's day, rate)
    (date(2026, 1, 2), date(2026, 1, 2), "1.1721"),
    (date(2026, 1, 3), date(2026, 1, 2), "1.1721"),  # Saturday
    (date(2026, 1, 4), date(2026, 1, 2), "1.1721"),  # Sunday
    (date(2026, 1, 1), date(2025, 12, 31), "1.175"),  # New Year's Day: TARGET holiday
    (date(2026, 1, 5), date(2026, 1, 5), "1.1664"),
    (date(2026, 1, 31), date(2026, 1, 9), "1.1642"),  # a gap in the sample file
    (date(2026, 4, 3), date(2026, 3, 31), "1.1498"),  # Good Friday 2026
    (date(2027, 6, 1), date(2026, 10, 30), "1.1172"),
]


def test_rate_on_takes_the_latest_on_or_before_or_names_what_is_missing(db):
    import_rates(db, OPERATOR, only(HIST, "USD", "JPY"), "hist")
    db.commit()
    found = [(day, rate_on(db, "USD", day)) for day, _, _ in RATE_ON]
    assert found == [(day, Rate("USD", on, Decimal(rate))) for day, on, rate in RATE_ON]
    # Before the first rate: NoRate, naming currency and date.
    with pytest.raises(NoRate) as caught:
        rate_on(db, "USD", date(2025, 12, 30))
    error = caught.value
    assert status_of(error) == 422
    assert list(error.errors) == ["currency"]
    assert "USD" in error.errors["currency"][0] and "2025-12-30" in error.errors["currency"][0]
    assert "USD" in error.detail and "2025-12-30" in error.detail
    with pytest.raises(NoRate) as caught:
        to_functional(db, Money(100, "KWD"), date(2026, 10, 30), "EUR")
    # named as the request field the amount came from
    assert "KWD" in caught.value.errors["amount.currency"][0]


def test_to_functional_with_real_rates_rounds_half_even(db):
    import_rates(db, OPERATOR, only(HIST, "USD", "JPY") + only(DAILY, "THB"), "ecb")
    db.commit()
    # USD 1,000.00 on Saturday 2026-01-03 at Friday's 1.1721 = EUR 853.1695… -> 853.17
    assert to_functional(db, Money(100000, "USD"), date(2026, 1, 3), "EUR") == 85317
    # JPY 10,000 on 2026-01-02 at 183.94 = EUR 54.3655… -> 54.37
    assert to_functional(db, Money(10000, "JPY"), date(2026, 1, 2), "EUR") == 5437
    # THB 1,000.00 on 2026-10-30 at 37.683 = EUR 26.5371… -> 26.54
    assert to_functional(db, Money(100000, "THB"), date(2026, 10, 30), "EUR") == 2654
    # A functional amount needs no rate at all.
    assert to_functional(db, Money(123, "EUR"), date(1999, 1, 1), "EUR") == 123
    # Half-even to the cent:
    # JPY 549 at the real 175.68 of 2026-10-30 = EUR 3.125 exactly: half-even 3.12, half-up 3.13.
    assert to_functional(db, Money(549, "JPY"), date(2026, 10, 30), "EUR") == 312
    # JPY 1,647 = 3 x 549 = EUR 9.375: half-even 9.38 (the even neighbour is up this time).
    assert to_functional(db, Money(1647, "JPY"), date(2026, 10, 30), "EUR") == 938


def test_import_rebased_to_a_non_eur_functional_currency(db):
    # The real file cut to three currencies (the import of all 377 rates is slow on PostgreSQL).
    rows = [line.split(",") for line in HIST.splitlines()]
    keep = [rows[0].index(code) for code in ("Date", "USD", "JPY", "GBP")]
    text = "\n".join(",".join(row[i] for i in keep) + "," for row in rows) + "\n"
    # 13 days x (EUR, JPY, GBP): USD, the functional currency, gets no rate; the euro gets one.
    db.get(Fund, 1).functional_currency = "USD"  # a fund kept in USD
    assert import_ecb_csv(db, OPERATOR, text, "hist") == (13 * 3, 0)
    db.commit()
    assert db.scalar(select(func.count()).where(FxRate.currency == "USD")) == 0
    assert rate_on(db, "EUR", date(2026, 1, 2)).rate == Decimal("0.8531695248")
    assert rate_on(db, "JPY", date(2026, 1, 3)).rate == Decimal("156.9320024")
    assert rate_on(db, "GBP", date(2026, 1, 2)).rate == Decimal("0.7438785087")
    # EUR 1,000.00 on 2026-01-02 = USD 1,172.10 exactly (the ECB rate, back again).
    assert to_functional(db, Money(100000, "EUR"), date(2026, 1, 2), "USD") == 117210


def test_import_refuses_a_bad_file_and_stores_nothing(db):
    bad = HIST.replace("2026-01-05,1.1664", "2026-01-05,1.16x4")
    with pytest.raises(Invalid) as caught:
        import_ecb_csv(db, OPERATOR, bad, "bad")
    assert "USD" in caught.value.errors["file"][0]
    db.commit()
    assert count_rates(db) == 0
