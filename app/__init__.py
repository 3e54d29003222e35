"""The Flask adapter: HTTP in, one ledger service call, JSON out."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from app import checkpoints, db, errors, idempotency, pii, request_guards, unit_of_work
from app.config import settings_from_env

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # No 'unsafe-inline' anywhere: scripts and styles are files of this site; the
    # dashboard's chart is inline SVG with presentation attributes only.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
}


def create_app(config: Mapping | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=instance_path or str(Path.cwd() / "instance"),
        instance_relative_config=True,
        static_folder=None,  # the web pages' blueprint serves /static (app/web/static)
    )
    # The SQLite default and the development keys live here: it must exist even when
    # every key comes from the environment.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings_from_env(app.instance_path))
    if config:
        app.config.update(config)
    app.config["JSON_SORT_KEYS"] = False
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)

    db.init_app(app)
    pii.init_app(app)
    checkpoints.init_app(app)
    errors.init_app(app)
    from app import api, cli, web

    api.init_app(app)
    web.init_app(app)
    errors.init_app(app)  # after flask-smorest, whose own HTTP error handler we replace
    cli.init_app(app)
    request_guards.init_app(app)
    app.before_request(idempotency.check_request)
    app.after_request(unit_of_work.finish_request)
    app.after_request(_security_headers)
    if app.config.get("PROXIES"):  # behind a TLS-terminating proxy: docs/operations.md
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=app.config["PROXIES"],
            x_proto=app.config["PROXIES"],
            x_host=app.config["PROXIES"],
            x_port=app.config["PROXIES"],
        )
    return app


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
