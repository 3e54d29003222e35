"""Pro rata allocation in whole minor units (SPEC §5, distribution rounds).

Each claimant gets ``floor(total * weight / sum(weights))``; the minor units left
over go one each to the largest remainders, ties broken by the smaller key
(award number). Pure integer arithmetic: the shares always add up to exactly
``total``, and no share exceeds its weight when ``total ≤ Σweights``.
"""

from __future__ import annotations

from collections.abc import Mapping


def allocate(total: int, weights: Mapping[int, int]) -> dict[int, int]:
    if total < 0 or any(w < 0 for w in weights.values()):
        raise ValueError("total and weights must not be negative")
    whole = sum(weights.values())
    if whole == 0:
        if total:
            raise ValueError("nothing to allocate over")
        return {key: 0 for key in weights}
    shares, remainders = {}, []
    for key, weight in weights.items():
        share, remainder = divmod(total * weight, whole)
        shares[key] = share
        remainders.append((-remainder, key))
    leftover = total - sum(shares.values())
    for _, key in sorted(remainders)[:leftover]:
        shares[key] += 1
    return shares
