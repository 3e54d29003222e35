"""Every web page by every role, and by nobody: 0 unexpected permits.

The expectations come from ``tests/web/pages_*.py`` (see :mod:`tests.web.matrix`);
an endpoint the app serves without one fails :func:`test_every_page_is_in_the_matrix`.
A page a role may not use answers 403 (never a hidden-but-working form); a
signed-out visitor is sent to the sign-in page; a refused POST writes nothing.
"""

from __future__ import annotations

import importlib
import pkgutil

from flask import url_for

import tests.web
from tests.api.fund import footprint
from tests.web.conftest import WebClient
from tests.web.matrix import PERSON, PUBLIC, Expect


def expectations() -> dict[str, Expect]:
    found: dict[str, Expect] = {}
    for module in pkgutil.iter_modules(tests.web.__path__):
        if module.name.startswith("pages_"):
            found.update(importlib.import_module(f"tests.web.{module.name}").PAGES)
    return found


def web_rules(app) -> dict[str, set[str]]:
    """endpoint → methods, for every web page (static files aside)."""
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("web.") and rule.endpoint != "web.static":
            rules.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return rules


def test_every_page_is_in_the_matrix(app):
    served, expected = web_rules(app), expectations()
    missing = sorted(set(served) - set(expected))
    assert not missing, f"pages nobody decided the roles of (add them to a pages_*.py): {missing}"
    stale = sorted(set(expected) - set(served))
    assert not stale, f"expectations for pages the app does not serve: {stale}"


def test_declared_roles_match_the_matrix(app):
    for endpoint, expect in expectations().items():
        declared = getattr(app.view_functions[endpoint], "required_roles", None)
        if expect.roles == PUBLIC:
            assert declared is None, endpoint
        else:
            assert declared is not None, f"{endpoint} is not wrapped by requires()"
            assert frozenset(declared) == expect.roles, (endpoint, declared)


def _url(app, endpoint: str, expect: Expect) -> str:
    with app.test_request_context():
        return url_for(endpoint, **expect.args, **expect.query)


def test_every_page_by_every_role(app, fund, session_factory):
    rules, before = web_rules(app), footprint(session_factory)
    for role, person in PERSON.items():
        web = WebClient(app.test_client())
        web.sign_in(person)
        token = web.get("/account").form("main form[action$='/account/tokens']")["csrf_token"]
        for endpoint, expect in sorted(expectations().items()):
            if expect.roles == PUBLIC:
                continue
            url = _url(app, endpoint, expect)
            allowed = role in expect.roles
            if "GET" in rules[endpoint]:
                response = web.client.get(url)
                if allowed and role in expect.out_of_scope:
                    assert response.status_code == 404, (role, url, response.status_code)
                elif allowed:
                    assert response.status_code in (200, 302, 303), (
                        role,
                        url,
                        response.status_code,
                    )
                else:
                    assert response.status_code == 403, (role, url, response.status_code)
            if "POST" in rules[endpoint] and not allowed:
                response = web.client.post(url, data={"csrf_token": token})
                assert response.status_code == 403, (role, "POST", url, response.status_code)
    # Signing in and reading write only the sign-ins and the audited views of personal data.
    after = footprint(session_factory)
    changed = {t for t in after if after[t] != before[t]} - {"audit_events", "users", "api_tokens"}
    assert changed == set(), changed


def test_signed_out_visitors_are_sent_to_sign_in(app, fund):
    client = app.test_client()
    for endpoint, expect in sorted(expectations().items()):
        if expect.roles == PUBLIC:
            continue
        url = _url(app, endpoint, expect)
        if "GET" in web_rules(app)[endpoint]:
            response = client.get(url)
            assert response.status_code == 302, (url, response.status_code)
            assert "/sign-in" in response.location, url
