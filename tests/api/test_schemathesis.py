"""schemathesis against the OpenAPI document, in process (issue 10, deliverable 6).

Every operation of ``/api/v1/openapi.json`` is called with requests
schemathesis generates from the document (bounded: :data:`EXAMPLES` a
operation), as an administrator, a court and an auditor, on a fund built over
HTTP first (so that ids point at real records and the steps have something to
act on), on SQLite through the WSGI app. Every answer must be no server error
(no 5xx), have a documented status code and content type, and a body that
conforms to the documented schema. Afterwards the books still verify.

The run is derandomized: the same examples every time, so CI is reproducible
and a failure is one to look at, not a flake.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.fund import ADMIN, API, AUDITOR, COURT, build_fund, fast_tokens
from tests.conftest import BACKEND, auth

#: Examples generated for each operation and role.
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

pytestmark = pytest.mark.skipif(
    BACKEND != "sqlite", reason="the contract run is bounded to SQLite (issue 10)"
)


@pytest.fixture
def fund(client, session_factory):
    """The fund the run acts on; once the run is over, its books must still verify."""
    fund = build_fund(client, fast_tokens(session_factory))
    yield fund
    verdict = fund.auditor.get("/audit/verify")
    assert verdict["ok"], verdict


class ContractRun:
    """Every operation, :data:`EXAMPLES` generated requests each, as one role.

    schemathesis's own pytest plugin is not used: it does not run under
    pytest 9 (it reads ``Node._nodeid``, which pytest 9 removed), so each
    operation's strategy is driven by hypothesis here. A failed check is kept
    (the first of each operation) and the run goes on, so one run shows them all.
    """

    def __init__(self, app, token: str, role: str) -> None:
        self.schema = schemathesis.openapi.from_wsgi(API + "/openapi.json", app)
        self.headers, self.role = auth(token), role
        self.requests = 0
        self.statuses: dict[str, int] = {}
        self.failures: list[str] = []

    def run(self) -> None:
        for result in self.schema.get_all_operations():
            self._examples(result.ok())()

    def _examples(self, operation):
        failed: list[str] = []

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def examples(case):
            response = case.call(headers=self.headers)
            self.requests += 1
            status = str(response.status_code)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if failed:
                return
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # kept; the run goes on
                failed.append(
                    f"{self.role} {operation.label} -> {status}: "
                    f"{type(exc).__name__}: {str(exc)[:800]}"
                )
                self.failures.append(failed[0])

        return examples


@pytest.mark.parametrize("role", [ADMIN, COURT, AUDITOR])
def test_every_operation_keeps_its_contract(app, fund, role):
    run = ContractRun(app, fund.caller(role).token, role)
    run.run()
    print(f"{role}: {run.requests} requests, statuses {dict(sorted(run.statuses.items()))}")
    assert not run.failures, "\n\n".join(run.failures)
    assert not any(status.startswith("5") for status in run.statuses), run.statuses
    assert run.requests >= 5 * len(list(run.schema.get_all_operations()))  # it really ran
