"""A small fund built over HTTP, holding a record of every kind, for the API tests.

:func:`build_fund` opens a case, seizes and forfeits cash (so the fund has
money), seizes a car, registers three victims (IBAN, account number abroad,
intermediary), has a court and an administrator register awards, proposes one
payment and has another proposal approved, runs a distribution round, records
a receipt and an expense, a manual journal entry, and imports the real ECB
rates of ``tests/data``. The returned :class:`Fund` carries every id, a
:class:`Caller` per user, and the victims' personal data (:data:`PII`) so
that tests can look for it where it must never appear.

:data:`POSTS` is a catalogue of every POST endpoint: for a fund and a role, a
request that succeeds (2xx) when that role may make it, preparing on the way
whatever the request acts on (a proposal to approve, an entry to reverse…).
"""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.models import Base, JournalHead, User
from ledger.users import create_token
from tests.conftest import DATA, OPERATOR, PASSWORD, auth

API = "/api/v1"
ADMIN, COURT, AUDITOR = "administrator", "court", "auditor"
ROLES = (ADMIN, COURT, AUDITOR)


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


# The victims' personal data: distinctive strings that must only ever reach an administrator.
VICTIMS: dict[str, dict[str, Any]] = {
    "iban": {
        "full_name": "Ana Quintela Bettencourt",
        "date_of_birth": "1987-03-14",
        "contact": "ana.quintela@example.org, +351 912 345 678",
        "country_of_residence": "PT",
        "returned_home": False,
        "payment": {
            "method": "bank_transfer",
            "currency": "EUR",
            "iban": "PT50000201231234567890154",
            "bic": "CGDIPTPL",
        },
    },
    "abroad": {
        "full_name": "Somchai Kittikachorn-Wongsa",
        "date_of_birth": "1979-11-02",
        "contact": "Moo 7, Ban Nong Khai, +66 81 234 5678",
        "country_of_residence": "TH",
        "returned_home": True,
        "payment": {
            "method": "bank_transfer",
            "currency": "THB",
            "account_number": "987-6-54321-0",
            "bic": "BKKBTHBK",
            "bank_country": "TH",
        },
    },
    "ngo": {
        "full_name": "Maria Rosalind Ekwueme",
        "date_of_birth": "1995-07-23",
        "contact": "c/o Lighthouse Partners, Lagos",
        "country_of_residence": "NG",
        "returned_home": True,
        "payment": {
            "method": "intermediary",
            "currency": "USD",
            "intermediary": "Lighthouse Partners Foundation",
            "reference": "LHP-CASEFILE-40417",
        },
    },
}

#: Every piece of personal data above, as it could appear in a response or a log.
PII: tuple[str, ...] = (
    "Ana Quintela Bettencourt",
    "Quintela",
    "1987-03-14",
    "ana.quintela@example.org",
    "912 345 678",
    "PT50000201231234567890154",
    "PT50 0002 0123 1234 5678 9015 4",
    "CGDIPTPL",
    "Somchai Kittikachorn-Wongsa",
    "Kittikachorn",
    "1979-11-02",
    "Ban Nong Khai",
    "81 234 5678",
    "987-6-54321-0",
    "BKKBTHBK",
    "Maria Rosalind Ekwueme",
    "Ekwueme",
    "1995-07-23",
    "Lighthouse Partners",
    "LHP-CASEFILE-40417",
)


class Caller:
    """One user of the API: ``post``/``get`` assert the status and return the JSON."""

    def __init__(self, client, token: str | None, name: str, role: str | None):
        self.client, self.token, self.name, self.role = client, token, name, role
        self.headers = auth(token) if token else {}

    def request(self, method: str, path: str, headers: dict | None = None, **kwargs):
        return self.client.open(
            API + path, method=method, headers={**self.headers, **(headers or {})}, **kwargs
        )

    def post(self, path: str, body: Any = None, expect: int = 201, **kwargs) -> Any:
        if body is not None:
            kwargs["json"] = body
        response = self.request("POST", path, **kwargs)
        assert response.status_code == expect, (path, response.status_code, response.get_json())
        return response.get_json()

    def get(self, path: str, expect: int = 200, **kwargs) -> Any:
        response = self.request("GET", path, **kwargs)
        assert response.status_code == expect, (path, response.status_code, response.get_json())
        return response.get_json()


_unique = itertools.count(1)


def unique(prefix: str) -> str:
    """A reference no other request of the test run has used."""
    return f"{prefix}-{next(_unique):05d}"


@dataclass
class Fund:
    client: Any
    alice: Caller  # administrator: proposes, and acts for the administrator role
    bob: Caller  # a second administrator: the other pair of eyes
    court: Caller
    auditor: Caller
    case_id: int = 0
    cash_asset_id: int = 0  # cash, seized then forfeited: the fund's money
    asset_id: int = 0  # a car, seized
    victim_id: int = 0  # IBAN; registered by the court
    victim_abroad_id: int = 0  # account number + BIC in Thailand
    victim_ngo_id: int = 0  # paid through an intermediary, in USD
    victim_codes: dict[int, str] = field(default_factory=dict)
    award_id: int = 0  # EUR 20,000, registered by the court
    award_usd_id: int = 0  # USD 15,000, registered by an administrator
    proposed_id: int = 0  # a proposed payment of award_id (by alice)
    approved_id: int = 0  # an approved payment of award_id (alice proposed, bob approved)
    distribution_id: int = 0
    receipt_id: int = 0
    expense_id: int = 0
    entry_number: int = 0  # a manual adjustment (reversible over the API)

    def caller(self, role: str) -> Caller:
        return {ADMIN: self.alice, COURT: self.court, AUDITOR: self.auditor}[role]

    @property
    def callers(self) -> tuple[Caller, ...]:
        return (self.alice, self.bob, self.court, self.auditor)


@functools.cache
def _password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def fast_tokens(session_factory: sessionmaker[Session]) -> Callable[[str, str], str]:
    """Like conftest's ``token_for(role, name)``, but hashing the shared password only once.

    argon2 costs tenths of a second per user on a busy machine; every user of
    these tests has the same password, so they can share its hash.
    """

    def make(role: str, name: str) -> str:
        with session_factory.begin() as session:
            session.add(User(name=name, role=role, password_hash=_password_hash()))
            session.flush()
            return create_token(session, OPERATOR, name)

    return make


def make_callers(client, tokens) -> tuple[Caller, Caller, Caller, Caller]:
    users = (("alice", ADMIN), ("bob", ADMIN), ("registry", COURT), ("inspector", AUDITOR))
    return tuple(Caller(client, tokens(role, name), name, role) for name, role in users)


def ecb_rates(currencies=("USD", "THB")) -> list[dict[str, str]]:
    """Real ECB reference rates from ``tests/data/eurofxref-hist-sample.csv`` (see SOURCE.md)."""
    lines = (DATA / "eurofxref-hist-sample.csv").read_text().splitlines()
    header = lines[0].split(",")
    rates = []
    for line in lines[1:]:
        cells = line.split(",")
        for currency in currencies:
            value = cells[header.index(currency)]
            if value != "N/A":
                rates.append({"currency": currency, "date": cells[0], "rate": value})
    return rates


def build_fund(client, tokens: Callable[[str, str], str]) -> Fund:
    """The fund described in the module docstring; about 25 requests and four users.

    ``tokens(role, name)`` makes a user and returns its bearer token: conftest's
    ``token_for``, or :func:`fast_tokens`.
    """
    f = Fund(client, *make_callers(client, tokens))
    alice, bob, court = f.alice, f.bob, f.court

    alice.post("/fx-rates", {"rates": ecb_rates()})

    f.case_id = alice.post(
        "/cases",
        {
            "reference": "CR-2026-001",
            "court": "Tribunal Judicial da Comarca de Lisboa",
            "title": "Public Prosecutor v. Network",
            "jurisdiction": "PT",
            "opened_on": "2026-01-02",
        },
    )["id"]
    f.cash_asset_id = seize(alice, f.case_id, "cash", money("60000.00"), "2026-01-05")
    alice.post(
        f"/assets/{f.cash_asset_id}/forfeit",
        {"order_reference": "F-2026-1", "forfeited_on": "2026-02-02"},
        expect=200,
    )
    f.asset_id = seize(alice, f.case_id, "vehicle", money("20000.00"), "2026-01-05")

    f.victim_id = court.post("/victims", VICTIMS["iban"])["id"]
    f.victim_abroad_id = alice.post("/victims", VICTIMS["abroad"])["id"]
    f.victim_ngo_id = alice.post("/victims", VICTIMS["ngo"])["id"]
    f.victim_codes = {
        v["id"]: v["code"] for v in alice.get("/victims", query_string={"per_page": 500})["items"]
    }

    f.award_id = register_award(court, f.case_id, f.victim_id, money("20000.00"))
    f.award_usd_id = register_award(alice, f.case_id, f.victim_ngo_id, money("15000.00", "USD"))

    f.distribution_id = alice.post("/distributions", {"amount": money("500.00")})["id"]
    f.proposed_id = propose(alice, f.award_id, money("1000.00"))
    f.approved_id = propose(alice, f.award_id, money("2000.00"))
    bob.post(f"/disbursements/{f.approved_id}/approve", expect=200)

    f.receipt_id = alice.post(
        "/receipts",
        {
            "kind": "donation",
            "received_on": "2026-02-03",
            "amount": money("5000.00"),
            "counterparty": "Anti-Trafficking Foundation",
        },
    )["id"]
    f.expense_id = alice.post(
        "/expenses",
        {
            "kind": "custody",
            "paid_on": "2026-02-03",
            "amount": money("300.00"),
            "counterparty": "Secure Garage Lda",
            "asset_id": f.asset_id,
        },
    )["id"]
    f.entry_number = manual_entry(alice)
    return f


# -- Small builders, each one request (or a few) ------------------------------------------


def seize(caller: Caller, case_id: int, kind: str, value: dict, seized_on="2026-02-01") -> int:
    return caller.post(
        "/assets",
        {
            "case_id": case_id,
            "kind": kind,
            "description": f"Seized {kind}",
            "seized_on": seized_on,
            "estimated_value": value,
        },
    )["id"]


def register_victim(caller: Caller, name: str = "Test Victim") -> int:
    body = {**VICTIMS["iban"], "full_name": name}
    return caller.post("/victims", body)["id"]


def register_award(caller: Caller, case_id: int, victim_id: int, amount: dict) -> int:
    return caller.post("/awards", award_body(case_id, victim_id, amount))["id"]


def award_body(case_id: int, victim_id: int, amount: dict | None = None) -> dict:
    return {
        "case_id": case_id,
        "victim_id": victim_id,
        "order_reference": unique("ORD"),
        "ordered_on": "2026-02-02",
        "amount": amount or money("1000.00"),
    }


def propose(caller: Caller, award_id: int, amount: dict) -> int:
    return caller.post(
        "/disbursements", {"award_id": award_id, "amount": amount, "method": "bank_transfer"}
    )["id"]


def approved(f: Fund, amount: str = "10.00") -> int:
    """A payment of the court's award proposed by bob and approved by alice."""
    d = propose(f.bob, f.award_id, money(amount))
    f.alice.post(f"/disbursements/{d}/approve", expect=200)
    return d


def paid(f: Fund, amount: str = "10.00") -> int:
    d = approved(f, amount)
    f.alice.post(f"/disbursements/{d}/execute", execute_body(amount), expect=200)
    return d


def execute_body(amount: str = "10.00") -> dict:
    return {
        "paid_on": "2026-02-10",
        "bank_reference": unique("BANK"),
        "debited": money(amount),
        "fee": money("0.50"),
    }


def manual_entry(caller: Caller) -> int:
    return caller.post("/journal", manual_entry_body())["number"]


def manual_entry_body() -> dict:
    return {
        "date": "2026-02-10",
        "memo": "Office supplies paid from the fund account",
        "postings": [
            {"account": "5500", "debit": "10.00"},
            {"account": "1000", "credit": "10.00"},
        ],
    }


# -- A request that succeeds, for every POST endpoint -------------------------------------


@dataclass
class Call:
    """A request: a JSON body, or a file uploaded as multipart field ``file``."""

    method: str
    path: str
    json: Any = None
    upload: tuple[bytes, str] | None = None  # (content, file name)
    expect: int = 201

    def send(self, caller: Caller, headers: dict | None = None):
        kwargs: dict[str, Any] = {}
        if self.json is not None:
            kwargs["json"] = self.json
        if self.upload is not None:
            content, filename = self.upload
            kwargs["data"] = {"file": (io.BytesIO(content), filename)}
        return caller.request(self.method, self.path, headers=headers, **kwargs)


def _case(f: Fund, role: str) -> Call:
    return Call(
        "POST",
        "/cases",
        {
            "reference": unique("CR"),
            "court": "Tribunal de Braga",
            "title": "Public Prosecutor v. Smugglers",
            "jurisdiction": "PT",
            "opened_on": "2026-02-01",
        },
    )


def _asset(f: Fund, role: str) -> Call:
    return Call(
        "POST",
        "/assets",
        {
            "case_id": f.case_id,
            "kind": "real_estate",
            "description": "Flat in Porto",
            "seized_on": "2026-02-01",
            "estimated_value": money("150000.00"),
        },
    )


def _forfeit(f: Fund, role: str) -> Call:
    asset = seize(f.alice, f.case_id, "vehicle", money("9000.00"))
    return Call(
        "POST",
        f"/assets/{asset}/forfeit",
        {"order_reference": unique("F"), "forfeited_on": "2026-02-05", "value": money("8000.00")},
        expect=200,
    )


def _liquidate(f: Fund, role: str) -> Call:
    asset = seize(f.alice, f.case_id, "vehicle", money("9000.00"))
    f.alice.post(
        f"/assets/{asset}/forfeit",
        {"order_reference": unique("F"), "forfeited_on": "2026-02-05", "value": money("8000.00")},
        expect=200,
    )
    return Call(
        "POST",
        f"/assets/{asset}/liquidate",
        {"sold_on": "2026-02-06", "proceeds": money("8500.00"), "selling_costs": money("200.00")},
        expect=200,
    )


def _release(f: Fund, role: str) -> Call:
    asset = seize(f.alice, f.case_id, "cash", money("700.00"))
    return Call(
        "POST",
        f"/assets/{asset}/release",
        {"released_on": "2026-02-05", "reason": "Owner acquitted on appeal"},
        expect=200,
    )


def _victim(f: Fund, role: str) -> Call:
    return Call("POST", "/victims", {**VICTIMS["abroad"], "full_name": "Victim Registered Again"})


def _award(f: Fund, role: str) -> Call:
    return Call("POST", "/awards", award_body(f.case_id, f.victim_abroad_id))


def awards_csv(f: Fund, *rows: tuple[str, str]) -> bytes:
    """A court's spreadsheet of awards to the victim abroad: (amount, currency) per row."""
    lines = ["case_reference,victim_code,order_reference,ordered_on,amount,currency"]
    code = f.victim_codes[f.victim_abroad_id]
    for amount, currency in rows:
        lines.append(f"CR-2026-001,{code},{unique('IMP')},2026-02-02,{amount},{currency}")
    return ("\n".join(lines) + "\n").encode()


def _import(f: Fund, role: str) -> Call:
    content = awards_csv(f, ("750.00", "EUR"), ("1200.00", "USD"))
    return Call("POST", "/awards/import", upload=(content, "awards.csv"))


def _cancel(f: Fund, role: str) -> Call:
    # A court may cancel only awards it registered: let the court register this one.
    award = register_award(f.court, f.case_id, f.victim_abroad_id, money("800.00"))
    return Call(
        "POST",
        f"/awards/{award}/cancel",
        {"effective_on": "2026-02-05", "reason": "Reduced on appeal", "amount": money("100.00")},
        expect=200,
    )


def _propose(f: Fund, role: str) -> Call:
    return Call(
        "POST",
        "/disbursements",
        {"award_id": f.award_id, "amount": money("25.00"), "method": "bank_transfer"},
    )


def _approve(f: Fund, role: str) -> Call:
    d = propose(f.bob, f.award_id, money("5.00"))
    return Call("POST", f"/disbursements/{d}/approve", expect=200)


def _reject(f: Fund, role: str) -> Call:
    d = propose(f.bob, f.award_id, money("5.00"))
    return Call("POST", f"/disbursements/{d}/reject", {"reason": "Wrong account"}, expect=200)


def _execute(f: Fund, role: str) -> Call:
    return Call("POST", f"/disbursements/{approved(f)}/execute", execute_body(), expect=200)


def _return(f: Fund, role: str) -> Call:
    return Call(
        "POST",
        f"/disbursements/{paid(f)}/return",
        {"returned_on": "2026-02-11", "reason": "Account closed"},
        expect=200,
    )


def _distribute(f: Fund, role: str) -> Call:
    return Call("POST", "/distributions", {"amount": money("100.00"), "case_id": f.case_id})


def _receipt(f: Fund, role: str) -> Call:
    return Call(
        "POST",
        "/receipts",
        {
            "kind": "grant",
            "received_on": "2026-02-04",
            "amount": money("2500.00"),
            "counterparty": "Ministry of Justice",
            "case_id": f.case_id,
        },
    )


def _expense(f: Fund, role: str) -> Call:
    return Call(
        "POST",
        "/expenses",
        {
            "kind": "disposal",
            "paid_on": "2026-02-04",
            "amount": money("120.00"),
            "counterparty": "Auction House",
            "case_id": f.case_id,
            "asset_id": f.asset_id,
        },
    )


def _journal(f: Fund, role: str) -> Call:
    return Call("POST", "/journal", manual_entry_body())


def _reverse(f: Fund, role: str) -> Call:
    return Call(
        "POST",
        f"/journal/{manual_entry(f.alice)}/reverse",
        {"date": "2026-02-11", "memo": "Booked twice"},
    )


def _rates(f: Fund, role: str) -> Call:
    # Real ECB reference rates (tests/data/eurofxref-hist-sample.csv) of 2026-03-30/31.
    return Call(
        "POST",
        "/fx-rates",
        {
            "rates": [
                {"currency": "USD", "date": "2026-03-30", "rate": "1.1484"},
                {"currency": "JPY", "date": "2026-03-31", "rate": "183.39"},
            ]
        },
    )


def _close(f: Fund, role: str) -> Call:
    return Call("POST", "/periods/2026-01/close")


def _revalue(f: Fund, role: str) -> Call:
    return Call("POST", "/periods/2026-02/revalue")


def _close_year(f: Fund, role: str) -> Call:
    return Call("POST", "/periods/2025/close-year")


#: (URL rule as Flask spells it) → a request that succeeds for an allowed role.
POSTS: dict[str, Callable[[Fund, str], Call]] = {
    "/api/v1/cases": _case,
    "/api/v1/assets": _asset,
    "/api/v1/assets/<int:asset_id>/forfeit": _forfeit,
    "/api/v1/assets/<int:asset_id>/liquidate": _liquidate,
    "/api/v1/assets/<int:asset_id>/release": _release,
    "/api/v1/victims": _victim,
    "/api/v1/awards": _award,
    "/api/v1/awards/<int:award_id>/cancel": _cancel,
    "/api/v1/awards/import": _import,
    "/api/v1/disbursements": _propose,
    "/api/v1/disbursements/<int:disbursement_id>/approve": _approve,
    "/api/v1/disbursements/<int:disbursement_id>/reject": _reject,
    "/api/v1/disbursements/<int:disbursement_id>/execute": _execute,
    "/api/v1/disbursements/<int:disbursement_id>/return": _return,
    "/api/v1/distributions": _distribute,
    "/api/v1/receipts": _receipt,
    "/api/v1/expenses": _expense,
    "/api/v1/journal": _journal,
    "/api/v1/journal/<int:number>/reverse": _reverse,
    "/api/v1/fx-rates": _rates,
    # Last, in this order: closing January forbids later requests dated in it.
    "/api/v1/periods/<int:year>/close-year": _close_year,
    "/api/v1/periods/<month>/revalue": _revalue,
    "/api/v1/periods/<month>/close": _close,
}


#: Rules that are being built: tests cover them when the app serves them.
OPTIONAL = frozenset({"/api/v1/reports/<slug>", "/api/v1/awards/import", "/api/v1/exports/journal"})


def served_posts(app) -> set[str]:
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API + "/") and "POST" in rule.methods
    }


def posts_served(app) -> dict[str, Callable[[Fund, str], Call]]:
    """:data:`POSTS` less the optional rules the app does not serve (yet)."""
    served = served_posts(app)
    return {rule: prepare for rule, prepare in POSTS.items() if rule in served}


# -- What the database holds, to prove a request wrote nothing ----------------------------


def footprint(session_factory: sessionmaker[Session]) -> dict[str, Any]:
    """A row count of every table, and the journal head (number and hash), in one query."""
    columns = [
        select(func.count()).select_from(table).scalar_subquery().label(table.name)
        for table in Base.metadata.sorted_tables
    ]
    head = JournalHead.__table__
    columns += [
        select(head.c.last_number).where(head.c.id == 1).scalar_subquery().label("head number"),
        select(head.c.last_hash).where(head.c.id == 1).scalar_subquery().label("head hash"),
    ]
    with session_factory() as session:
        return dict(session.execute(select(*columns)).one()._mapping)
