"""schemathesis against the OpenAPI document, in process (issue 10, deliverable 6).

Every operation of ``/api/v1/openapi.json`` is called with requests
schemathesis generates from the document, on a fund built over HTTP first (so
that ids point at real records and the steps have something to act on), on
SQLite through the WSGI app:

- valid requests (:data:`POSITIVE_EXAMPLES` an operation) as an administrator,
  a court and an auditor;
- invalid ones (schemathesis's negative mode: bodies and parameters that break
  the document, :data:`NEGATIVE_EXAMPLES` an operation) as the same three,
  which must be refused with a 4xx and change nothing: afterwards every table
  holds the rows it held before and the journal's head is the same.

Every answer must be no server error (no 5xx); its status must be documented
(a success only as the operation documents it, an error only as one of the
statuses SPEC §7 and the request guards answer); its content type documented;
its body must conform to the documented schema, and every error must be a
problem (``application/problem+json``, its ``status`` the response's).
Afterwards the books still verify.

The run is derandomized: the same examples every time, so CI is reproducible
and a failure is one to look at, not a flake. ``FUNDLEDGER_CONTRACT_POSITIVE``,
``FUNDLEDGER_CONTRACT_NEGATIVE`` and ``FUNDLEDGER_CONTRACT_SEED`` make a
longer run with other examples, to explore.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from reports.journal_export import FORMATS as EXPORT_FORMATS
from reports.render import FORMATS as STATEMENT_FORMATS
from tests.api.fund import ADMIN, API, AUDITOR, COURT, build_fund, fast_tokens, footprint
from tests.conftest import BACKEND, auth

#: Valid requests generated for each operation (each sent as every role).
POSITIVE_EXAMPLES = int(os.environ.get("FUNDLEDGER_CONTRACT_POSITIVE", "25"))
#: Invalid requests generated for each operation (each sent as every role).
NEGATIVE_EXAMPLES = int(os.environ.get("FUNDLEDGER_CONTRACT_NEGATIVE", "10"))
#: A longer, exploratory run: other examples than CI's fixed ones (``FUNDLEDGER_CONTRACT_SEED=7``).
SEED = os.environ.get("FUNDLEDGER_CONTRACT_SEED")
PROBLEM_JSON = "application/problem+json"
#: The error statuses the API answers (SPEC §7: 401, 403, 404, 409, 422; the request
#: guards of app/request_guards.py: 400 unreadable JSON, 413 too large, 415 not JSON),
#: all documented by every operation's ``default`` problem response.
ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 413, 415, 422})

pytestmark = pytest.mark.skipif(
    BACKEND != "sqlite", reason="the contract run is bounded to SQLite (issue 10)"
)


def documented_status(ctx, response, case) -> None:
    """schemathesis's ``status_code_conformance`` takes any status when an operation has a
    ``default`` response (every operation here has one, for its problems): a success must
    be one the operation lists, and an error one the API is documented to answer."""
    status = response.status_code
    listed = {int(code) for code in case.operation.responses.status_codes if code.isdigit()}
    if status < 400:
        assert status in listed, f"{status} is not documented; documented: {sorted(listed)}"
    else:
        assert status in ERROR_STATUSES | listed, f"{status} is not an error the API answers"


def error_is_a_problem(ctx, response, case) -> None:
    """Every error is an RFC 9457 problem whose ``status`` is the response's, with the
    per-field ``errors`` of SPEC §7."""
    if response.status_code < 400:
        return
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    assert media_type == PROBLEM_JSON, f"an error of type {media_type!r}, not {PROBLEM_JSON}"
    body = json.loads(response.content)
    assert body["status"] == response.status_code, body
    assert body["type"].startswith("https://") and body["title"] and body["detail"], body
    errors = body["errors"]
    assert isinstance(errors, dict), body
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in errors.values()
    ), body


def download_is_what_was_asked(ctx, response, case) -> None:
    """A statement or a journal export has the media type of the format asked for (the
    document lists no media type for these downloads, so schemathesis checks none)."""
    if response.status_code != 200:
        return
    query = case.query or {}
    if case.operation.label == "GET " + API + "/reports/{slug}":
        expected = STATEMENT_FORMATS[query.get("format", "json")]
    elif case.operation.label == "GET " + API + "/exports/journal":
        expected = EXPORT_FORMATS[query["format"]][0]
    else:
        return
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    assert media_type == expected.split(";")[0], f"{media_type!r}, asked {expected!r}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    documented_status,
    content_type_conformance,
    response_schema_conformance,
    error_is_a_problem,
    download_is_what_was_asked,
]
#: Invalid input must moreover be refused (a 4xx, not a 2xx).
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]


@pytest.fixture
def fund(client, session_factory):
    """The fund the run acts on; once the run is over, its books must still verify."""
    fund = build_fund(client, fast_tokens(session_factory))
    yield fund
    verdict = fund.auditor.get("/audit/verify")
    assert verdict["ok"], verdict


class ContractRun:
    """Every operation, ``examples`` generated requests each, each sent as every role.

    schemathesis's own pytest plugin is not used: it does not run under
    pytest 9 (it reads ``Node._nodeid``, which pytest 9 removed), so each
    operation's strategy is driven by hypothesis here. Generating a request
    costs more than answering it, so each one is sent once per role. A failed
    check is kept (the first of each operation and role) and the run goes on,
    so one run shows them all.
    """

    def __init__(self, app, tokens: dict[str, str], mode: GenerationMode, examples: int) -> None:
        self.schema = schemathesis.openapi.from_wsgi(API + "/openapi.json", app)
        if mode.is_negative:
            # The invalid part must be the operation's own input: not the bearer token
            # (the run sends a valid one, in place of whatever is generated) nor a query
            # parameter the document does not name (ignored, as HTTP APIs do).
            self.schema.config.generation.update(
                with_security_parameters=False, allow_extra_parameters=False
            )
        self.headers = {role: auth(token) for role, token in tokens.items()}
        self.mode, self.examples = mode, examples
        self.checks = NEGATIVE_CHECKS if mode.is_negative else CHECKS
        self.operations = 0
        self.requests = 0
        self.statuses: dict[str, Counter[int]] = {role: Counter() for role in tokens}
        self.failures: list[str] = []
        #: Operations for which no request breaking the document could be made (no input).
        self.without_invalid_input: list[str] = []

    def run(self) -> ContractRun:
        for result in self.schema.get_all_operations():
            operation = result.ok()
            self.operations += 1
            try:
                self._examples(operation)()
            except Unsatisfiable:
                self.without_invalid_input.append(operation.label)
        return self

    def _examples(self, operation):
        failed: set[str] = set()

        @seed(int(SEED or 0))
        @given(case=operation.as_strategy(generation_mode=self.mode))
        @settings(
            max_examples=self.examples,
            deadline=None,
            derandomize=SEED is None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def examples(case):
            for role, headers in self.headers.items():
                response = case.call(headers=headers)
                self.requests += 1
                self.statuses[role][response.status_code] += 1
                if role in failed:
                    continue
                try:
                    case.validate_response(response, checks=self.checks)
                except (Exception, BaseExceptionGroup) as exc:  # kept; the run goes on
                    failed.add(role)
                    self.failures.append(
                        f"{role} {self.mode} {operation.label} -> {response.status_code}: "
                        f"{type(exc).__name__}: {str(exc)[:1500]}"
                    )

        return examples

    def all_statuses(self) -> set[int]:
        return {status for counts in self.statuses.values() for status in counts}

    def summary(self) -> str:
        lines = [f"{self.mode}: {self.operations} operations, {self.requests} requests"]
        for role, counts in self.statuses.items():
            lines.append(f"  {role}: {dict(sorted(counts.items()))}")
        return "\n".join(lines)


def tokens(fund) -> dict[str, str]:
    # The administrator last: the others read what each example finds before it acts.
    return {role: fund.caller(role).token for role in (AUDITOR, COURT, ADMIN)}


def test_every_operation_keeps_its_contract(app, fund):
    run = ContractRun(app, tokens(fund), GenerationMode.POSITIVE, POSITIVE_EXAMPLES).run()
    print(run.summary())
    assert not run.failures, "\n\n".join(run.failures)
    assert not any(status >= 500 for status in run.all_statuses()), run.summary()
    assert run.requests >= 3 * 5 * run.operations  # it really ran
    assert not run.without_invalid_input  # every operation has valid requests
    assert any(200 <= status < 300 for status in run.statuses[ADMIN])  # and some succeeded


def test_invalid_input_is_refused_and_changes_nothing(app, fund, session_factory):
    before = footprint(session_factory)
    run = ContractRun(app, tokens(fund), GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES).run()
    print(run.summary(), "\nno invalid input:", run.without_invalid_input)
    assert not run.failures, "\n\n".join(run.failures)
    assert all(400 <= status < 500 for status in run.all_statuses()), run.summary()
    assert footprint(session_factory) == before
    # Only the operations that take no input at all cannot be sent invalid input.
    assert set(run.without_invalid_input) <= {"GET /api/v1/health", "GET /api/v1/audit/verify"}
    assert run.requests >= 3 * 3 * (run.operations - len(run.without_invalid_input))
