"""Receipts and expenses: each row and the one entry it names, both ways round."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger import cash, events, labels
from ledger.models import CashMovement
from ledger.verify_registers.books import Books
from ledger.verify_registers.findings import compare_snapshot, dated, first_actor, numbers, rows


def verify_movements(session: Session, books: Books) -> list[str]:
    """Each receipt and expense against its entry, and each such entry against its row."""
    problems = []
    seen: set[int] = set()
    for m in rows(session, CashMovement):
        what = f"{m.direction} {m.id}"
        event = events.RECEIPT_RECORDED if m.direction == "receipt" else events.EXPENSE_RECORDED
        entry = books.entries.get(m.entry_number) if m.entry_number is not None else None
        if entry is None or entry.event != event or entry.source != (m.direction, str(m.id)):
            problems.append(
                f"{what}: its entry {m.entry_number or 'none'} is not the journal's "
                f"{event} entry for it ({numbers(books.sourced(m.direction, m.id, event))})"
            )
        else:
            seen.add(entry.number)
            problems += dated(what, "occurred on", m.occurred_on, entry, "entry")
            debits = {(leg[1], frozenset(leg[2])) for leg in entry.legs.values() if leg[0] > 0}
            if debits != {(m.amount_minor, frozenset({m.currency}))}:
                problems.append(
                    f"{what}: amount {books.money(m.amount_minor, m.currency)} is not what "
                    f"entry {entry.number} moves"
                )
            try:
                memo = labels.movement_memo(m.direction, m.kind, m.counterparty)
            except Exception:  # an unknown kind written behind the back
                memo = None
            if entry.memo != memo:
                problems.append(f"{what}: kind or counterparty differ from entry {entry.number}")
            for dim in ("case_id", "asset_id"):
                if entry.named(dim) != {getattr(m, dim)} - {None}:
                    problems.append(f"{what}: {dim} is not the one entry {entry.number} names")
        subject = (m.direction, str(m.id))
        problems += compare_snapshot(books, what, subject, m, cash.FIELDS)
        problems += first_actor(books, what, subject, "created_by", m.created_by)
    for event in (events.RECEIPT_RECORDED, events.EXPENSE_RECORDED):
        for entry in books.by_event.get(event, []):
            if entry.number not in seen:
                source = " ".join(entry.source) if entry.source else "no record"
                problems.append(
                    f"entry {entry.number}: {event} of {source}, which does not name it"
                )
    return problems
