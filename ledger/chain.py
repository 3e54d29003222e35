"""The hash chain: canonical JSON of an entry and its postings, and its SHA-256.

``hash = sha256(prev_hash + canonical_json(entry, postings))``, genesis
``prev_hash`` is 64 zeros. The canonical form is compact JSON with sorted
keys, only strings and integers (amounts in minor units, dates in ISO 8601),
and postings in line order. Accounts appear by code, which never changes,
so the chain can be recomputed from an export without database ids.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger.models import JournalEntry, Posting

_DIMENSIONS = ("case_id", "victim_id", "award_id", "asset_id")


def canonical_json(entry: JournalEntry, postings: Sequence[Posting], codes: Sequence[str]) -> str:
    document = {
        "number": entry.number,
        "value_date": entry.value_date.isoformat(),
        "posted_at": _timestamp(entry.posted_at),
        "memo": entry.memo,
        "event": entry.event,
        "source_type": entry.source_type,
        "source_id": entry.source_id,
        "reverses": entry.reverses,
        "created_by": entry.created_by,
        "idempotency_key": entry.idempotency_key,
        "postings": [
            {
                "line": p.line,
                "account": code,
                "amount": p.amount,
                "original_amount": p.original_amount,
                "currency": p.currency,
                **{d: getattr(p, d) for d in _DIMENSIONS},
            }
            for p, code in zip(postings, codes, strict=True)
        ],
    }
    return _dumps(document)


def canonical_parts(entry, postings: Sequence, codes: Sequence[str]) -> tuple[str, str]:
    """The canonical JSON of an entry whose number is not known yet, in two parts: the
    document is ``first + str(number) + second``, byte for byte what
    :func:`canonical_json` writes (keys are sorted and an integer is written as its
    digits), so the JSON is built before the journal head is locked and only the
    number is added under the lock."""
    marker = -987654321  # written as its digits once, in the "number" field only
    document = canonical_json(_Numbered(entry, marker), postings, codes)
    first, found, second = document.partition(f'"number":{marker}')
    assert found, "the canonical JSON lost its number field"
    return first + '"number":', second


def hash_of(prev_hash: str, number: int, parts: tuple[str, str]) -> str:
    """:func:`entry_hash` from :func:`canonical_parts`: what the critical section computes."""
    payload = prev_hash + parts[0] + str(number) + parts[1]
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _Numbered:
    """An entry seen with another number (for :func:`canonical_parts`)."""

    def __init__(self, entry, number: int):
        self._entry, self.number = entry, number

    def __getattr__(self, name: str):
        return getattr(self._entry, name)


def entry_hash(entry: JournalEntry, postings: Sequence[Posting], codes: Sequence[str]) -> str:
    payload = entry.prev_hash + canonical_json(entry, postings, codes)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def request_fingerprint(value_date: date, memo, event, source, reverses, legs) -> str:
    """What an idempotent retry must repeat exactly: everything but time and author."""
    return _dumps(
        {
            "value_date": value_date.isoformat(),
            "memo": memo,
            "event": event,
            "source": list(source) if source else None,
            "reverses": reverses,
            "postings": [
                [leg.account.code, leg.line.amount, leg.original.minor, leg.original.currency]
                + [leg.dims[d] for d in _DIMENSIONS]
                for leg in legs
            ],
        }
    )


def request_fingerprint_of(entry: JournalEntry) -> str:
    return _dumps(
        {
            "value_date": entry.value_date.isoformat(),
            "memo": entry.memo,
            "event": entry.event,
            "source": [entry.source_type, entry.source_id] if entry.source_type else None,
            "reverses": entry.reverses,
            "postings": [
                [p.account.code, p.amount, p.original_amount, p.currency]
                + [getattr(p, d) for d in _DIMENSIONS]
                for p in entry.postings
            ],
        }
    )


def _timestamp(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def _dumps(document: object) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
