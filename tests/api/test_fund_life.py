"""The acceptance walk: the whole life of a fund over HTTP, balances as SPEC §4 implies.

Seize, forfeit, sell, release, receive, spend, register awards at home and
abroad, pay (one abroad with a fee and an FX difference), return a payment,
distribute, close a month; then every account balance is what the entries of
SPEC §4 add up to, and ``verify`` passes.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from tests.conftest import DATA, auth


def rate(currency: str, day: str) -> Decimal:
    lines = (DATA / "eurofxref-hist-sample.csv").read_text().splitlines()
    header = lines[0].split(",")
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] == day:
            return Decimal(cells[header.index(currency)])
    raise KeyError(day)


def eur(minor_foreign: int, currency: str, day: str, exponent: int = 2) -> int:
    value = Decimal(minor_foreign).scaleb(-exponent) / rate(currency, day)
    return int((value * 100).quantize(Decimal(1), ROUND_HALF_EVEN))


def money(amount: str, currency: str = "EUR") -> dict:
    return {"amount": amount, "currency": currency}


class Api:
    def __init__(self, client, token):
        self.client, self.headers = client, auth(token)

    def post(self, path, body=None, expect=201, **kwargs):
        if body is not None:
            kwargs["json"] = body
        response = self.client.post(f"/api/v1{path}", headers=self.headers, **kwargs)
        assert response.status_code == expect, (path, response.get_json())
        return response.get_json()

    def get(self, path, expect=200):
        response = self.client.get(f"/api/v1{path}", headers=self.headers)
        assert response.status_code == expect, (path, response.get_json())
        return response.get_json()


def test_life_of_a_fund(client, token_for, runner):
    alice = Api(client, token_for("administrator", "alice"))
    bob = Api(client, token_for("administrator", "bob"))
    court = Api(client, token_for("court", "registry"))
    auditor = Api(client, token_for("auditor", "auditor"))

    with (DATA / "eurofxref-hist-sample.csv").open("rb") as handle:
        imported = alice.post("/fx-rates", data={"file": (handle, "eurofxref-hist.csv")})
    assert imported["added"] > 100

    case = alice.post(
        "/cases",
        {
            "reference": "CR-2026-001",
            "court": "Tribunal de Lisboa",
            "title": "State v. Network",
            "jurisdiction": "PT",
            "opened_on": "2026-01-02",
        },
    )
    cash = alice.post(
        "/assets",
        {
            "case_id": case["id"],
            "kind": "cash",
            "description": "Cash found at the premises",
            "seized_on": "2026-01-05",
            "estimated_value": money("50000.00"),
        },
    )
    car = alice.post(
        "/assets",
        {
            "case_id": case["id"],
            "kind": "vehicle",
            "description": "Car",
            "seized_on": "2026-01-05",
            "estimated_value": money("20000.00"),
        },
    )
    dollars = alice.post(
        "/assets",
        {
            "case_id": case["id"],
            "kind": "cash",
            "description": "US dollars",
            "seized_on": "2026-01-05",
            "estimated_value": money("10000.00", "USD"),
        },
    )
    alice.post(
        "/receipts",
        {
            "kind": "escrow_interest",
            "received_on": "2026-01-30",
            "amount": money("100.00"),
            "counterparty": "Escrow bank",
            "asset_id": cash["id"],
        },
    )
    alice.post(
        "/receipts",
        {
            "kind": "donation",
            "received_on": "2026-01-06",
            "amount": money("5000.00"),
            "counterparty": "Foundation",
        },
    )

    forfeited = alice.post(
        f"/assets/{cash['id']}/forfeit",
        {"order_reference": "F-1", "forfeited_on": "2026-02-02"},
        expect=200,
    )
    assert forfeited["state"] == "forfeited"
    alice.post(
        f"/assets/{car['id']}/forfeit",
        {"order_reference": "F-2", "forfeited_on": "2026-02-02", "value": money("18000.00")},
        expect=200,
    )
    sold = alice.post(
        f"/assets/{car['id']}/liquidate",
        {"sold_on": "2026-02-03", "proceeds": money("19500.00"), "selling_costs": money("500.00")},
        expect=200,
    )
    assert sold["state"] == "liquidated"
    alice.post(
        f"/assets/{dollars['id']}/release",
        {"released_on": "2026-02-03", "reason": "Acquitted owner"},
        expect=200,
    )
    alice.post(
        f"/assets/{car['id']}/forfeit",
        {"order_reference": "F-3", "forfeited_on": "2026-02-03", "value": money("1.00")},
        expect=409,
    )
    alice.post(
        "/expenses",
        {
            "kind": "custody",
            "paid_on": "2026-02-03",
            "amount": money("300.00"),
            "counterparty": "Garage",
            "asset_id": car["id"],
        },
    )

    domestic = court.post(
        "/victims",
        {
            "full_name": "Ana Silva",
            "country_of_residence": "PT",
            "payment": {
                "method": "bank_transfer",
                "currency": "EUR",
                "iban": "PT50000201231234567890154",
                "bic": "CGDIPTPL",
            },
        },
    )
    abroad = alice.post(
        "/victims",
        {
            "full_name": "Somchai K.",
            "country_of_residence": "TH",
            "returned_home": True,
            "date_of_birth": "1990-04-01",
            "payment": {
                "method": "bank_transfer",
                "currency": "THB",
                "account_number": "123-4-56789-0",
                "bic": "BKKBTHBK",
                "bank_country": "TH",
            },
        },
    )
    usd = alice.post(
        "/victims",
        {
            "full_name": "Maria R.",
            "country_of_residence": "US",
            "returned_home": True,
            "payment": {
                "method": "intermediary",
                "currency": "USD",
                "intermediary": "Partner NGO",
                "reference": "P-77",
            },
        },
    )
    assert domestic["code"].startswith("V-") and "personal_data" not in domestic

    award_eur = court.post(
        "/awards",
        {
            "case_id": case["id"],
            "victim_id": domestic["id"],
            "order_reference": "A-1",
            "ordered_on": "2026-02-02",
            "amount": money("20000.00"),
        },
    )
    award_thb = alice.post(
        "/awards",
        {
            "case_id": case["id"],
            "victim_id": abroad["id"],
            "order_reference": "A-2",
            "ordered_on": "2026-02-02",
            "amount": money("400000.00", "THB"),
        },
    )
    award_usd = alice.post(
        "/awards",
        {
            "case_id": case["id"],
            "victim_id": usd["id"],
            "order_reference": "A-3",
            "ordered_on": "2026-02-02",
            "amount": money("15000.00", "USD"),
        },
    )
    court.post(
        "/awards",
        {
            "case_id": case["id"],
            "victim_id": domestic["id"],
            "order_reference": "A-1",
            "ordered_on": "2026-02-02",
            "amount": money("1.00"),
        },
        expect=409,
    )
    thb_carrying = eur(40000000, "THB", "2026-02-02")
    usd_carrying = eur(1500000, "USD", "2026-02-02")
    assert award_thb["functional_value"] == money(f"{thb_carrying / 100:.2f}")

    def pay(award, amount, debited, fee, paid_on="2026-02-03"):
        proposal = alice.post(
            "/disbursements", {"award_id": award["id"], "amount": amount, "method": "bank_transfer"}
        )
        alice.post(f"/disbursements/{proposal['id']}/approve", expect=403)
        bob.post(f"/disbursements/{proposal['id']}/approve", expect=200)
        return alice.post(
            f"/disbursements/{proposal['id']}/execute",
            {
                "paid_on": paid_on,
                "bank_reference": f"REF-{proposal['id']}",
                "debited": money(debited),
                "fee": money(fee),
            },
            expect=200,
        )

    pay(award_eur, money("10000.00"), "10000.00", "0.00")
    # Half of the THB award, abroad: the bank debits EUR 5,400.00 and charges EUR 15.00.
    paid_thb = pay(award_thb, money("200000.00", "THB"), "5400.00", "15.00")
    assert paid_thb["status"] == "paid"
    thb_relief = (thb_carrying * 200000 + 0) // 400000  # exactly half: no rounding
    returned = pay(award_usd, money("5000.00", "USD"), "4300.00", "10.00")
    alice.post(
        f"/disbursements/{returned['id']}/return",
        {"returned_on": "2026-02-03", "reason": "Account closed"},
        expect=200,
    )
    assert alice.get(f"/awards/{award_usd['id']}")["outstanding"] == money("15000.00", "USD")
    assert alice.get(f"/awards/{award_usd['id']}")["returned_payments"] == 1

    # Pro rata of EUR 1,000.00 over what is still owed (EUR 10,000 + THB half + USD all).
    round_ = alice.post("/distributions", {"amount": money("1000.00")})
    assert len(round_["lines"]) == 3
    alice.post("/periods/2026-01/close", expect=201)
    alice.post(
        "/receipts",
        {
            "kind": "donation",
            "received_on": "2026-01-31",
            "amount": money("1.00"),
            "counterparty": "Late",
        },
        expect=409,
    )

    balances = {a["code"]: a["balance"] for a in auditor.get("/accounts")["items"]}
    usd_seized = eur(1000000, "USD", "2026-01-05")
    expected = {
        # 5,000 donation + 50,100 forfeited escrow + 19,000 net sale - 300 custody
        # - 10,000 EUR award - 5,400 - 15 THB payment (the USD one came back but for its fee)
        "1000": 500000 + 5010000 + 1900000 - 30000 - 1000000 - 540000 - 1500 - 1000,
        "1010": 0,
        "1100": 0,
        "2000": 1000000 + (thb_carrying - thb_relief) + usd_carrying,
        "2100": 0,
        "4000": 5010000 + 1800000,
        "4100": 100000,
        "4200": 500000,
        "5000": 2000000 + thb_carrying + usd_carrying,
        "5200": 30000,
        "5300": 1500 + 1000,
    }
    fx = 540000 - thb_relief
    expected["5400" if fx > 0 else "4400"] = abs(fx)
    for code, minor in expected.items():
        assert balances[code] == money(f"{minor / 100:.2f}"), code
    assert usd_seized > 0

    tb = auditor.get("/audit/verify")
    assert tb["ok"], tb["problems"]
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
