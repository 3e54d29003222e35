"""The API reference at /api/v1/docs: Swagger UI from vendored files, under a strict CSP.

The first tests read the page with Flask's client: it is public HTML whose
scripts and styles are all this application's own files, with no inline
script, served with the page's own Content-Security-Policy. The last one
drives the page in Debian's Chromium against a live server: Swagger UI
renders the operations, nothing breaks the policy or logs an error, no
request leaves the server, and "Try it out" works, with and without the
bearer token typed into the "Authorize" dialog.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from app.api.docs import CONTENT_SECURITY_POLICY
from tests.api.fund import API

DOCS = API + "/docs"
STATIC = DOCS + "/static/"
ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "app" / "api" / "static" / "swagger-ui"
VERSION = "5.35.0"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Page(HTMLParser):
    """What a page loads: script sources, inline script text, stylesheets, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.inline_scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.handlers: list[str] = []
        self.style_blocks = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.handlers.append("style")
        if tag == "script":
            self.scripts.append(attributes.get("src"))
            self._in_script = True
        elif tag == "style":
            self.style_blocks += 1
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def read_page(client) -> tuple[object, Page]:
    response = client.get(DOCS)
    page = Page()
    page.feed(response.get_data(as_text=True))
    return response, page


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


# -- The page and its files, through Flask's client ------------------------------------


def test_the_page_is_public_html_loading_only_local_files(client):
    response, page = read_page(client)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert page.scripts and page.stylesheets
    assert None not in page.scripts, "a <script> without src: inline scripts break the CSP"
    assert not page.inline_scripts and not page.handlers and not page.style_blocks
    for url in [*page.scripts, *page.stylesheets]:
        assert url.startswith(STATIC), url  # same origin, no CDN: a closed network
    assert STATIC + "swagger-ui/swagger-ui-bundle.js" in page.scripts
    assert STATIC + "swagger-ui/swagger-ui.css" in page.stylesheets
    assert f'data-spec-url="{API}/openapi.json"' in response.get_data(as_text=True)


def test_the_page_has_its_own_strict_content_security_policy(client):
    response, _ = read_page(client)
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The rest of the API keeps the application's own policy.
    from app import SECURITY_HEADERS

    assert (
        client.get(API + "/health").headers["Content-Security-Policy"]
        == (SECURITY_HEADERS["Content-Security-Policy"])
    )


def test_the_vendored_files_are_served(client):
    _, page = read_page(client)
    types = {".js": "text/javascript", ".css": "text/css"}
    for url in [*page.scripts, *page.stylesheets]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == types[Path(url).suffix], url
        assert len(response.data) > 100, url
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        # Revalidated (ETag), not stored: 1.7 MB of script need not travel every time.
        assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
        response.close()
    licence = client.get(STATIC + "swagger-ui/LICENSE")
    assert licence.status_code == 200 and b"Apache License" in licence.data
    licence.close()
    missing = client.get(STATIC + "swagger-ui/swagger-ui.css.map")  # maps are not shipped
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert client.get(DOCS + "/static/../docs.py").status_code == 404


def test_the_vendored_copy_is_swagger_ui_dist_and_is_packaged():
    readme = (VENDORED / "README.md").read_text()
    for fact in ("swagger-ui-dist", VERSION, "registry.npmjs.org", "Apache-2.0"):
        assert fact in readme, fact
    assert f'PACKAGE_VERSION:"{VERSION}"' in (VENDORED / "swagger-ui-bundle.js").read_text()
    assert not list(VENDORED.glob("*.map"))
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["app"]
    package = ROOT / "app"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    needed = {*VENDORED.iterdir(), package / "api" / "static" / "swagger-ui-init.js"}
    assert needed <= shipped, sorted(str(p) for p in needed - shipped)


# -- The page in a browser -----------------------------------------------------------------


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
    window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


def test_swagger_ui_renders_and_tries_requests_in_chromium(live_server, token_for, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium) to drive the page")
    from playwright.sync_api import sync_playwright

    token = token_for("court")
    errors: list[str] = []
    foreign: list[str] = []
    authorizations: dict[str, str | None] = {}

    def stay_local(route) -> None:
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:  # a closed network: anything else would be a CDN, a validator, telemetry…
            foreign.append(route.request.url)
            route.abort()

    def remember_authorization(request) -> None:
        path = urlsplit(request.url).path
        if path.startswith(API + "/") and not path.startswith(DOCS):
            authorizations[path] = request.headers.get("authorization")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(
                java_script_enabled=True, viewport={"width": 1280, "height": 900}
            )
            context.route("**/*", stay_local)
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.add_init_script(RECORD_CSP_VIOLATIONS)
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", remember_authorization)

            page.goto(live_server + DOCS)
            health = page.locator(".opblock-get").filter(
                has=page.locator(f'.opblock-summary-path[data-path="{API}/health"]')
            )
            health.wait_for()
            assert page.locator(".opblock").count() > 30  # every operation, not one
            assert (
                page.locator(".information-container .title").inner_text().startswith("fundledger")
            )
            page.screenshot(path=str(tmp_path / "swagger.png"))

            # The open door: GET /health without a token.
            assert try_it_out(health) == "200"
            assert authorizations[API + "/health"] is None

            # A guarded one: 401 until the token is typed into "Authorize", then 200.
            cases = page.locator(".opblock-get").filter(
                has=page.locator(f'.opblock-summary-path[data-path="{API}/cases"]')
            )
            assert try_it_out(cases) == "401"
            page.locator(".auth-wrapper button.authorize").click()
            dialog = page.locator(".modal-ux")
            dialog.locator("input").fill(token)
            dialog.locator("button.authorize").click()
            dialog.locator("button.btn-done").click()
            cases.locator("button.execute").click()
            status = cases.locator(".live-responses-table tr.response .response-col_status")
            status.filter(has_text="200").wait_for()
            assert authorizations[API + "/cases"] == f"Bearer {token}"

            violations = page.evaluate("window.cspViolations")
        finally:
            browser.close()
    assert not violations, violations
    assert not foreign, foreign
    # The one expected console error: the browser logs the 401 of the try without a token.
    assert [e for e in errors if "status of 401" not in e] == [], errors


def try_it_out(operation) -> str:
    """Open an operation, press "Try it out" and "Execute"; the status it shows."""
    operation.locator(".opblock-summary").first.click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for()
    return status.inner_text().strip()
