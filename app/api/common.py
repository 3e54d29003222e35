"""Who acts in an API request, and what every POST of the API takes besides its body."""

from __future__ import annotations

from apispec import BasePlugin

from app.auth import current_actor
from app.idempotency import MAX_KEY
from ledger.access import Actor


def actor() -> Actor:
    return current_actor()


class IdempotencyKeyPlugin(BasePlugin):
    """Documents ``Idempotency-Key`` on every POST of the OpenAPI document (SPEC §7: every
    POST honours it; :mod:`app.idempotency`), so that clients and contract tools see it.

    The documented key is printable ASCII, not blank, at most
    :data:`~app.idempotency.MAX_KEY` characters: what a header carries unencoded, and a
    part of what the API takes (any printable text).
    """

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        post = (operations or {}).get("post")
        if post is not None:
            post.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry safely: the same key and body replay the first response "
    "(Idempotent-Replayed: true); the same key with another body is 422.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY,
        "pattern": "^ *[!-~][ -~]*$",
    },
}
