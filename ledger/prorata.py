"""Pro rata allocation in whole minor units (SPEC §5, distribution rounds).

Each claimant gets ``floor(total * weight / sum(weights))``; the minor units left
over go one each to the largest remainders, ties broken by the smaller key
(award number). Pure integer arithmetic: the shares always add up to exactly
``total``, and no share exceeds its weight when ``total ≤ Σweights``.

:func:`split` says, for each claimant, its floor and whether it got one of the
units left over (what a distribution round's preview shows); :func:`allocate`
is the shares alone. Both are the same computation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Share:
    #: ``floor(total * weight / sum(weights))``.
    floor: int
    #: 1 if one of the units left over went to this claimant (a largest remainder), else 0.
    extra: int

    @property
    def amount(self) -> int:
        return self.floor + self.extra


def split(total: int, weights: Mapping[int, int]) -> dict[int, Share]:
    if total < 0 or any(w < 0 for w in weights.values()):
        raise ValueError("total and weights must not be negative")
    whole = sum(weights.values())
    if whole == 0:
        if total:
            raise ValueError("nothing to allocate over")
        return {key: Share(0, 0) for key in weights}
    floors, remainders = {}, []
    for key, weight in weights.items():
        share, remainder = divmod(total * weight, whole)
        floors[key] = share
        remainders.append((-remainder, key))
    leftover = total - sum(floors.values())
    bumped = {key for _, key in sorted(remainders)[:leftover]}
    return {key: Share(floor, int(key in bumped)) for key, floor in floors.items()}


def allocate(total: int, weights: Mapping[int, int]) -> dict[int, int]:
    return {key: share.amount for key, share in split(total, weights).items()}
