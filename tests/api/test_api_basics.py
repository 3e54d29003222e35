"""The API's common ground (SPEC §1, §7): pagination, the OpenAPI document, 404 and 405 as
problem+json, security headers, no floats in any answer, and the health probe."""

from __future__ import annotations

import json
import re

from tests.api.fund import (
    ADMIN,
    API,
    OPTIONAL,
    Caller,
    build_fund,
    fast_tokens,
    footprint,
    money,
    register_award,
    seize,
    served_posts,
)
from tests.api.test_roles_matrix import NOT_IN_MATRIX
from tests.conftest import auth

#: Every paginated list, with the key that identifies an item.
PAGINATED = {
    "/cases": "id",
    "/assets": "id",
    "/victims": "id",
    "/awards": "id",
    "/disbursements": "id",
    "/fx-rates": ("currency", "date"),
    "/journal": "number",
    "/audit/events": "id",
    "/accounts/1000/ledger": "entry",
}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def identity(item: dict, key) -> tuple:
    return tuple(item[k] for k in key) if isinstance(key, tuple) else (item[key],)


def is_problem(response, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["status"] == status
    assert "Traceback" not in response.get_data(as_text=True)


# -- Pagination --------------------------------------------------------------------------


def test_every_list_pages_through_everything_exactly_once(client, session_factory, subtests):
    f = build_fund(client, fast_tokens(session_factory))
    register_award(f.court, f.case_id, f.victim_abroad_id, money("300.00"))
    seize(f.alice, f.case_id, "crypto", money("1000.00"))
    for n in range(4):
        f.alice.post(
            "/cases",
            {
                "reference": f"CR-PAGE-{n}",
                "court": "Court",
                "title": "A case",
                "jurisdiction": "PT",
                "opened_on": "2026-02-01",
            },
        )
    for path, key in PAGINATED.items():
        with subtests.test(msg=path):
            whole = f.auditor.get(path, query_string={"per_page": 500})
            assert whole["page"] == 1 and whole["per_page"] == 500
            assert whole["total"] == len(whole["items"]) >= 3, (path, whole["total"])
            default = f.auditor.get(path)
            assert default["page"] == 1 and default["per_page"] == 50
            assert default["items"] == whole["items"][:50]
            pages, page = [], 1
            while True:
                body = f.auditor.get(path, query_string={"page": page, "per_page": 2})
                assert body["total"] == whole["total"] and body["per_page"] == 2
                assert body["page"] == page
                if not body["items"]:
                    break
                assert len(body["items"]) <= 2
                pages += body["items"]
                page += 1
            assert page == (whole["total"] + 1) // 2 + 1  # then an empty page, not an error
            assert [identity(i, key) for i in pages] == [identity(i, key) for i in whole["items"]]
            assert len({identity(i, key) for i in pages}) == len(pages)


OUT_OF_BOUNDS = [
    ({"per_page": 0}, "per_page"),
    ({"per_page": 501}, "per_page"),
    ({"per_page": -1}, "per_page"),
    ({"per_page": "ten"}, "per_page"),
    ({"per_page": "1.5"}, "per_page"),
    ({"per_page": "1e2"}, "per_page"),
    ({"page": 0}, "page"),
    ({"page": -3}, "page"),
    ({"page": "first"}, "page"),
    ({"page": 10**30}, "page"),
]


def test_page_and_per_page_out_of_bounds_are_422(client, session_factory):
    auditor = Caller(client, fast_tokens(session_factory)("auditor", "eve"), "eve", "auditor")
    for query, field in OUT_OF_BOUNDS:
        for path in PAGINATED:
            response = auditor.request("GET", path, query_string=query)
            is_problem(response, 422)
            assert field in response.get_json()["errors"], (path, query, response.get_json())


def test_the_per_page_bounds_themselves_are_accepted(client, session_factory):
    auditor = Caller(client, fast_tokens(session_factory)("auditor", "eve"), "eve", "auditor")
    for path in PAGINATED:
        for per_page in (1, 500):
            assert auditor.get(path, query_string={"per_page": per_page})["per_page"] == per_page


def test_the_chart_and_the_periods_are_paginated_too(client, session_factory):
    auditor = Caller(client, fast_tokens(session_factory)("auditor", "eve"), "eve", "auditor")
    for path in ("/accounts", "/periods"):
        body = auditor.get(path, query_string={"page": 1, "per_page": 5})
        assert isinstance(body, dict), (path, type(body))
        assert {"items", "page", "per_page", "total"} <= set(body)
        assert len(body["items"]) <= 5


# -- The OpenAPI document ----------------------------------------------------------------


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_the_openapi_document_lists_every_path_and_the_bearer_scheme(app, client):
    response = client.get(API + "/openapi.json")  # public, like /health
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/") or rule.rule in NOT_IN_MATRIX:
            continue  # the document itself and the pages that render it
        operations = doc["paths"].get(openapi_path(rule.rule), {})
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in operations:
                missing.append(f"{method} {rule.rule}")
    assert not missing, missing
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert {"bearerAuth": []} in doc["security"]
    assert doc["paths"][API + "/health"]["get"]["security"] == []  # the one open door
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if path != API + "/health" and isinstance(operation, dict):
                assert operation.get("security") in (None, [{"bearerAuth": []}]), (path, method)


#: POSTs that take no body at all.
BODYLESS = {"approve", "close", "revalue", "close-year"}


def posts_with_a_body(app) -> set[str]:
    return {rule for rule in served_posts(app) if rule.rsplit("/", 1)[-1] not in BODYLESS}


def test_the_openapi_document_describes_json_bodies(app, client):
    doc = client.get(API + "/openapi.json").get_json()
    uploads = {API + "/fx-rates"} | (OPTIONAL & {API + "/awards/import"})
    for rule in posts_with_a_body(app) - uploads:
        operation = doc["paths"][openapi_path(rule)]["post"]
        assert "application/json" in operation["requestBody"]["content"], rule
        assert "422" in operation["responses"], rule


def test_the_openapi_document_describes_uploads(app, client):
    doc = client.get(API + "/openapi.json").get_json()
    for rule in posts_with_a_body(app) & ({API + "/fx-rates"} | OPTIONAL):
        content = doc["paths"][openapi_path(rule)]["post"]["requestBody"]["content"]
        assert "multipart/form-data" in content, rule


# -- 404 and 405 -------------------------------------------------------------------------


def test_unknown_ids_in_the_url_are_404_problems(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    before = footprint(session_factory)
    gets = [
        "/cases/999999",
        "/assets/999999",
        "/victims/999999",
        "/awards/999999",
        "/disbursements/999999",
        "/distributions/999999",
        "/journal/999999",
        "/accounts/9999/ledger",
        f"/cases/{2**40}",
        f"/assets/{2**63}",
        "/cases/0",
        "/cases/-1",
        "/cases/abc",
        "/no-such-thing",
    ]
    for path in gets:
        is_problem(f.alice.request("GET", path), 404)
    posts = [
        ("/assets/999999/forfeit", {"order_reference": "F", "forfeited_on": "2026-02-05"}),
        ("/assets/999999/liquidate", {"sold_on": "2026-02-05", "proceeds": money("1.00")}),
        ("/assets/999999/release", {"released_on": "2026-02-05", "reason": "x"}),
        ("/awards/999999/cancel", {"effective_on": "2026-02-05", "reason": "x"}),
        ("/disbursements/999999/approve", None),
        ("/disbursements/999999/reject", {}),
        (
            "/disbursements/999999/execute",
            {"paid_on": "2026-02-05", "bank_reference": "B", "debited": money("1.00")},
        ),
        ("/disbursements/999999/return", {"returned_on": "2026-02-05", "reason": "x"}),
        ("/journal/999999/reverse", {"date": "2026-02-05", "memo": "x"}),
        (f"/disbursements/{2**40}/approve", None),
    ]
    for path, body in posts:
        is_problem(f.bob.request("POST", path, json=body), 404)
    assert footprint(session_factory) == before


def entry_number_is_404(client, session_factory, numbers) -> None:
    admin = Caller(client, fast_tokens(session_factory)(ADMIN, "alice"), "alice", ADMIN)
    before = footprint(session_factory)
    for number in numbers:
        is_problem(admin.request("GET", f"/journal/{number}"), 404)
        body = {"date": "2026-02-05", "memo": "x"}
        is_problem(admin.request("POST", f"/journal/{number}/reverse", json=body), 404)
    assert footprint(session_factory) == before


def test_an_entry_number_beyond_an_integer_column_is_404(client, session_factory):
    entry_number_is_404(client, session_factory, [2**31, 2**62])


def test_an_entry_number_beyond_64_bits_is_404(client, session_factory):
    entry_number_is_404(client, session_factory, [2**63, 10**30])


WRONG_METHODS = [
    ("DELETE", "/cases"),
    ("PUT", "/cases/1"),
    ("PATCH", "/awards/1"),
    ("DELETE", "/journal/1"),
    ("PUT", "/journal/1"),
    ("DELETE", "/audit/events"),
    ("GET", "/receipts"),
    ("GET", "/expenses"),
    ("GET", "/distributions"),
    ("POST", "/cases/1"),
    ("POST", "/accounts"),
    ("POST", "/audit/verify"),
    ("GET", "/periods/2026-01/close"),
    ("GET", "/disbursements/1/approve"),
]


def test_a_wrong_method_is_405_with_allow(client, session_factory):
    admin = Caller(client, fast_tokens(session_factory)(ADMIN, "alice"), "alice", ADMIN)
    before = footprint(session_factory)
    for method, path in WRONG_METHODS:
        response = admin.request(method, path, json={})
        is_problem(response, 405)
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert allowed and method not in allowed, (method, path, allowed)
    assert footprint(session_factory) == before


# -- Headers, floats, health -------------------------------------------------------------


def test_security_headers_on_every_kind_of_answer(client, session_factory):
    admin = Caller(client, fast_tokens(session_factory)(ADMIN, "alice"), "alice", ADMIN)
    case = {
        "reference": "CR-HEAD",
        "court": "Court",
        "title": "Headers",
        "jurisdiction": "PT",
        "opened_on": "2026-02-01",
    }
    key = {"Idempotency-Key": "headers"}
    answers = {
        "200": admin.request("GET", "/cases"),
        "201": admin.request("POST", "/cases", json=case, headers=key),
        "replayed 201": admin.request("POST", "/cases", json=case, headers=key),
        "401": client.get(API + "/cases"),
        "404": admin.request("GET", "/cases/999999"),
        "405": admin.request("DELETE", "/cases"),
        "409": admin.request("POST", "/cases", json=case),
        "422": admin.request("POST", "/cases", json={}),
        "health": client.get(API + "/health"),
        "openapi": client.get(API + "/openapi.json"),
    }
    court = Caller(client, fast_tokens(session_factory)("court", "registry"), "registry", "court")
    answers["403"] = court.request("GET", "/journal")
    for label, response in answers.items():
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (label, name)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy, label
    assert answers["replayed 201"].headers["Idempotent-Replayed"] == "true"
    assert answers["401"].headers["WWW-Authenticate"].startswith("Bearer")


def no_floats(text: str) -> None:
    def refuse(number: str):
        raise AssertionError(f"a JSON float: {number}")

    json.loads(text, parse_float=refuse, parse_constant=refuse)


def test_no_answer_carries_a_float(client, session_factory):
    """SPEC §1: amounts are decimal strings, never floats, anywhere in the API."""
    f = build_fund(client, fast_tokens(session_factory))
    paths = [*PAGINATED, "/accounts", "/periods", "/audit/verify"]
    paths += [f"/awards/{f.award_usd_id}", f"/distributions/{f.distribution_id}"]
    paths += [f"/victims/{f.victim_id}", f"/assets/{f.cash_asset_id}"]
    paths += [f"/accounts/{code}/ledger" for code in ("1000", "2000", "5000")]
    amounts = 0
    for path in paths:
        response = f.alice.request("GET", path, query_string={"per_page": 500})
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        no_floats(text)
        for amount in re.findall(r'"amount":\s*(?!\{)("[^"]*"|[^,}\s]+)', text):
            assert amount.startswith('"'), (path, amount)
            assert re.fullmatch(r'"-?\d+(\.\d+)?"', amount), (path, amount)
            amounts += 1
    assert amounts > 50


def test_health(client):
    for headers in ({}, auth("flt_not-a-real-token"), {"Authorization": "garbage"}):
        response = client.get(API + "/health", headers=headers)
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert response.get_json() == {"status": "ok"}
    is_problem(client.post(API + "/health"), 405)
