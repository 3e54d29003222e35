"""The interactive API reference: Swagger UI at ``/api/v1/docs``, from vendored files.

The page is public, like the OpenAPI document it renders: it holds nothing but
what ``/api/v1/openapi.json`` already says. Every script and style comes from
this application (``app/api/static/``; Swagger UI is vendored there, see its
README.md), because the fund runs on a closed network where a CDN is out of
reach, and because the page's Content-Security-Policy allows nothing else.

A plain Flask blueprint, not a flask-smorest one: the page is not an API
operation and must not appear in the OpenAPI document.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template_string, url_for

blp = Blueprint(
    "api_reference",
    __name__,
    url_prefix="/api/v1/docs",
    static_folder="static",
    static_url_path="/static",
)

#: The docs page's own policy, replacing the app-wide ``default-src 'self'`` (which
#: ``app._security_headers`` only sets when a response has none). Everything is
#: named, nothing falls back to a default:
#: - ``script-src 'self'``: the vendored bundle and our start-up file; no inline
#:   script and no 'unsafe-eval' (the bundle's one ``new Function`` is a fallback
#:   behind ``globalThis`` that a current browser never reaches; the browser test
#:   runs the page under exactly this policy and fails on any violation);
#: - ``style-src 'self'``: swagger-ui.css; React sets its inline styles through the
#:   CSSOM, which CSP does not restrict, so no 'unsafe-inline' is needed for styles;
#: - ``img-src 'self' data:``: swagger-ui.css draws its icons (arrows, locks,
#:   checkboxes) as ``data:`` SVG and PNG images; the favicon is ``data:`` too;
#: - ``connect-src 'self'``: the spec and the "Try it out" requests, to this origin
#:   only;
#: - ``form-action 'self'``, ``base-uri 'none'``, ``frame-ancestors 'none'``: the
#:   Authorize dialog is a form (handled by script, never submitted elsewhere), no
#:   ``<base>`` may redirect relative URLs, and no site may frame the page.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>fundledger API reference</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{{ static('swagger-ui/swagger-ui.css') }}">
  <script src="{{ static('swagger-ui/swagger-ui-bundle.js') }}" defer></script>
  <script src="{{ static('swagger-ui-init.js') }}" defer></script>
</head>
<body>
  <noscript>
    <p>This reference needs JavaScript. The API is described by its
    <a href="{{ spec_url }}">OpenAPI document</a>.</p>
  </noscript>
  <div id="swagger-ui" data-spec-url="{{ spec_url }}"></div>
</body>
</html>
"""


@blp.get("")
def page() -> str:
    return render_template_string(
        PAGE,
        static=lambda filename: url_for("api_reference.static", filename=filename),
        spec_url=url_for("api-docs.openapi_json"),
    )


@blp.after_request
def _content_security_policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
