"""Signing in and out, lock-outs, the set-up link, sessions that end, the API left alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ledger.models import AuditEvent, User
from ledger.sign_in import create_setup_link
from tests.conftest import PASSWORD
from tests.web.conftest import WebClient


def events(session_factory, action: str) -> list[AuditEvent]:
    with session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_sign_in_reaches_each_roles_home_and_is_audited(app, fund, client, session_factory):
    for name, home in (
        ("alice", "/dashboard"),
        ("registry", "/awards"),
        ("inspector", "/statements"),
    ):
        web = WebClient(app.test_client())
        signed = web.sign_in(name)
        assert signed.status == 303, signed.html[:300]
        if home in app.url_map._rules_by_endpoint.get("", []):  # pragma: no cover
            pass
        landed = web.get(signed.response.location)
        assert landed.status == 200, (name, landed.title)
    assert {e.subject_id for e in events(session_factory, "user.logged_in")} >= {
        "alice",
        "registry",
        "inspector",
    }


def test_a_wrong_password_is_422_with_the_message_beside_the_field(web, fund, session_factory):
    page = web.sign_in("alice", "not the password at all")
    assert page.status == 422
    assert page.title.startswith("Error: ")
    assert "password" in page.error_summary()
    assert "not right" in page.error_beside("password")
    failures = events(session_factory, "user.login_failed")
    assert [e.subject_id for e in failures] == ["alice"] and failures[0].actor == "anonymous"


def test_an_unknown_name_is_refused_without_recording_the_name(web, fund, session_factory):
    page = web.sign_in("my secret password typed in the wrong box", PASSWORD)
    assert page.status == 422
    [event] = events(session_factory, "user.login_failed")
    assert event.subject_id is None
    assert "secret" not in (event.after or "") + (event.before or "")


def test_repeated_failures_lock_the_account_across_workers(app, fund, session_factory):
    limit = app.config["LOGIN_MAX_FAILURES"]
    web = WebClient(app.test_client())
    for _ in range(limit):
        web.sign_in("bob", "wrong wrong wrong")
    # Another "worker" (a fresh client, the same database): the right password is refused.
    other = WebClient(app.test_client())
    page = other.sign_in("bob", PASSWORD)
    assert page.status == 422 and "locked" in page.text()
    assert len(events(session_factory, "user.locked_out")) == 1
    with session_factory.begin() as session:  # the lock-out passes
        bob = session.scalar(select(User).where(User.name == "bob"))
        bob.locked_until = bob.locked_until - app.config["LOGIN_LOCKOUT"] - timedelta(seconds=1)
    assert other.sign_in("bob", PASSWORD).status == 303


def test_sign_out_ends_the_session_and_is_audited(web, fund, session_factory):
    web.sign_in("alice")
    assert web.get("/dashboard").status == 200
    page = web.submit("/dashboard", selector="header form")
    assert page.status == 200 and "signed out" in page.banner
    assert web.get("/dashboard").status == 302  # back to the sign-in page
    assert [e.subject_id for e in events(session_factory, "user.logged_out")] == ["alice"]


def test_the_idle_timeout_ends_a_session(app, web, fund):
    web.sign_in("alice")
    with web.client.session_transaction() as session:
        session["seen_at"] -= app.config["SESSION_IDLE"].total_seconds() + 1
    response = web.client.get("/dashboard")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_the_absolute_lifetime_ends_a_busy_session(app, web, fund):
    web.sign_in("alice")
    with web.client.session_transaction() as session:
        session["signed_in_at"] -= app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() + 1
    assert web.client.get("/dashboard").status_code == 302


def test_the_api_ignores_the_session_cookie(web, fund):
    web.sign_in("alice")
    assert web.get("/dashboard").status == 200
    response = web.client.get("/api/v1/cases")  # the same browser, the cookie sent
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(web, fund, session_factory):
    web.sign_in("alice")
    before = len(events(session_factory, "case.opened"))
    response = web.client.post(
        "/cases/new",
        data={"reference": "X-1", "court": "c", "title": "t", "jurisdiction": "PT"},
    )
    assert response.status_code == 400
    assert len(events(session_factory, "case.opened")) == before


def test_the_set_up_link_creates_the_first_administrator_once(app, client, session_factory):
    with session_factory.begin() as session:
        secret = create_setup_link(session)
    web = WebClient(client)
    page = web.submit(
        f"/setup/{secret}", {"name": "founder", "password": "a long enough passphrase"}
    )
    assert page.status == 200 and page.heading == "Dashboard", page.title
    again = WebClient(app.test_client()).get(f"/setup/{secret}")
    assert again.status == 404
    with session_factory() as session:
        assert session.scalar(select(User.role).where(User.name == "founder")) == "administrator"


def test_a_wrong_password_on_the_password_again_page_is_refused_beside_it(app, web, fund):
    web.sign_in("alice")
    with web.client.session_transaction() as session:
        session["authenticated_at"] -= app.config["SESSION_IDLE"].total_seconds() + 1
    page = web.submit("/account/confirm", {"password": "not it at all, no"})
    assert page.status == 422 and "not right" in page.error_beside("password")
    assert web.submit("/account/confirm", {"password": PASSWORD}).status == 200


def test_too_many_sign_in_attempts_from_one_address_are_slowed_down(
    database_url, engine, tmp_path, fund
):
    """Flask-Limiter per client address, beside the per-user count in the database."""
    from app import create_app
    from app.db import dispose

    limited = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "REPORTS_DATABASE_URL": database_url,
         "SECRET_KEY": "k", "LOGIN_RATE_LIMIT": "3 per minute"},
        instance_path=str(tmp_path / "limited"),
    )  # fmt: skip
    try:
        web = WebClient(limited.test_client())
        statuses = [web.sign_in("nobody", "wrong wrong wrong").status for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
        assert web.get("/sign-in").status == 200  # reading the page is not an attempt
    finally:
        dispose(limited)
