"""The OpenAPI document at /api/v1/openapi.json is one contract tools accept (issue 10).

- Every ``pattern`` is an ECMA-262 regular expression (as JSON Schema and
  OpenAPI 3.0 require): compiled by ``regress`` (Rust's ECMA engine), with no
  Python-only syntax (inline flags such as ``(?s)``, ``(?P<…>``, ``\\A``,
  ``\\Z``), and matching exactly the strings Python's ``re`` matches, white
  space of both engines included, so what the document admits the server admits.
- Every ``date-time`` is one (RFC 3339, with its UTC offset): in the document's
  examples and in real answers of a fund built over HTTP (journal entries,
  closed periods, audit events).
- Every error response is documented as ``application/problem+json`` with the
  Problem schema, and real errors (401, 403, 404, 405, 422) are exactly that.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import regress

from app.api.fields import NOT_BLANK
from tests.api.fund import ADMIN, API, AUDITOR, build_fund, fast_tokens

PROBLEM_JSON = "application/problem+json"
#: RFC 3339 ``date-time``: a full date, a full time and a required offset.
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
#: Python-only regex syntax, and what ECMA-262 reads otherwise.
PYTHON_ONLY = re.compile(r"\(\?[a-zA-Z]|\(\?P[<=>]|\\[AZz]|\(\?#")
#: Strings where Python's and ECMA-262's ideas of white space, and of "any character", differ.
SAMPLES = [
    "",
    " ",
    "\t\n\r\v\f",
    "a",
    "  a  ",
    "\n\nmemo\n",
    "\x1c\x1d\x1e\x1f",  # white space to Python only
    "\x85",  # NEL: white space to Python only
    "\ufeff",  # BOM: white space to ECMA-262 only
    "\xa0\u2003\u3000",  # white space to both
    "\u2028",
    "é",
]


@pytest.fixture
def document(client) -> dict:
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def walk(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every object of the document, with where it is."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}/{index}")


def deref(document: dict, node: dict) -> dict:
    """``node`` with its ``$ref`` (``#/components/...``) followed."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_every_pattern_is_ecma_262_and_means_what_python_means(document):
    patterns = {(path, node["pattern"]) for path, node in walk(document) if "pattern" in node}
    assert len(patterns) >= 16, "the text fields' patterns are gone: is this the document?"
    for path, pattern in patterns:
        assert not PYTHON_ONLY.search(pattern), (path, pattern)
        ecma = regress.Regex(pattern)  # raises on anything ECMA-262 does not know
        python = re.compile(pattern)
        for sample in SAMPLES:
            # JSON Schema's pattern is searched, unanchored; so is Python's here.
            assert (ecma.find(sample) is not None) == (python.search(sample) is not None), (
                path,
                pattern,
                sample,
            )


def test_the_not_blank_pattern_refuses_exactly_python_white_space(document):
    texts = [path for path, node in walk(document) if node.get("pattern") == NOT_BLANK]
    assert len(texts) >= 16, texts  # every Text field: names, references, memos, reasons
    ecma, python = regress.Regex(NOT_BLANK), re.compile(NOT_BLANK)
    for code in [*range(0x0, 0x3100), 0xFEFF, 0x10FFFF]:
        char = chr(code)
        blank = char.isspace()
        assert (ecma.find(char) is None) == blank, hex(code)
        assert (python.match(char) is None) == blank, hex(code)


def date_time_properties(document: dict) -> set[str]:
    names = set()
    for path, node in walk(document["components"]["schemas"]):
        if node.get("format") == "date-time":
            names.add(path.rsplit("/", 1)[-1])
            if "example" in node:
                assert RFC3339.fullmatch(node["example"]), (path, node["example"])
    return names


def values_of(body: Any, names: set[str]) -> Iterator[tuple[str, Any]]:
    if isinstance(body, dict):
        for key, value in body.items():
            if key in names:
                yield key, value
            yield from values_of(value, names)
    elif isinstance(body, list):
        for item in body:
            yield from values_of(item, names)


def test_every_date_time_carries_its_utc_offset(document, client, session_factory):
    names = date_time_properties(document)
    assert {"posted_at", "closed_at", "occurred_at"} <= names
    fund = build_fund(client, fast_tokens(session_factory))
    alice = fund.alice
    closed = alice.post("/periods/2026-01/close", expect=201)
    bodies = [
        closed,
        alice.get("/periods"),
        alice.get("/journal?per_page=200"),
        alice.get("/journal/1"),
        alice.get("/audit/events?per_page=200"),
        fund.auditor.get("/audit/events"),
    ]
    seen: dict[str, int] = {}
    for body in bodies:
        for name, value in values_of(body, names):
            if value is None:
                continue
            assert isinstance(value, str) and RFC3339.fullmatch(value), (name, value)
            assert value.endswith(("+00:00", "Z")), (name, value)  # the books keep UTC
            seen[name] = seen.get(name, 0) + 1
    assert set(seen) >= {"posted_at", "closed_at", "occurred_at"}, seen


ERROR = re.compile(r"[45]\d\d|default")


def test_every_error_response_is_documented_as_problem_json(document):
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) >= {"type", "title", "status", "detail", "errors"}
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                if not ERROR.fullmatch(str(status)):
                    continue
                response = deref(document, response)
                content = response.get("content", {})
                assert list(content) == [PROBLEM_JSON], (method, path, status, list(content))
                assert deref(document, content[PROBLEM_JSON]["schema"]) == problem
                checked += 1
    assert checked > 60, checked  # every operation has at least its default error


def test_real_errors_are_problem_json_of_that_schema(document, client, token_for):
    admin, auditor = token_for(ADMIN), token_for(AUDITOR)
    fields = set(document["components"]["schemas"]["Problem"]["properties"])
    cases = [
        ("GET", "/cases", None, {}, 401),
        ("POST", "/cases", {}, {"Authorization": f"Bearer {auditor}"}, 403),
        ("GET", "/cases/999999", None, {"Authorization": f"Bearer {admin}"}, 404),
        ("DELETE", "/cases", None, {"Authorization": f"Bearer {admin}"}, 405),
        ("POST", "/cases", {"reference": " "}, {"Authorization": f"Bearer {admin}"}, 422),
    ]
    for method, path, body, headers, status in cases:
        response = client.open(API + path, method=method, json=body, headers=headers)
        assert response.status_code == status, (method, path, response.get_json())
        assert response.mimetype == PROBLEM_JSON
        problem = response.get_json()
        assert set(problem) <= fields | {"rows"}, problem  # an import adds its row report
        assert problem["status"] == status
