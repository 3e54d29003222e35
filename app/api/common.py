"""Who acts in an API request."""

from __future__ import annotations

from app.auth import current_actor
from ledger.access import Actor


def actor() -> Actor:
    return current_actor()
