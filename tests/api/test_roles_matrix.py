"""Who may call what: every endpoint of the API by every role, no token and a bad token.

The expected roles come from SPEC §7 (and the roles table of the SPEC's
preamble), not from the code: courts may register victims and awards and
cancel their own awards, and read what everybody reads; auditors read
everything but victims' personal data (accounts, the journal, the audit log,
periods, distributions, every list); only administrators write anything
else. Allowed means the real operation succeeds (2xx) on a fund holding a
record of every kind; refused means 403 and nothing written; no token or a
bad one is 401.

:data:`MATRIX` must name every rule Flask serves under ``/api/v1``: a new
endpoint fails :func:`test_every_endpoint_is_in_the_matrix` until someone
decides who may call it.
"""

from __future__ import annotations

from sqlalchemy import select

from ledger.models import User
from ledger.users import create_token, revoke_tokens
from tests.api.fund import (
    ADMIN,
    API,
    AUDITOR,
    COURT,
    OPTIONAL,
    POSTS,
    ROLES,
    Caller,
    Fund,
    build_fund,
    fast_tokens,
    footprint,
    money,
    posts_served,
    propose,
    register_award,
)
from tests.conftest import OPERATOR, auth

A, C, U = ADMIN, COURT, AUDITOR
EVERYONE = frozenset(ROLES)
ADMIN_ONLY = frozenset({A})
ADMIN_AUDITOR = frozenset({A, U})
ADMIN_COURT = frozenset({A, C})
PUBLIC = "public"  # no credentials needed at all

#: (method, Flask rule) → the roles SPEC §7 admits.
MATRIX: dict[tuple[str, str], frozenset[str] | str] = {
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/api/v1/cases"): EVERYONE,
    ("POST", "/api/v1/cases"): ADMIN_ONLY,
    ("GET", "/api/v1/cases/<int:case_id>"): EVERYONE,
    ("GET", "/api/v1/assets"): EVERYONE,
    ("POST", "/api/v1/assets"): ADMIN_ONLY,
    ("GET", "/api/v1/assets/<int:asset_id>"): EVERYONE,
    ("POST", "/api/v1/assets/<int:asset_id>/forfeit"): ADMIN_ONLY,
    ("POST", "/api/v1/assets/<int:asset_id>/liquidate"): ADMIN_ONLY,
    ("POST", "/api/v1/assets/<int:asset_id>/release"): ADMIN_ONLY,
    ("GET", "/api/v1/victims"): EVERYONE,
    ("POST", "/api/v1/victims"): ADMIN_COURT,
    ("GET", "/api/v1/victims/<int:victim_id>"): EVERYONE,  # personal data: administrators
    ("GET", "/api/v1/awards"): EVERYONE,  # a court: its own awards
    ("POST", "/api/v1/awards"): ADMIN_COURT,
    ("GET", "/api/v1/awards/<int:award_id>"): EVERYONE,
    ("POST", "/api/v1/awards/<int:award_id>/cancel"): ADMIN_COURT,
    ("POST", "/api/v1/awards/import"): ADMIN_COURT,  # a spreadsheet of awards
    ("GET", "/api/v1/disbursements"): EVERYONE,
    ("POST", "/api/v1/disbursements"): ADMIN_ONLY,
    ("GET", "/api/v1/disbursements/<int:disbursement_id>"): EVERYONE,
    ("POST", "/api/v1/disbursements/<int:disbursement_id>/approve"): ADMIN_ONLY,
    ("POST", "/api/v1/disbursements/<int:disbursement_id>/reject"): ADMIN_ONLY,
    ("POST", "/api/v1/disbursements/<int:disbursement_id>/execute"): ADMIN_ONLY,
    ("POST", "/api/v1/disbursements/<int:disbursement_id>/return"): ADMIN_ONLY,
    ("POST", "/api/v1/distributions"): ADMIN_ONLY,
    ("GET", "/api/v1/distributions/<int:distribution_id>"): ADMIN_AUDITOR,
    ("POST", "/api/v1/receipts"): ADMIN_ONLY,
    ("POST", "/api/v1/expenses"): ADMIN_ONLY,
    ("GET", "/api/v1/accounts"): ADMIN_AUDITOR,
    ("GET", "/api/v1/accounts/<code>/ledger"): ADMIN_AUDITOR,
    ("GET", "/api/v1/journal"): ADMIN_AUDITOR,
    ("POST", "/api/v1/journal"): ADMIN_ONLY,
    ("GET", "/api/v1/journal/<int:number>"): ADMIN_AUDITOR,
    ("POST", "/api/v1/journal/<int:number>/reverse"): ADMIN_ONLY,
    ("GET", "/api/v1/fx-rates"): EVERYONE,
    ("POST", "/api/v1/fx-rates"): ADMIN_ONLY,
    ("GET", "/api/v1/periods"): ADMIN_AUDITOR,
    ("POST", "/api/v1/periods/<month>/close"): ADMIN_ONLY,
    ("POST", "/api/v1/periods/<month>/revalue"): ADMIN_ONLY,
    ("POST", "/api/v1/periods/<int:year>/close-year"): ADMIN_ONLY,
    ("GET", "/api/v1/audit/verify"): ADMIN_AUDITOR,
    ("GET", "/api/v1/audit/events"): ADMIN_AUDITOR,
    # Statements: administrators and auditors; a court only its own awards register.
    ("GET", "/api/v1/reports/<slug>"): EVERYONE,
    # The journal for hledger/Ledger/Beancount: auditors recompute the balances with it.
    ("GET", "/api/v1/exports/journal"): ADMIN_AUDITOR,
}
#: Served under /api/v1 but not API operations, public and read-only: the OpenAPI
#: document, and the Swagger UI page that renders it with its vendored files
#: (app/api/docs.py; tests/api/test_api_docs.py covers them).
NOT_IN_MATRIX = {
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/docs/static/<path:filename>",
}

#: Statement slug → who may download it (SPEC §7, GET /reports/{name}).
REPORTS: dict[str, frozenset[str]] = {
    "trial-balance": ADMIN_AUDITOR,
    "financial-position": ADMIN_AUDITOR,
    "financial-performance": ADMIN_AUDITOR,
    "net-assets": ADMIN_AUDITOR,
    "cash-flow": ADMIN_AUDITOR,
    "general-ledger": ADMIN_AUDITOR,
    "journal": ADMIN_AUDITOR,
    "awards-register": EVERYONE,
    "asset-register": ADMIN_AUDITOR,
    "victim-statement": ADMIN_AUDITOR,
    "case-statement": ADMIN_AUDITOR,
}


def api_rules(app) -> dict[tuple[str, str], str]:
    """(method, rule) → endpoint for everything Flask serves under /api/v1."""
    served = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/") or rule.rule in NOT_IN_MATRIX:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            served[(method, rule.rule)] = rule.endpoint
    return served


def get_paths(f: Fund) -> dict[str, list[tuple[str, frozenset[str] | str]]]:
    """GET rule → concrete paths on the fund, each with who may read it."""

    def one(path: str, rule: str) -> list[tuple[str, frozenset[str] | str]]:
        return [(path, MATRIX[("GET", rule)])]

    reports = [
        (
            f"/reports/{slug}?"
            + {
                "general-ledger": "account=1000&",
                "victim-statement": f"victim_id={f.victim_id}&",
                "case-statement": f"case_id={f.case_id}&",
            }.get(slug, "")
            + "format=json",
            roles,
        )
        for slug, roles in REPORTS.items()
    ]
    paths = {
        "/api/v1/health": "/health",
        "/api/v1/cases": "/cases",
        "/api/v1/cases/<int:case_id>": f"/cases/{f.case_id}",
        "/api/v1/assets": "/assets",
        "/api/v1/assets/<int:asset_id>": f"/assets/{f.asset_id}",
        "/api/v1/victims": "/victims",
        "/api/v1/victims/<int:victim_id>": f"/victims/{f.victim_id}",
        "/api/v1/awards": "/awards",
        "/api/v1/awards/<int:award_id>": f"/awards/{f.award_id}",  # the court's own
        "/api/v1/disbursements": "/disbursements",
        "/api/v1/disbursements/<int:disbursement_id>": f"/disbursements/{f.approved_id}",
        "/api/v1/distributions/<int:distribution_id>": f"/distributions/{f.distribution_id}",
        "/api/v1/accounts": "/accounts",
        "/api/v1/accounts/<code>/ledger": "/accounts/1000/ledger",
        "/api/v1/journal": "/journal",
        "/api/v1/journal/<int:number>": f"/journal/{f.entry_number}",
        "/api/v1/fx-rates": "/fx-rates",
        "/api/v1/periods": "/periods",
        "/api/v1/audit/verify": "/audit/verify",
        "/api/v1/audit/events": "/audit/events",
        "/api/v1/exports/journal": "/exports/journal?format=ledger",
    }
    found = {rule: one(path, rule) for rule, path in paths.items()}
    found["/api/v1/reports/<slug>"] = reports
    found["/api/v1/exports/journal"].append(
        ("/exports/journal?format=beancount", MATRIX[("GET", "/api/v1/exports/journal")])
    )
    return found


BAD_TOKENS = {
    "unknown token": "flt_not-a-real-token-at-all",
    "not our token format": "eyJhbGciOiJub25lIn0.e30.",
}


def expect(response, allowed: bool | int, who: str, where: str) -> None:
    """Assert the outcome of one call: 2xx when allowed, else 401 or 403 problem+json."""
    context = (who, where, response.status_code, response.get_data(as_text=True)[:300])
    if allowed is True:
        assert 200 <= response.status_code < 300, context
        return
    assert response.status_code == allowed, context
    assert response.mimetype == "application/problem+json", context
    body = response.get_json()
    assert body["status"] == allowed and body["title"] and body["detail"], context
    if allowed == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), context


def principals(f: Fund) -> list[tuple[str, dict[str, str], str | None]]:
    """(label, headers, role) for every role, no token, and bad tokens."""
    rows: list[tuple[str, dict[str, str], str | None]] = [
        (role, f.caller(role).headers, role) for role in ROLES
    ]
    rows.append(("no token", {}, None))
    rows += [(label, auth(token), None) for label, token in BAD_TOKENS.items()]
    rows.append(("not a bearer scheme", {"Authorization": f"Basic {f.alice.token}"}, None))
    return rows


def outcome(roles: frozenset[str] | str, role: str | None) -> bool | int:
    if roles == PUBLIC:
        return True
    if role is None:
        return 401
    return True if role in roles else 403


# -- The matrix is complete --------------------------------------------------------------


def test_every_endpoint_is_in_the_matrix(app):
    served = api_rules(app)
    missing = sorted(set(served) - set(MATRIX))
    assert not missing, f"endpoints nobody decided the roles of (add them to MATRIX): {missing}"
    stale = sorted(key for key in set(MATRIX) - set(served) if key[1] not in OPTIONAL)
    assert not stale, f"MATRIX names endpoints the app does not serve: {stale}"
    assert set(posts_served(app)) == {rule for method, rule in served if method == "POST"}
    assert set(POSTS) - set(posts_served(app)) <= OPTIONAL


def test_declared_roles_match_the_matrix(app):
    """Each view's ``requires(...)`` admits exactly the roles of the matrix."""
    for (method, rule), endpoint in api_rules(app).items():
        view = app.view_functions[endpoint]
        handler = getattr(view.view_class, method.lower())
        declared = getattr(handler, "required_roles", None)
        expected = MATRIX[(method, rule)]
        if expected == PUBLIC:
            assert declared is None, (method, rule)
        else:
            assert declared is not None, f"{method} {rule} is not wrapped by requires()"
            assert frozenset(declared) == expected, (method, rule, declared)


# -- Every GET ---------------------------------------------------------------------------


def test_get_endpoints_by_role(app, client, session_factory, subtests):
    f = build_fund(client, fast_tokens(session_factory))
    paths = get_paths(f)
    before = footprint(session_factory)
    for _, rule in sorted(k for k in api_rules(app) if k[0] == "GET"):
        for path, roles in paths[rule]:
            with subtests.test(msg=f"GET {path}"):
                for who, headers, role in principals(f):
                    response = client.get(API + path, headers=headers)
                    expect(response, outcome(roles, role), who, path)
    # Reading writes nothing but the record that an administrator saw a victim's data.
    assert footprint(session_factory) == {**before, "audit_events": before["audit_events"] + 1}


# -- Every POST --------------------------------------------------------------------------


def test_post_endpoints_by_role(app, client, session_factory, subtests):
    """Refused callers first (nothing written), then each allowed role really does it."""
    f = build_fund(client, fast_tokens(session_factory))
    for rule, prepare in posts_served(app).items():
        roles = MATRIX[("POST", rule)]
        with subtests.test(msg=f"POST {rule}"):
            call = prepare(f, ADMIN)
            before = footprint(session_factory)
            for who, headers, role in principals(f):
                if role in roles:
                    continue
                response = call.send(Caller(client, None, who, None), headers=headers)
                expect(response, outcome(roles, role), who, call.path)
            assert footprint(session_factory) == before, f"a refused POST {rule} wrote"
            for role in ROLES:
                if role not in roles:
                    continue
                call = prepare(f, role)
                response = call.send(f.caller(role))
                expect(response, True, role, call.path)
                assert response.status_code == call.expect, response.get_json()


# -- The finer rules ---------------------------------------------------------------------


def test_approving_or_rejecting_ones_own_proposal_is_403(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    mine = propose(f.alice, f.award_id, money("40.00"))
    before = footprint(session_factory)
    for action in ("approve", "reject"):
        refused = f.alice.post(f"/disbursements/{mine}/{action}", {}, expect=403)
        assert refused["status"] == 403 and "four eyes" in refused["detail"]
    assert footprint(session_factory) == before
    assert f.alice.get(f"/disbursements/{mine}")["status"] == "proposed"
    approved = f.bob.post(f"/disbursements/{mine}/approve", expect=200)
    assert approved["approved_by"] == "bob" and approved["proposed_by"] == "alice"


def test_a_court_sees_and_cancels_only_its_own_awards(app, client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    other = Caller(client, fast_tokens(session_factory)(COURT, "other-court"), "other", COURT)
    theirs = register_award(other, f.case_id, f.victim_abroad_id, money("700.00"))

    listed = {a["id"] for a in f.court.get("/awards", query_string={"per_page": 500})["items"]}
    assert listed == {f.award_id}  # not the administrator's, not the other court's
    assert {a["id"] for a in other.get("/awards")["items"]} == {theirs}
    assert {a["id"] for a in f.auditor.get("/awards")["items"]} == {
        f.award_id,
        f.award_usd_id,
        theirs,
    }
    for path in (f"/awards/{theirs}", f"/awards/{f.award_usd_id}"):
        response = f.court.request("GET", path)
        assert response.status_code in (403, 404), path
        assert response.mimetype == "application/problem+json"

    before = footprint(session_factory)
    cancel = {"effective_on": "2026-02-05", "reason": "Not ours to cancel"}
    for award in (theirs, f.award_usd_id):
        response = f.court.request("POST", f"/awards/{award}/cancel", json=cancel)
        assert response.status_code in (403, 404), response.get_json()
    assert footprint(session_factory) == before
    assert f.alice.get(f"/awards/{theirs}")["status"] == "registered"

    if any(r.rule == API + "/reports/<slug>" for r in app.url_map.iter_rules()):
        register = f.court.get("/reports/awards-register", query_string={"format": "json"})
        assert {line["award"] for line in register["lines"]} == {f.award_id}
        everything = f.auditor.get("/reports/awards-register", query_string={"format": "json"})
        assert {line["award"] for line in everything["lines"]} == {
            f.award_id,
            f.award_usd_id,
            theirs,
        }


def test_a_court_sees_only_the_payments_of_its_own_awards(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    usd_payments = {
        d["id"]
        for d in f.alice.get("/disbursements", query_string={"award_id": f.award_usd_id})["items"]
    }
    assert usd_payments  # the distribution round proposed one
    seen = {d["award_id"] for d in f.court.get("/disbursements")["items"]}
    assert seen == {f.award_id}
    for d in usd_payments:
        assert f.court.request("GET", f"/disbursements/{d}").status_code in (403, 404)


# On PostgreSQL SUM() of a BIGINT is a NUMERIC: these two failed there (500 and 422) until
# ledger.awards.pending_minor returned an int.


def test_a_distribution_round_with_payments_pending_succeeds(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))  # two payments are pending
    response = f.alice.request("POST", "/distributions", json={"amount": money("10.00")})
    assert response.status_code == 201, response.get_json()
    assert sum(line["amount"]["amount"] == "0.00" for line in response.get_json()["lines"]) == 0


def test_cancelling_what_is_left_of_an_award_with_payments_pending_succeeds(
    client, session_factory
):
    f = build_fund(client, fast_tokens(session_factory))
    body = {"effective_on": "2026-02-05", "reason": "Settled out of court"}
    response = f.court.request("POST", f"/awards/{f.award_id}/cancel", json=body)
    assert response.status_code == 200, response.get_json()
    award = response.get_json()
    # What stays owed is exactly what the pending payments commit.
    pending = sum(
        int(d["amount"]["amount"].replace(".", ""))
        for d in f.alice.get("/disbursements", query_string={"award_id": f.award_id})["items"]
        if d["status"] in ("proposed", "approved")
    )
    assert int(award["outstanding"]["amount"].replace(".", "")) == pending


def test_revoked_and_inactive_users_are_401(client, session_factory):
    tokens = fast_tokens(session_factory)
    revoked = tokens(ADMIN, "leaver")
    inactive = tokens(AUDITOR, "suspended")
    assert client.get(API + "/cases", headers=auth(revoked)).status_code == 200
    with session_factory.begin() as session:
        revoke_tokens(session, OPERATOR, "leaver")
        session.scalar(select(User).where(User.name == "suspended")).active = False
    for token in (revoked, inactive):
        response = client.get(API + "/cases", headers=auth(token))
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
    with session_factory.begin() as session:
        fresh = create_token(session, OPERATOR, "leaver")
    assert client.get(API + "/cases", headers=auth(fresh)).status_code == 200
