"""The REST API under ``/api/v1``: flask-smorest blueprints, one per resource.

The OpenAPI document is generated from the schemas and served at
``/api/v1/openapi.json``; :mod:`app.api.docs` renders it with Swagger UI at
``/api/v1/docs``.
"""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from app.api import (
    accounts,
    assets,
    audit,
    awards,
    cases,
    cash,
    disbursements,
    distributions,
    docs,
    exports,
    fx_rates,
    health,
    imports,
    journal,
    periods,
    reports,
    victims,
)
from app.api.common import IdempotencyKeyPlugin
from app.api.schemas import ProblemSchema

#: The media type of every error the API answers (app/errors.py), RFC 9457.
PROBLEM_JSON = "application/problem+json"

BLUEPRINTS = (
    health.blp,
    cases.blp,
    assets.blp,
    victims.blp,
    awards.blp,
    disbursements.blp,
    distributions.blp,
    cash.receipts,
    cash.expenses,
    accounts.blp,
    journal.blp,
    fx_rates.blp,
    periods.blp,
    reports.blp,
    exports.blp,
    imports.blp,
    audit.blp,
)


class ProblemApi(Api):
    """flask-smorest's ``Api`` documenting errors as they are answered: ``problem+json``
    bodies of :class:`~app.api.schemas.ProblemSchema` (flask-smorest's own say
    ``application/json`` and its ``Error`` schema, which no response of ours has)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        # flask-smorest's method of the same name, with the problem's media type.
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "fundledger")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = ProblemApi(app, spec_kwargs={"extra_plugins": [IdempotencyKeyPlugin()]})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "fundledger API token"}
    )
    api.spec.options["security"] = [{"bearerAuth": []}]
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix="/api/v1" + blueprint.url_prefix)
    app.register_blueprint(docs.blp)  # plain Flask: a page, not an operation of the spec
    return api
