"""The API's rough edges: sizes, content types, encodings, dates, closed months, imports,
and the money figures of the JSON statements.

- A JSON body above ``MAX_JSON_BYTES`` is 413 problem+json before a byte of it
  is read; a file upload above ``MAX_UPLOAD_BYTES`` is 413 (each limit for its
  own kind of body); ``request_guards.init_app`` copies the upload limit into
  Werkzeug's ``MAX_CONTENT_LENGTH`` at start-up, so these tests start an app
  of their own with small limits.
- A body of another type on a JSON endpoint is 415 naming ``application/json``;
  a JSON body that is not UTF-8 is 400 saying so.
- A date that is not ``YYYY-MM-DD`` is refused saying which form it must take.
- A posting into a closed month is 409 naming the request's own date field
  (``received_on``, ``paid_on``, ``ordered_on``…), and writes nothing.
- A spreadsheet import reports every fault of a row, each column on its own.
- Every money figure of a JSON statement is ``{"amount": "...", "currency": "..."}``.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest

from app import create_app
from app.db import dispose
from ledger import adjustments, assets, awards, cases, disbursements, periods, victims
from ledger.validate import today_utc
from tests.api.fund import (
    API,
    Caller,
    build_fund,
    ecb_rates,
    fast_tokens,
    footprint,
    money,
)
from tests.conftest import FUNCTIONAL, auth
from tests.registers.factories import ADMIN, CIPHER, OTHER, RATES_FILE, eur_money

JSON_LIMIT = 2048
UPLOAD_LIMIT = 8192
PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    body = response.get_json(force=True)
    assert response.status_code == status, (response.status_code, body)
    assert response.mimetype == PROBLEM, response.mimetype
    assert body["status"] == status and body["title"] and body["detail"], body
    assert isinstance(body["errors"], dict), body
    return body


def case_body(**fields) -> dict:
    return {
        "reference": "CR-EDGE-1",
        "court": "Tribunal de Braga",
        "title": "Public Prosecutor v. Smugglers",
        "jurisdiction": "PT",
        "opened_on": "2026-02-01",
        **fields,
    }


# -- sizes -----------------------------------------------------------------------------------


@pytest.fixture
def small_app(engine, database_url, tmp_path):
    """An app started with small limits (init_app reads them once, at start-up)."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "REPORTS_DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "FUNCTIONAL_CURRENCY": FUNCTIONAL,
            "MAX_JSON_BYTES": JSON_LIMIT,
            "MAX_UPLOAD_BYTES": UPLOAD_LIMIT,
        },
        instance_path=str(tmp_path / "small-instance"),
    )
    yield app
    dispose(app)


@pytest.fixture
def small(small_app, session_factory) -> Caller:
    token = fast_tokens(session_factory)("administrator", "alice")
    return Caller(small_app.test_client(), token, "alice", "administrator")


class CountingStream(io.BytesIO):
    """A request body that counts how often it is read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        return super().read(*args)

    def read1(self, *args):
        self.reads += 1
        return super().read1(*args)

    def readinto(self, *args):
        self.reads += 1
        return super().readinto(*args)

    def readline(self, *args):
        self.reads += 1
        return super().readline(*args)


def post_stream(caller: Caller, path: str, data: bytes, content_type: str) -> tuple:
    stream = CountingStream(data)
    response = caller.request(
        "POST",
        path,
        input_stream=stream,
        content_length=len(data),
        content_type=content_type,
    )
    return response, stream


def test_a_json_body_over_the_limit_is_413_before_it_is_read(small, session_factory):
    before = footprint(session_factory)
    big = json.dumps(case_body(title="T" * (JSON_LIMIT + 100))).encode()
    assert len(big) > JSON_LIMIT
    for path in ("/cases", "/receipts", "/journal", "/fx-rates"):
        response, stream = post_stream(small, path, big, "application/json")
        body = assert_problem(response, 413)
        assert str(JSON_LIMIT) in body["detail"] and str(len(big)) in body["detail"], body
        assert body["errors"] == {"body": [f"larger than {JSON_LIMIT} bytes"]}
        assert stream.reads == 0, f"{path}: the body was read before it was refused"
    assert footprint(session_factory) == before

    # At the limit the body is read and the request goes through.
    fits = json.dumps(case_body()).encode()
    response, stream = post_stream(small, "/cases", fits, "application/json")
    assert response.status_code == 201, response.get_json()
    assert stream.reads > 0


def test_the_json_limit_is_read_per_request_from_the_config(
    app, client, session_factory, monkeypatch
):
    token = fast_tokens(session_factory)("administrator", "alice")
    body = {"rates": ecb_rates()}  # real ECB rates, about 1.5 KB of JSON
    assert len(json.dumps(body)) > 1024
    monkeypatch.setitem(app.config, "MAX_JSON_BYTES", 1024)
    response = client.post(f"{API}/fx-rates", json=body, headers=auth(token))
    assert "1024" in assert_problem(response, 413)["detail"]
    monkeypatch.setitem(app.config, "MAX_JSON_BYTES", 1024 * 1024)
    response = client.post(f"{API}/fx-rates", json=body, headers=auth(token))
    assert response.status_code == 201, response.get_json()


def upload(caller: Caller, path: str, content: bytes, filename: str):
    """POST ``content`` as multipart field ``file``, the body encoded here in memory (the
    test client would spool a large one to a temporary file it never closes)."""
    boundary = "fundledger-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return caller.request(
        "POST", path, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_an_upload_over_its_limit_is_413(small, session_factory):
    before = footprint(session_factory)
    huge = b"case_reference,victim_code,order_reference,ordered_on,amount,currency\n"
    huge += b"CR-2026-001,V-000001,ORD-1,2026-02-02,10.00,EUR\n" * (UPLOAD_LIMIT // 40)
    assert len(huge) > UPLOAD_LIMIT
    for path, filename in (("/awards/import", "awards.csv"), ("/fx-rates", "eurofxref.csv")):
        body = assert_problem(upload(small, path, huge, filename), 413)
        assert f"an upload may be at most {UPLOAD_LIMIT} bytes" in body["detail"], body
    assert footprint(session_factory) == before


def test_an_upload_is_held_to_the_upload_limit_not_the_json_limit(client, session_factory):
    """With the default limits (1 MiB of JSON, 10 MiB of upload) a 1.5 MiB file is read: the
    answer is about its content (no such columns), not its size."""
    caller = Caller(client, fast_tokens(session_factory)("administrator", "alice"), "a", "a")
    content = b"a,b\n" + b"1,2\n" * 400_000
    assert 1024 * 1024 < len(content) < 10 * 1024 * 1024
    for path in ("/awards/import", "/fx-rates"):
        problem = assert_problem(upload(caller, path, content, "big.csv"), 422)
        assert "bytes" not in problem["detail"], problem


def test_with_a_small_json_limit_an_upload_is_still_held_to_the_upload_limit(small):
    content = RATES_FILE.read_bytes()  # real ECB rates, 3.6 KB
    assert JSON_LIMIT < len(content) < UPLOAD_LIMIT - 1024
    response = upload(small, "/fx-rates", content, "eurofxref-hist.csv")
    assert response.status_code == 201, response.get_json()


def test_a_body_without_a_length_over_the_limit_writes_nothing(small, session_factory):
    before = footprint(session_factory)
    response = chunked(small, json.dumps(case_body(title="T" * UPLOAD_LIMIT)).encode())
    assert_problem(response, response.status_code)
    assert 400 <= response.status_code < 500
    assert footprint(session_factory) == before


def test_a_body_without_a_length_over_the_limit_is_413(small):
    response = chunked(small, json.dumps(case_body(title="T" * UPLOAD_LIMIT)).encode())
    assert_problem(response, 413)


def chunked(caller: Caller, data: bytes):
    """A body sent without a Content-Length (as with chunked transfer encoding)."""
    return caller.request(
        "POST",
        "/cases",
        input_stream=io.BytesIO(data),
        content_type="application/json",
        environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
    )


# -- content types and encodings ---------------------------------------------------------------


def api_posts(app) -> list[str]:
    """Every POST rule of the API, its URL variables filled in."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/") and "POST" in rule.methods:
            path = re.sub(r"<int:year>", "2025", rule.rule)
            path = re.sub(r"<int:\w+>", "1", path)
            paths.append(re.sub(r"<\w+>", "2026-01", path).removeprefix(API))
    return sorted(paths)


def test_a_body_that_is_not_json_is_415_naming_application_json(app, client, session_factory):
    caller = Caller(client, fast_tokens(session_factory)("administrator", "alice"), "a", "a")
    before = footprint(session_factory)
    paths = api_posts(app)
    assert {"/cases", "/receipts", "/awards/import", "/fx-rates"} <= set(paths)
    for path in paths:
        for content_type, data in (
            ("text/plain", b'{"reference": "CR-1"}'),
            ("application/x-www-form-urlencoded", b"reference=CR-1"),
        ):
            response = caller.request("POST", path, data=data, content_type=content_type)
            body = assert_problem(response, 415)
            assert "application/json" in body["detail"], (path, body)
            assert content_type in body["detail"], (path, body)
            assert "application/json" in " ".join(body["errors"]["Content-Type"]), (path, body)
    # A file where only JSON is taken is refused the same way.
    response = caller.request("POST", "/cases", data={"file": (io.BytesIO(b"x"), "x.csv")})
    assert "application/json" in assert_problem(response, 415)["detail"]
    assert footprint(session_factory) == before


def test_a_json_body_that_is_not_utf8_is_400(client, session_factory):
    caller = Caller(client, fast_tokens(session_factory)("administrator", "alice"), "a", "a")
    before = footprint(session_factory)
    for path in ("/cases", "/receipts", "/fx-rates"):
        for data in (b'{"reference": "caf\xe9"}', json.dumps(case_body()).encode("utf-16")):
            response = caller.request("POST", path, data=data, content_type="application/json")
            body = assert_problem(response, 400)
            assert "not UTF-8" in body["detail"], body
            assert body["errors"] == {"body": ["not UTF-8"]}
    assert footprint(session_factory) == before
    # The same text in UTF-8 is read.
    good = json.dumps(case_body(title="Caf\u00e9 owner v. State"), ensure_ascii=False).encode()
    response = caller.request("POST", "/cases", data=good, content_type="application/json")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["title"] == "Caf\u00e9 owner v. State"


# -- dates -------------------------------------------------------------------------------------

BAD_DATES = (
    "02/01/2026",
    "2026-2-1",
    "2026-02-30",
    "2026-13-01",
    "yesterday",
    "",
    # ISO 8601 forms Python's date.fromisoformat reads, but not the one the API documents:
    "20260201",
    "2026-W05-1",
    "2026W051",
)


def test_an_invalid_date_says_it_must_be_written_yyyy_mm_dd(client, session_factory):
    caller = Caller(client, fast_tokens(session_factory)("administrator", "alice"), "a", "a")
    before = footprint(session_factory)
    for bad in BAD_DATES:
        body = assert_problem(caller.request("POST", "/cases", json=case_body(opened_on=bad)), 422)
        assert any("YYYY-MM-DD" in m for m in body["errors"].get("opened_on", [])), (bad, body)
    receipt = {
        "kind": "donation",
        "received_on": "3 Feb 2026",
        "amount": money("10.00"),
        "counterparty": "Foundation",
    }
    body = assert_problem(caller.request("POST", "/receipts", json=receipt), 422)
    assert any("YYYY-MM-DD" in m for m in body["errors"]["received_on"]), body
    for path, name in (
        ("/journal?from=01.02.2026", "from"),
        ("/journal?to=2026-02-31", "to"),
        ("/accounts/1000/ledger?from=2026/02/01", "from"),
        ("/reports/trial-balance?as_of=31-12-2026", "as_of"),
    ):
        body = assert_problem(caller.request("GET", path), 422)
        assert any("YYYY-MM-DD" in m for m in body["errors"].get(name, [])), (path, body)
    assert footprint(session_factory) == before


# -- postings into a closed month ------------------------------------------------------------------

IN_JANUARY = "2026-01-20"


def january_fund(session_factory) -> dict:
    """A fund whose records are all dated in January 2026, which is then closed."""
    jan = lambda day: date(2026, 1, day)  # noqa: E731
    ids = {}
    with session_factory.begin() as s:
        case = cases.open_case(
            s,
            actor=ADMIN,
            reference="CR-2026-001",
            court="Tribunal de Lisboa",
            title="State v. Network",
            jurisdiction="PT",
            opened_on=jan(2),
        )
        ids["case"] = case.id

        def seize(kind: str, minor: int):
            return assets.seize_asset(
                s,
                actor=ADMIN,
                case_id=case.id,
                kind=kind,
                description=f"Seized {kind}",
                seized_on=jan(5),
                estimated_value=eur_money(minor),
            )

        fund_cash = seize("cash", 5_000_000)
        assets.forfeit_asset(
            s, actor=ADMIN, asset_id=fund_cash.id, order_reference="F-1", forfeited_on=jan(6)
        )
        ids["held_cash"] = seize("cash", 70_000).id
        ids["held_car"] = seize("vehicle", 900_000).id
        car = seize("vehicle", 900_000)
        assets.forfeit_asset(
            s,
            actor=ADMIN,
            asset_id=car.id,
            order_reference="F-2",
            forfeited_on=jan(6),
            value=eur_money(800_000),
        )
        ids["forfeited_car"] = car.id
        victim = victims.register_victim(
            s,
            CIPHER,
            actor=ADMIN,
            full_name="A. Victim",
            date_of_birth=None,
            contact=None,
            country_of_residence="PT",
            returned_home=False,
            payment=victims.PaymentDetails(
                method="intermediary", currency="EUR", intermediary="NGO", reference="P-1"
            ),
        )
        ids["victim"] = victim.id
        award = awards.register_award(
            s,
            actor=ADMIN,
            case_id=case.id,
            victim_id=victim.id,
            order_reference="ORD-1",
            ordered_on=jan(7),
            amount=eur_money(2_000_000),
        )
        ids["award"] = award.id

        def approved(minor: int):
            proposal = disbursements.propose_disbursement(
                s,
                actor=ADMIN,
                award_id=award.id,
                amount=eur_money(minor),
                method="bank_transfer",
                on=jan(7),
            )
            return disbursements.approve_disbursement(s, actor=OTHER, disbursement_id=proposal.id)

        ids["approved"] = approved(10_000).id
        paid = approved(20_000)
        disbursements.execute_disbursement(
            s,
            actor=ADMIN,
            disbursement_id=paid.id,
            paid_on=jan(8),
            bank_reference="BANK-1",
            debited=eur_money(20_000),
        )
        ids["paid"] = paid.id
        ids["manual"] = adjustments.post_adjustment(
            s,
            actor=ADMIN,
            value_date=jan(8),
            memo="Office supplies",
            postings=[
                {"account": "5500", "debit": "10.00"},
                {"account": "1000", "credit": "10.00"},
            ],
        ).number
        periods.close_month(s, "2026-01", actor=ADMIN, today=today_utc())
    return ids


def closed_month_requests(ids: dict) -> list[tuple[str, dict, str]]:
    """(path, body, the body's date field) for every posting a request can date."""
    day = IN_JANUARY
    return [
        (
            "/receipts",
            {"kind": "donation", "received_on": day, "amount": money("10.00"), "counterparty": "F"},
            "received_on",
        ),
        (
            "/expenses",
            {
                "kind": "administrative",
                "paid_on": day,
                "amount": money("10.00"),
                "counterparty": "S",
            },
            "paid_on",
        ),
        (
            "/awards",
            {
                "case_id": ids["case"],
                "victim_id": ids["victim"],
                "order_reference": "ORD-LATE",
                "ordered_on": day,
                "amount": money("100.00"),
            },
            "ordered_on",
        ),
        (
            f"/disbursements/{ids['approved']}/execute",
            {"paid_on": day, "bank_reference": "BANK-2", "debited": money("100.00")},
            "paid_on",
        ),
        (
            f"/awards/{ids['award']}/cancel",
            {"effective_on": day, "reason": "Reduced", "amount": money("100.00")},
            "effective_on",
        ),
        (
            "/assets",
            {
                "case_id": ids["case"],
                "kind": "cash",
                "description": "More cash",
                "seized_on": day,
                "estimated_value": money("100.00"),
            },
            "seized_on",
        ),
        (
            f"/assets/{ids['held_car']}/forfeit",
            {"order_reference": "F-3", "forfeited_on": day, "value": money("8000.00")},
            "forfeited_on",
        ),
        (
            f"/assets/{ids['forfeited_car']}/liquidate",
            {"sold_on": day, "proceeds": money("8500.00")},
            "sold_on",
        ),
        (
            f"/assets/{ids['held_cash']}/release",
            {"released_on": day, "reason": "Acquitted"},
            "released_on",
        ),
        (
            f"/disbursements/{ids['paid']}/return",
            {"returned_on": day, "reason": "Account closed"},
            "returned_on",
        ),
        (
            "/journal",
            {
                "date": day,
                "memo": "Late",
                "postings": [
                    {"account": "5500", "debit": "1.00"},
                    {"account": "1000", "credit": "1.00"},
                ],
            },
            "date",
        ),
        (f"/journal/{ids['manual']}/reverse", {"date": day, "memo": "Booked twice"}, "date"),
    ]


def test_a_posting_into_a_closed_month_is_409_naming_the_requests_own_date_field(
    client, session_factory
):
    ids = january_fund(session_factory)
    caller = Caller(client, fast_tokens(session_factory)("administrator", "dora"), "dora", "a")
    before = footprint(session_factory)
    requests = closed_month_requests(ids)
    assert {field for _, _, field in requests} >= {
        "received_on",
        "paid_on",
        "ordered_on",
        "effective_on",
        "seized_on",
    }
    for path, body, field in requests:
        problem = assert_problem(caller.request("POST", path, json=body), 409)
        assert list(problem["errors"]) == [field], (path, problem)
        assert any("2026-01 is closed" in m for m in problem["errors"][field]), (path, problem)
        assert "2026-01" in problem["detail"], (path, problem)
        assert footprint(session_factory) == before, f"{path} wrote to the database"

    # In the open month the same requests go through: the closed month was the reason.
    for path, body, field in requests:
        response = caller.request("POST", path, json={**body, field: "2026-02-03"})
        assert response.status_code in (200, 201), (path, response.get_json())


# -- spreadsheet imports ---------------------------------------------------------------------------


def test_an_import_reports_every_fault_of_every_row(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    code = f.victim_codes[f.victim_id]
    csv = "\n".join(
        [
            "case_reference,victim_code,order_reference,ordered_on,amount,currency",
            f"CR-2026-001,{code},IMP-OK,2026-02-02,10.00,EUR",
            # Row 3: five faults, one in each of five columns.
            "CR-NOPE,V-999999,,2026-02-30,10.555,EUR",
            # Row 4: a case, a date in the future and a currency nobody has.
            f"CR-NOPE-2,{code},IMP-4,2999-01-01,10.00,ZZZ",
            f"CR-2026-001,{code},IMP-OK-2,2026-02-02,20.00,EUR",
        ]
    ).encode()
    before = footprint(session_factory)
    response = f.alice.request(
        "POST", "/awards/import", data={"file": (io.BytesIO(csv), "awards.csv")}
    )
    problem = assert_problem(response, 422)
    columns = {}
    for item in problem["rows"]:
        columns.setdefault(item["row"], set()).add(item["column"])
        assert item["message"], item
    assert columns == {
        3: {"case_reference", "victim_code", "order_reference", "ordered_on", "amount"},
        4: {"case_reference", "ordered_on", "currency"},
    }, problem["rows"]
    for row, names in columns.items():
        for name in names:
            assert problem["errors"][f"row {row}.{name}"], (row, name, problem["errors"])
    assert "nothing imported" in problem["detail"]
    assert footprint(session_factory) == before


# -- money in JSON statements ----------------------------------------------------------------------

STATEMENTS = (
    "financial-position",
    "financial-performance",
    "net-assets",
    "cash-flow",
    "awards-register",
    "asset-register",
    "general-ledger?account=1000",
    "case-statement?case_id={case}",
    "trial-balance",
    "journal",
    "victim-statement?victim_id={victim}",
    "notes",
)
#: Integers that count things, not money.
COUNTS = frozenset({"entries", "count", "journal_entries", "audit_events"})
#: Words that, as part of a key, say the value is money...
MONEY_WORDS = frozenset(
    {
        "amount",
        "assets",
        "balance",
        "cancelled",
        "carrying",
        "cash",
        "credit",
        "debit",
        "effect",
        "estimated",
        "expenses",
        "functional",
        "liabilities",
        "outstanding",
        "owed",
        "paid",
        "proceeds",
        "revenue",
        "surplus",
        "total",
        "value",
    }
)
#: ... unless the key ends in one of these.
NOT_MONEY = frozenset({"on", "at", "by", "date", "days", "count", "id", "code", "side", "name"})
MONEY_OBJECT_AMOUNT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def names_money(key: str) -> bool:
    words = key.lower().split("_")
    return bool(MONEY_WORDS & set(words)) and words[-1] not in NOT_MONEY


def is_money(value) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"amount", "currency"}
        and isinstance(value["amount"], str)
        and MONEY_OBJECT_AMOUNT.match(value["amount"]) is not None
        and isinstance(value["currency"], str)
        and re.fullmatch(r"[A-Z]{3}", value["currency"]) is not None
    )


def money_faults(node, path: str = "", *, strict: bool = True) -> list[str]:
    """Where ``node`` holds money that is not an amount object.

    ``strict``: every integer must be a count (the summary and totals hold only
    money and counts); otherwise (rows, which carry ids and numbers) only keys
    that name money are held to it.
    """
    faults = []
    if isinstance(node, dict):
        if node and set(node) <= {"amount", "currency"}:
            if not is_money(node):
                faults.append(f"{path}: {node!r} is not an amount object")
            return faults
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            if isinstance(value, float):
                faults.append(f"{where}: a float, {value!r}")
            elif isinstance(value, int) and not isinstance(value, bool):
                if (strict and key not in COUNTS) or names_money(key):
                    faults.append(f"{where}: a bare integer, {value!r}")
            elif isinstance(value, str) and names_money(key):
                faults.append(f"{where}: a bare string, {value!r}")
            else:
                faults += money_faults(value, where, strict=strict)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            faults += money_faults(item, f"{path}[{i}]", strict=strict)
    elif isinstance(node, float):
        faults.append(f"{path}: a float, {node!r}")
    return faults


def test_the_money_checker_catches_what_it_should():
    assert money_faults({"surplus": 1000}) and money_faults({"net_assets": "10.00"})
    assert money_faults({"ageing": [{"outstanding": {"amount": 5, "currency": "EUR"}}]})
    assert money_faults({"x": {"amount": "1e3", "currency": "EUR"}})
    assert money_faults({"rate": 1.5})
    assert not money_faults({"entries": 7, "surplus": {"amount": "-1.50", "currency": "EUR"}})
    assert not money_faults({"opening_balance": None, "normal_side": "debit", "ordered_on": "x"})


def test_every_money_figure_of_a_json_statement_is_an_amount_object(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    failures = []
    for template in STATEMENTS:
        slug = template.format(case=f.case_id, victim=f.victim_id)
        separator = "&" if "?" in slug else "?"
        response = f.auditor.request("GET", f"/reports/{slug}{separator}format=json")
        try:
            assert response.status_code == 200, (slug, response.status_code)
            document = json.loads(response.get_data())
        finally:
            response.close()
        lines, columns = document.pop("lines"), document.pop("columns")
        document.pop("notes", None)
        assert lines, f"{slug}: no lines to look at"
        money_columns = {c["key"] for c in columns if c["kind"] in ("money", "money_in")}
        summary = {k: v for k, v in document.items() if k != "totals"}
        assert any(is_money(v) for v in summary.values()) or document.get("totals"), slug
        faults = money_faults(summary, slug) + money_faults(document.get("totals") or {}, slug)
        for i, line in enumerate(lines):
            faults += money_faults(line, f"{slug} line {i + 1}", strict=False)
            faults += [
                f"{slug} line {i + 1}.{key}: {line[key]!r}"
                for key in money_columns & set(line)
                if line[key] is not None and not is_money(line[key])
            ]
        failures += faults
    assert not failures, "\n".join(failures)


def test_a_lone_surrogate_in_a_text_field_is_422_naming_it(client, session_factory):
    """JSON may escape half a surrogate pair ("\\ud800"); no database or hash can encode it."""
    caller = Caller(client, fast_tokens(session_factory)("administrator", "alice"), "a", "a")
    before = footprint(session_factory)
    body = json.dumps(case_body(title="Half a pair \ud800")).encode()
    response = caller.request("POST", "/cases", data=body, content_type="application/json")
    problem = assert_problem(response, 422)
    assert "title" in problem["errors"], problem
    assert footprint(session_factory) == before


def test_the_idempotency_key_and_a_downloads_media_types_can_be_documented():
    """:class:`app.api.common.IdempotencyKeyPlugin` documents ``Idempotency-Key`` on every
    POST and nothing else; :func:`app.api.schemas.download_response` lists each media type
    of a download bare (a contract tool compares them with the answer's)."""
    from flask import Flask
    from flask.views import MethodView
    from flask_smorest import Api, Blueprint

    from app.api.common import IdempotencyKeyPlugin
    from app.api.schemas import download_response
    from app.idempotency import HEADER, MAX_KEY
    from reports.render import FORMATS

    toy = Flask("toy")
    toy.config.update(API_TITLE="toy", API_VERSION="v1", OPENAPI_VERSION="3.0.3")
    api = Api(toy, spec_kwargs={"extra_plugins": [IdempotencyKeyPlugin()]})
    blp = Blueprint("things", "things", url_prefix="/things")

    @blp.route("/")
    class Things(MethodView):
        @blp.response(201)
        def post(self):
            return {}

        @blp.doc(responses={"200": download_response("A statement", FORMATS.values())})
        @blp.response(200)
        def get(self):
            return {}

    api.register_blueprint(blp)
    operations = api.spec.to_dict()["paths"]["/things/"]
    (key,) = operations["post"]["parameters"]
    assert (key["name"], key["in"], key["required"]) == (HEADER, "header", False)
    assert key["schema"]["maxLength"] == MAX_KEY
    assert "parameters" not in operations["get"]
    success = operations["get"]["responses"]["200"]
    assert success["description"] == "A statement"
    assert set(success["content"]) == {"application/json", "text/csv", "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip
    assert success["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
