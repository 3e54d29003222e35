"""Refuse, before any view runs, input that would otherwise reach a parser or the
database as something they cannot take.

- A body above its limit (``MAX_JSON_BYTES`` for JSON and forms, ``MAX_UPLOAD_BYTES``
  for a file upload) is 413 before it is read; a body sent without a length
  (chunked) is read up to one byte past its limit, and is 413 if it has it.
- A POST to the API with a body that is not JSON, where JSON is expected, is 415
  naming the type it takes; a JSON body that is not UTF-8 is 400 saying so.
- JSON that Python's parser cannot read without an exception other than a
  decode error (nested 100,000 deep: RecursionError; a 5,000-digit integer:
  ValueError) would surface as a 500; it is a 400 here.
- A multipart part without a name (RFC 7578 requires one) is parsed by Werkzeug
  as a field or file named ``None``, which nothing after can sort or look up
  (the idempotency fingerprint sorted the fields: a 500); it is a 400 here.
- A NUL character is a valid URL (``%00``), but PostgreSQL refuses it in text:
  in the path nothing can be found (404); in the query it is a 422 naming the
  parameter. In a JSON body every text field refuses control characters
  itself, naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask, Response, current_app, request

from app.errors import problem

NUL = "\x00"
API_PREFIX = "/api/v1/"
UPLOAD_TYPES = ("multipart/form-data",)


def accepts_files(handler: Callable) -> Callable:
    """Mark an API method as taking a file upload (multipart) as well as, or instead of, JSON."""
    handler.accepts_files = True
    return handler


def init_app(app: Flask) -> None:
    # Werkzeug's own ceiling for every body. (Its per-field form memory limit is left at
    # its default: Werkzeug applies it to each chunk of a multipart body, files included,
    # so tying it to the JSON limit would refuse small uploads.)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"] + 1
    app.before_request(refuse_unreadable_input)


def refuse_unreadable_input() -> Response | None:
    return (
        _nul_in_url()
        or _too_large()
        or _wrong_content_type()
        or _unreadable_json()
        or _nameless_part()
    )


def _nul_in_url() -> Response | None:
    if NUL in request.path:
        return problem(404, "Not Found", "nothing is found at a path with a NUL character")
    for name, value in request.args.items(multi=True):
        if NUL in name or NUL in value:
            field = name.replace(NUL, "")
            return problem(
                422,
                "Invalid input",
                f"{field}: must not contain a NUL character",
                {field: ["must not contain a NUL character"]},
            )
    return None


def _takes_files() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    handler = getattr(getattr(view, "view_class", None), request.method.lower(), None)
    return bool(getattr(handler, "accepts_files", False))


def _too_large() -> Response | None:
    upload = request.mimetype in UPLOAD_TYPES
    limit = current_app.config["MAX_UPLOAD_BYTES" if upload else "MAX_JSON_BYTES"]
    length = request.content_length
    unsaid = length is None or (not length and request.environ.get("wsgi.input_terminated"))
    if unsaid:
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        # No length said (chunked): read one byte past the limit to know, and keep what was
        # read as the body (Werkzeug parses forms and JSON from this cache from now on).
        data = _read_at_most(limit + 1)
        if len(data) <= limit:
            request._cached_data = data
            return None
        length = f"more than {limit}"
    elif length <= limit:
        return None
    what = "an upload" if upload else "a request body"
    return problem(
        413,
        "Content Too Large",
        f"{what} may be at most {limit} bytes; this one is {length}",
        {"body": [f"larger than {limit} bytes"]},
    )


def _read_at_most(size: int) -> bytes:
    """Up to ``size`` bytes of the body (a stream may hand them over a piece at a time)."""
    pieces, left = [], size
    while left > 0:
        piece = request.stream.read(left)
        if not piece:
            break
        pieces.append(piece)
        left -= len(piece)
    return b"".join(pieces)


def _wrong_content_type() -> Response | None:
    if request.method != "POST" or not request.path.startswith(API_PREFIX):
        return None
    if not request.content_length and not request.data:
        return None  # no body at all: an action without input (approve, close…)
    if request.is_json or (request.mimetype in UPLOAD_TYPES and _takes_files()):
        return None
    expected = _expected_types()
    return problem(
        415,
        "Unsupported Media Type",
        f"this endpoint takes {expected}, not {request.mimetype or 'a body without a type'}",
        {"Content-Type": [f"must be {expected}"]},
    )


def _expected_types() -> str:
    return "application/json or multipart/form-data" if _takes_files() else "application/json"


def _unreadable_json() -> Response | None:
    if not request.is_json:
        return None
    data = request.get_data(cache=True) or b"null"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return problem(400, "Bad Request", "the body is not UTF-8", {"body": ["not UTF-8"]})
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return None  # the views' own parser answers this one, naming the problem
    except (ValueError, RecursionError):
        return problem(
            400,
            "Bad Request",
            "the JSON body is too deeply nested or holds a number too large to read",
            {"body": ["unreadable JSON"]},
        )
    return None


def _nameless_part() -> Response | None:
    if request.mimetype not in UPLOAD_TYPES:
        return None
    if None not in request.form and None not in request.files:
        return None
    return problem(
        400,
        "Bad Request",
        "every part of a multipart body needs a name (Content-Disposition: form-data; name=...)",
        {"body": ["a part without a name"]},
    )
