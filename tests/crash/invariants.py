"""What must hold after a crash run, checked against the clients' own record of it.

:func:`check_books` compares the :class:`~tests.crash.client.Ledgerbook` (what
every client was finally told) with the database and ``fundledger verify``,
and returns one line per problem (an empty list: the books held):

- every write was resolved, none met a 500, none got an answer outside the
  ones its step may give (a retry refused as "Idempotency key reused" included);
- ``fundledger verify`` exits 0 (chain, sums, numbering, balances, registers);
- every acknowledged write is in the database exactly once, with what was sent
  (receipts by their unique counterparty, payments by their unique bank
  reference), every refused one nowhere; one stored response per acknowledged
  key and none for any other; one audit event per acknowledged write; the
  journal holds exactly the entries those writes post;
- no award is paid beyond its amount, and each award's ``paid`` is the sum of
  its paid payments;
- the bank (account 1000) is never below zero after any entry nor at the end
  of any value date, and ends at what the clients were told came in and went out;
- the journal's numbers are 1..N and the audit log's ids 1..M, without a gap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import accumulate
from pathlib import Path

from sqlalchemy import select

from ledger.chart import BANK
from ledger.database import make_engine
from ledger.models import (
    Account,
    AuditEvent,
    Award,
    Case,
    CashMovement,
    Disbursement,
    IdempotentRequest,
    JournalEntry,
    JournalHead,
    Posting,
    Victim,
)
from tests.crash.client import Ledgerbook, Write
from tests.crash.servers import fundledger
from tests.crash.workload import minor_of

#: The answers each step may give; anything else is a problem.
ALLOWED = {
    "case": {201},
    "victim": {201},
    "award": {201},
    "receipt": {201},
    "propose": {201, 409, 422},  # 409: nothing outstanding; 422: beyond outstanding or cash
    "approve": {200},
    "approve-own": {403},
    "execute": {200, 422},  # 422: the bank would go below zero on or after that day
}
#: The audit event each acknowledged write records, exactly once.
AUDITED = {
    "case": "case.opened",
    "victim": "victim.registered",
    "award": "award.registered",
    "receipt": "receipt.recorded",
    "propose": "disbursement.proposed",
    "approve": "disbursement.approved",
    "execute": "disbursement.paid",
}
#: The journal entry each acknowledged write posts, exactly once.
POSTED = {
    "award": "award.registered",
    "receipt": "receipt.recorded",
    "execute": "disbursement.paid",
}


def check_books(database_url: str, book: Ledgerbook, workdir: Path, env: dict):
    """(problems, figures) of the books after a run; see the module's text."""
    problems = _check_answers(book)
    verify = fundledger(["verify"], workdir, env)
    if verify.returncode != 0 or not verify.stdout.startswith("OK:"):
        problems.append(
            f"fundledger verify exit {verify.returncode}: {verify.stdout[-2000:]}"
            f" {verify.stderr[-1000:]}"
        )
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            figures = _check_database(connection, book, problems)
    finally:
        engine.dispose()
    figures["verify"] = verify.stdout.strip().splitlines()[:1]
    # Each of these passed the exactly-once checks above despite being sent more than once.
    figures["retried keys acknowledged"] = sum(
        w.acknowledged and w.attempts > 1 for w in book.writes
    )
    return problems, figures


def _check_answers(book: Ledgerbook) -> list[str]:
    problems = [f"server error: {error}" for error in book.server_errors]
    for write in book.writes:
        if write.status is None:
            problems.append(f"{write.key} unresolved after {write.attempts} attempts")
        elif write.status not in ALLOWED[write.op]:
            problems.append(f"{write.key} ({write.op}) answered {write.status}: {write.answer}")
    return problems


def _acked(book: Ledgerbook, op: str) -> list[Write]:
    return [w for w in book.writes if w.op == op and w.acknowledged]


def _check_database(c, book: Ledgerbook, problems: list[str]) -> dict:
    say = problems.append

    def same_ids(op: str, table, label: str) -> None:
        told = [w.answer["id"] for w in _acked(book, op)]
        stored = list(c.scalars(select(table.id)))
        if sorted(told) != sorted(stored):
            say(f"{label}: acknowledged ids {sorted(told)} but stored {sorted(stored)}")

    same_ids("case", Case, "cases")
    same_ids("victim", Victim, "victims")
    same_ids("award", Award, "awards")
    same_ids("propose", Disbursement, "payments proposed")

    _check_receipts(c, book, say)
    _check_payments(c, book, say)
    _check_records_of_keys(c, book, say)
    _check_awards(c, say)
    figures = _check_journal(c, book, say)
    return figures


def _check_receipts(c, book: Ledgerbook, say) -> None:
    rows = c.execute(select(CashMovement).where(CashMovement.direction == "receipt")).all()
    by_counterparty = defaultdict(list)
    for row in rows:
        by_counterparty[row.counterparty].append(row)
    told = {f"Donor {w.key}": w for w in _acked(book, "receipt")}
    for counterparty, found in by_counterparty.items():
        write = told.get(counterparty)
        if write is None or len(found) != 1:
            say(f"receipt {counterparty}: {len(found)} stored, acknowledged: {write is not None}")
            continue
        row, sent = found[0], write.payload
        if (row.id, row.entry_number) != (write.answer["id"], write.answer["entry_number"]):
            say(f"receipt {counterparty}: stored {row.id}/{row.entry_number}, told {write.answer}")
        if (row.amount_minor, row.occurred_on.isoformat()) != (
            minor_of(sent["amount"]),
            sent["received_on"],
        ):
            say(f"receipt {counterparty}: stored {row.amount_minor} on {row.occurred_on}")
    for counterparty in told.keys() - by_counterparty.keys():
        say(f"acknowledged receipt {counterparty} is missing")


def _check_payments(c, book: Ledgerbook, say) -> None:
    rows = {d.id: d for d in c.execute(select(Disbursement)).all()}
    for write in _acked(book, "propose"):
        d, sent = rows.get(write.answer["id"]), write.payload
        if d is None:
            continue  # named by same_ids
        if (d.award_id, d.amount_minor, d.proposed_by) != (
            sent["award_id"],
            minor_of(sent["amount"]),
            write.actor,
        ):
            say(f"payment {d.id} stored {d.award_id}/{d.amount_minor}/{d.proposed_by}: {sent}")
    approvals = {int(w.path.split("/")[2]): w.actor for w in _acked(book, "approve")}
    stored = {d.id: d.approved_by for d in rows.values() if d.approved_by is not None}
    if approvals != stored:
        say(f"approvals acknowledged {approvals} but stored {stored}")
    for d in rows.values():
        if d.approved_by is not None and d.approved_by == d.proposed_by:
            say(f"payment {d.id} approved by its own proposer {d.proposed_by}")
    executions = {int(w.path.split("/")[2]): w for w in _acked(book, "execute")}
    paid = {d.id for d in rows.values() if d.status == "paid"}
    if set(executions) != paid:
        say(f"payments acknowledged paid {sorted(executions)} but stored paid {sorted(paid)}")
    for number, write in executions.items():
        d, sent = rows[number], write.payload
        expected = (
            sent["bank_reference"],
            sent["paid_on"],
            minor_of(sent["debited"]),
            minor_of(sent["fee"]),
            write.answer["payment_entry"],
        )
        actual = (
            d.bank_reference,
            d.paid_on and d.paid_on.isoformat(),
            d.debited_minor,
            d.fee_minor,
            d.payment_entry,
        )
        if expected != actual:
            say(f"payment {number}: stored {actual}, acknowledged {expected}")
    entries = Counter(
        c.scalars(select(JournalEntry.source_id).where(JournalEntry.event == "disbursement.paid"))
    )
    for number, count in entries.items():
        if count != 1:
            say(f"payment {number} posted {count} times")


def _check_records_of_keys(c, book: Ledgerbook, say) -> None:
    """One stored answer per acknowledged key, none for another; one audit event each."""
    ours = {w.key for w in book.writes}
    acked = Counter(w.key for w in book.writes if w.acknowledged)
    stored = Counter(k for k in c.scalars(select(IdempotentRequest.key)) if k in ours)
    if stored != acked:
        extra, missing = stored - acked, acked - stored
        say(f"stored answers: extra {sorted(extra)[:10]}, missing {sorted(missing)[:10]}")
    actions = Counter(c.scalars(select(AuditEvent.action)))
    for op, action in AUDITED.items():
        if actions[action] != len(_acked(book, op)):
            say(f"audit: {actions[action]} {action}, {len(_acked(book, op))} acknowledged")
    events = Counter(c.scalars(select(JournalEntry.event)))
    expected = Counter({event: len(_acked(book, op)) for op, event in POSTED.items()})
    if events != +expected:
        say(f"journal entries by event {dict(events)}, acknowledged {dict(expected)}")


def _check_awards(c, say) -> None:
    paid = defaultdict(int)
    for award_id, amount in c.execute(
        select(Disbursement.award_id, Disbursement.amount_minor).where(
            Disbursement.status == "paid"
        )
    ):
        paid[award_id] += amount
    for award in c.execute(select(Award)).all():
        if award.paid_minor != paid[award.id]:
            say(f"award {award.id}: paid {award.paid_minor}, its payments {paid[award.id]}")
        if award.paid_minor + award.cancelled_minor > award.amount_minor:
            say(f"award {award.id} overpaid: {award.paid_minor} of {award.amount_minor}")


def _check_journal(c, book: Ledgerbook, say) -> dict:
    numbers = list(c.scalars(select(JournalEntry.number).order_by(JournalEntry.number)))
    if numbers != list(range(1, len(numbers) + 1)):
        say(f"journal numbering has gaps: {numbers[:5]}…{numbers[-5:]}")
    head = c.scalar(select(JournalHead.last_number))
    if head != len(numbers):
        say(f"journal head says {head}, {len(numbers)} entries")
    audit_ids = list(c.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
    if audit_ids != list(range(1, len(audit_ids) + 1)):
        say("audit log numbering has gaps")

    legs = c.execute(
        select(JournalEntry.value_date, JournalEntry.number, Posting.amount)
        .join(Posting, Posting.entry_number == JournalEntry.number)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.code == BANK)
        .order_by(JournalEntry.number)
    ).all()
    by_number = list(accumulate(amount for _, _, amount in legs))
    if by_number and min(by_number) < 0:
        say(f"bank below zero after an entry: {min(by_number)}")
    per_day = defaultdict(int)
    for day, _, amount in legs:
        per_day[day] += amount
    by_day = list(accumulate(per_day[day] for day in sorted(per_day)))
    if by_day and min(by_day) < 0:
        say(f"bank below zero at the end of a day: {min(by_day)}")
    came_in = sum(minor_of(w.payload["amount"]) for w in _acked(book, "receipt"))
    went_out = sum(
        minor_of(w.payload["debited"]) + minor_of(w.payload["fee"]) for w in _acked(book, "execute")
    )
    bank = by_number[-1] if by_number else 0
    if bank != came_in - went_out:
        say(f"bank {bank}, but the clients were told {came_in} in and {went_out} out")
    return {
        "entries": len(numbers),
        "audit events": len(audit_ids),
        "bank minor": bank,
        "lowest end of day minor": min(by_day) if by_day else 0,
        "value dates": len(per_day),
    }
