"""Bursts of clients, shared by the posting measures on both engines."""

from __future__ import annotations

import time

from bench import workers


def burst(pool, function, args: tuple, clients: int, lead: float = 0.5) -> float:
    """Run ``function(*args, start_at)`` in ``clients`` pool processes at once; the rate."""
    start_at = time.time() + lead
    pending = [pool.apply_async(function, (*args, start_at)) for _ in range(clients)]
    return workers.rate([p.get(timeout=600) for p in pending])


def ratio(value: float, reference: float) -> float | None:
    return value / reference if reference and reference == reference else None
