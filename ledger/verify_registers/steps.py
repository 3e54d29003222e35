"""The two records of a register step: each entry it posted has its audit event,
and each such event its entry (a deleted audit event, or a journal cut at its tail)."""

from __future__ import annotations

from collections import defaultdict

from ledger import events
from ledger.verify_registers.books import JOURNAL_EVENTS, PERIOD_EVENTS, SOURCED_EVENTS, Books
from ledger.verify_registers.findings import numbers

#: Asset steps that post an entry for cash only.
_MAYBE_UNPOSTED = frozenset({events.ASSET_SEIZED, events.ASSET_RELEASED})


def verify_steps(books: Books) -> list[str]:
    """Each entry a step posted has the step's audit event, and each such event its entry."""
    problems = []
    counted: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for entry in books.entries.values():
        if entry.event in SOURCED_EVENTS and entry.source:
            counted[(entry.event, *entry.source)].append(entry.number)
        elif entry.event in JOURNAL_EVENTS:
            counted[(entry.event, "journal_entry", str(entry.number))].append(entry.number)
        elif entry.event in PERIOD_EVENTS and not books.period_entries.get(entry.number):
            problems.append(f"entry {entry.number}: {entry.event} but no audit event names it")
    for key, posted in sorted(counted.items()):
        recorded = books.steps.get(key, [])
        if len(recorded) < len(posted):
            problems.append(
                f"entry {posted[-1]}: {key[0]} of {key[1]} {key[2]} has "
                f"{len(recorded)} audit event(s) for {numbers(posted)} "
                "(audit events deleted?)"
            )
    for key, ids in sorted(books.steps.items()):
        action = key[0]
        # A non-cash asset's seizure and release post nothing (the asset checks see to it).
        if action not in SOURCED_EVENTS | JOURNAL_EVENTS or action in _MAYBE_UNPOSTED:
            continue
        posted = counted.get(key, [])
        if len(posted) < len(ids):
            problems.append(
                f"audit event {ids[-1]}: {action} of {key[1]} {key[2]} but the journal has "
                f"{numbers(posted)} for it (entries removed?)"
            )
    for number, recorded in sorted(books.period_entries.items()):
        entry = books.entries.get(number)
        for event_id, action in recorded:
            if entry is None or entry.event != action:
                problems.append(
                    f"audit event {event_id}: {action} names entry {number}, "
                    "which the journal does not have as such"
                )
    return problems
