"""What a record's state allows next, so that each door offers only those steps.

The services refuse any other step themselves (a :class:`~ledger.errors.Conflict`
that changes nothing); this says the same thing ahead of time, for a page to
show the right buttons and an API client to know what it may try.
"""

from __future__ import annotations

#: (kind of asset, or None for any kind, state) → the steps it allows.
ASSET = {
    "seized": ("forfeit", "release"),
    "forfeited": ("liquidate",),
    "liquidated": (),
    "released": (),
}
PAYMENT = {
    "proposed": ("approve", "reject"),
    "approved": ("execute",),
    "paid": ("return",),
    "rejected": (),
    "returned": (),
}
AWARD = {
    "registered": ("propose", "cancel"),
    "partially_paid": ("propose", "cancel"),
    "paid": (),
    "cancelled": (),
}


def for_asset(kind: str, state: str) -> tuple[str, ...]:
    steps = ASSET[state]
    if kind == "cash":  # forfeited cash is in the bank already: there is nothing to sell
        steps = tuple(step for step in steps if step != "liquidate")
    return steps


def for_payment(state: str) -> tuple[str, ...]:
    return PAYMENT[state]


def for_award(state: str) -> tuple[str, ...]:
    return AWARD[state]
