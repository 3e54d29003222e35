"""Refuse, before any view runs, input that would otherwise reach a parser or the
database as something they cannot take.

- JSON that Python's parser cannot read without an exception other than a
  decode error (nested 100,000 deep: RecursionError; a 5,000-digit integer:
  ValueError) would surface as a 500; it is a 400 here.
- A NUL character is a valid URL (``%00``), but PostgreSQL refuses it in text:
  in the path nothing can be found (404); in the query it is a 422 naming the
  parameter. In a JSON body every text field refuses control characters
  itself, naming the field.
"""

from __future__ import annotations

import json

from flask import Response, request

from app.errors import problem

NUL = "\x00"


def refuse_unreadable_input() -> Response | None:
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
    if not request.is_json:
        return None
    try:
        json.loads(request.get_data(cache=True) or b"null")
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
