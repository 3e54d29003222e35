"""The web pages under test: a fund with a record of every kind, people of every role,
a Flask test client that fills in forms as a browser would (CSRF token, one-time key),
and, for the browser tests, a live server and Debian's Chromium with JavaScript off.

- ``fund``: the demo fund (``ledger/demo/fund.toml``) plus four people with a known
  password: alice and bob (administrators), registry (a court), inspector (an auditor).
- ``web``: a :class:`WebClient`; ``web.sign_in("alice")``.
- ``live_server``: the same app served on 127.0.0.1 in a thread, for Playwright.
- ``browser_page``: a Chromium page with JavaScript disabled;
  ``assert_accessible(page)`` runs axe-core over exactly what that page shows.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from werkzeug.serving import make_server

from app.pii import cipher
from ledger.access import ADMINISTRATOR, AUDITOR, COURT
from ledger.demo import build_demo
from ledger.users import create_user
from ledger.validate import today_utc
from tests.conftest import OPERATOR, PASSWORD

CHROMIUM = "/usr/bin/chromium"
AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text(encoding="utf-8")
PEOPLE = {
    "alice": ADMINISTRATOR,
    "bob": ADMINISTRATOR,
    "registry": COURT,
    "inspector": AUDITOR,
}
#: Chromium as the test machine can run it: no sandbox (root), nothing fetched from outside.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Fund:
    """What the demo fund holds, by the names tests use."""

    people: dict[str, str]


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """argon2id still, with the cheapest parameters: the tests sign in hundreds of times."""
    from argon2 import PasswordHasher

    from ledger import users

    monkeypatch.setattr(
        users, "PASSWORDS", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def fund(app, session_factory) -> Fund:
    """The demo fund and the four people, committed."""
    with app.app_context(), session_factory.begin() as session:
        build_demo(session, OPERATOR, cipher(), today=today_utc())
        for name, role in PEOPLE.items():
            create_user(session, OPERATOR, name, role, PASSWORD)
    return Fund(dict(PEOPLE))


class Page:
    """A response, parsed."""

    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        self.soup = BeautifulSoup(self.html, "html.parser")

    @property
    def title(self) -> str:
        return self.soup.title.get_text(strip=True) if self.soup.title else ""

    @property
    def heading(self) -> str:
        h1 = self.soup.find("h1")
        return h1.get_text(" ", strip=True) if h1 else ""

    @property
    def banner(self) -> str:
        found = self.soup.select_one(".govuk-notification-banner")
        return found.get_text(" ", strip=True) if found else ""

    def error_summary(self) -> dict[str, str]:
        """The error summary's links: target id → message."""
        box = self.soup.select_one(".govuk-error-summary")
        if box is None:
            return {}
        return {a["href"].lstrip("#"): a.get_text(" ", strip=True) for a in box.select("a[href]")}

    def error_beside(self, field_id: str) -> str:
        """The message beside a field (its ``-error`` element)."""
        found = self.soup.find(id=f"{field_id}-error")
        return found.get_text(" ", strip=True) if found else ""

    def text(self) -> str:
        main = self.soup.find("main") or self.soup
        return " ".join(main.get_text(" ", strip=True).split())

    def form(self, selector: str = "main form[method=post]") -> dict:
        """The hidden and filled fields of a form on the page, as a browser would send them."""
        form = self.soup.select_one(selector)
        assert form is not None, f"no form {selector!r} on {self.title}"
        data = {}
        for field in form.select("input[name], select[name], textarea[name]"):
            name = field["name"]
            if field.name == "select":
                chosen = field.select_one("option[selected]") or field.select_one("option")
                data[name] = chosen.get("value", "") if chosen else ""
            elif field.name == "textarea":
                data[name] = field.get_text()
            elif field.get("type") in ("checkbox", "radio"):
                if field.has_attr("checked"):
                    data[name] = field.get("value", "on")
            elif field.get("type") != "submit":
                data[name] = field.get("value", "")
        return data

    def action(self, selector: str = "main form[method=post]") -> str | None:
        form = self.soup.select_one(selector)
        return form.get("action") if form is not None else None


class WebClient:
    """The test client, used as a person would: open a page, fill its form, submit it."""

    def __init__(self, client):
        self.client = client

    def get(self, path: str, **kwargs) -> Page:
        return Page(self.client.get(path, **kwargs))

    def sign_in(self, name: str, password: str = PASSWORD) -> Page:
        page = self.get("/sign-in")
        form = page.form()
        form.update(name=name, password=password)
        return Page(self.client.post("/sign-in", data=form))

    def submit(
        self,
        path: str,
        fields: dict | None = None,
        *,
        selector: str = "main form[method=post]",
        follow: bool = True,
    ) -> Page:
        """Open ``path``, fill in its form with ``fields``, submit it (following redirects)."""
        page = self.get(path)
        assert page.status == 200, (path, page.status, page.title)
        return self.send(page, fields, selector=selector, follow=follow, path=path)

    def send(
        self, page: Page, fields=None, *, selector="main form[method=post]", follow=True, path=None
    ):
        data = page.form(selector)
        data.update(fields or {})
        target = page.action(selector) or path or page.response.request.path
        return Page(self.client.post(target, data=data, follow_redirects=follow))

    def confirm(self, page: Page, follow: bool = True) -> Page:
        """On a confirmation page, press the button that takes the step."""
        assert "_step" in page.html, f"not a confirmation page: {page.title}"
        return self.send(
            page, selector="main form:has(input[name=_step][value=confirm])", follow=follow
        )

    def change(self, page: Page) -> Page:
        return self.send(page, selector="main form:has(input[name=_step][value=change])")


@pytest.fixture
def web(client) -> WebClient:
    return WebClient(client)


def dates(name: str, day) -> dict[str, str]:
    """A date typed into the three boxes of the date field ``name``."""
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def money_of(text: str) -> str:
    """'EUR 1,234.50' → '1234.50' (for comparing what a page shows)."""
    return re.sub(r"[^0-9.\-]", "", text.split(" ", 1)[-1])


# -- the browser ---------------------------------------------------------------------------


@pytest.fixture
def live_server(app, fund):
    """The app (with the demo fund) on a free port of 127.0.0.1, for a real browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def base_url():
    """No base URL: every test opens its live server's own address (pytest-playwright's
    fallback fixture would read a deprecated pytest option)."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        if os.environ.get("FUNDLEDGER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Every journey runs with JavaScript OFF: the pages must work without it."""
    return {
        **browser_context_args,
        "java_script_enabled": False,
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def axe_context(browser):
    """A second context where axe can run: JavaScript on, but none of the site's scripts."""
    context = browser.new_context()
    context.route("**/*.js", lambda route: route.abort())
    yield context
    context.close()


@pytest.fixture
def assert_accessible(axe_context):
    """``assert_accessible(page)``: axe-core finds no violation in what ``page`` shows.

    The JavaScript-free page cannot run axe itself, so its HTML, as shown, is served
    again at the same address in ``axe_context`` (the stylesheet loads as usual) and
    axe runs there, injected with ``page.evaluate``.
    """

    def check(page) -> None:
        # A click on a link only waits for the next page to start arriving; axe must
        # see it whole, not the blank document between two pages.
        page.wait_for_load_state("load")
        html, url = page.content(), page.url
        copy = axe_context.new_page()
        copy.route(
            url, lambda route: route.fulfill(status=200, content_type="text/html", body=html)
        )
        copy.goto(url)
        copy.evaluate(AXE)
        found = copy.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: 'tag', values: [
                'wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}}))
                .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
        )
        copy.close()
        assert found == [], (url, found)

    return check


def sign_in_browser(page, base: str, name: str, password: str = PASSWORD) -> None:
    page.goto(base + "/sign-in")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("main button:has-text('Sign in')")
