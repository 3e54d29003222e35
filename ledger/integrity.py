"""Running the integrity check as a step: the check, and a record that it was run.

The check is :func:`ledger.verify.verify_books` whichever door runs it.
``GET /audit/verify`` and ``fundledger verify`` only read (a check of books that
may have been tampered with writes nothing into them); the web's integrity page
runs it as a step an auditor or administrator takes, so the audit log (and the
dashboard) can say when the books were last checked, by whom, what the chain's
head was then, and what was found wrong (the first
:data:`PROBLEMS_KEPT` problems: what the check says names entries, accounts,
awards and audit events, never a victim's personal data).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger import audit, events
from ledger.access import Actor
from ledger.verify import VerifyResult, verify_books

#: How many of the problems found the audit log keeps, word for word.
PROBLEMS_KEPT = 50


def run_check(session: Session, actor: Actor) -> VerifyResult:
    result = verify_books(session, actor)
    after = {
        "ok": result.ok,
        "entries": result.entries,
        "head_hash": result.head_hash,
        "checkpoints": result.checkpoints,
        "problems": len(result.problems),
        "found": result.problems[:PROBLEMS_KEPT],
    }
    audit.record(session, actor, events.BOOKS_VERIFIED, "books", after=after)
    return result
