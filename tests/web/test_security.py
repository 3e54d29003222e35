"""The web pages' security headers, session cookie and proxy setting."""

from __future__ import annotations

from app import create_app
from app.db import dispose
from ledger.checkpoints import generate_signing_key
from tests.web.conftest import WebClient


def test_every_page_has_a_strict_policy_and_no_inline_script(web, fund):
    web.sign_in("alice")
    for path in ("/sign-in", "/dashboard", "/cases", "/account", "/no-such-page"):
        page = web.get(path)
        headers = page.response.headers
        policy = headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, path
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store", path
        assert not page.soup.select("script:not([src])"), path  # no inline script
        assert not page.soup.select("[style]"), path  # no inline style attribute
        assert not [t for t in page.soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]


def test_the_session_cookie_is_httponly_and_samesite(web, fund):
    response = web.sign_in("alice").response
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development: plain HTTP on 127.0.0.1


def test_in_production_the_session_cookie_is_secure_and_proxies_are_trusted(
    monkeypatch, database_url, fund, tmp_path
):
    monkeypatch.setenv("FUNDLEDGER_ENV", "production")
    monkeypatch.setenv("FUNDLEDGER_SECRET_KEY", "s" * 64)
    monkeypatch.setenv("FUNDLEDGER_PII_KEY", "x3vKBb0cW9x0Yl3yA0x2d9m2X9vX3uGJbWQ6hk6e4nA=")
    monkeypatch.setenv("FUNDLEDGER_SIGNING_KEY", generate_signing_key())
    monkeypatch.setenv("FUNDLEDGER_PROXIES", "1")
    app = create_app(
        {"DATABASE_URL": database_url, "REPORTS_DATABASE_URL": database_url},
        instance_path=str(tmp_path / "prod"),
    )
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        client = app.test_client()
        page = WebClient(client).get(
            "/sign-in", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "fund.example"}
        )
        assert page.status == 200
        # ProxyFix: the app sees the request as the proxy received it.
        response = client.get(
            "/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "fund.example"}
        )
        assert response.location in ("/sign-in", "https://fund.example/sign-in")
    finally:
        dispose(app)
