"""Payments (disbursements): their payment and return entries, the fields each step
fills, and the amount, day, fee, bank debit and reference the payment entry states."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger import disbursements, events
from ledger.chart import AWARDS_PAYABLE, BANK, BANK_CHARGES
from ledger.models import Disbursement
from ledger.verify_registers.books import Books, Entry
from ledger.verify_registers.findings import (
    compare_snapshot,
    dated,
    numbers,
    rows,
    set_in_states,
)

_SETTLED = ("paid", "returned")
#: The fields a step fills, and the states in which they are therefore set.
_SET_IN = {
    **dict.fromkeys(
        ("paid_on", "bank_reference", "debited_minor", "fee_minor", "payment_entry"), _SETTLED
    ),
    **dict.fromkeys(("returned_on", "return_reason", "return_entry"), ("returned",)),
    "approved_by": ("approved", *_SETTLED),
    "rejected_by": ("rejected",),
}


def verify_payments(session: Session, books: Books) -> list[str]:
    """Each payment against the entries sourced to it and the last audit event on it."""
    problems = []
    for d in rows(session, Disbursement):
        what = f"disbursement {d.id}"
        paid = books.sourced("disbursement", d.id, events.PAYMENT_PAID)
        returned = books.sourced("disbursement", d.id, events.PAYMENT_RETURNED)
        for kind, found, number, states in (
            ("payment", paid, d.payment_entry, _SETTLED),
            ("return", returned, d.return_entry, ("returned",)),
        ):
            if sorted(e.number for e in found) != ([number] if d.status in states else []):
                problems.append(
                    f"{what}: {d.status} with {kind} entry {number or 'none'} but the "
                    f"journal's {kind} entries for it are {numbers(found)}"
                )
        problems += set_in_states(what, d.status, d, _SET_IN)
        if (d.approved_at is None) != (d.approved_by is None):
            problems.append(f"{what}: approved_at and approved_by disagree")
        for entry in paid[:1]:
            problems += _payment_entry(books, what, d, entry)
        for entry in returned[:1]:
            problems += _return_entry(what, d, entry)
        problems += compare_snapshot(
            books, what, ("disbursement", str(d.id)), d, disbursements.FIELDS
        )
    return problems


def _payment_entry(books: Books, what: str, d, entry: Entry) -> list[str]:
    problems = []
    relieved = entry.original(AWARDS_PAYABLE)
    if relieved != d.amount_minor or entry.currencies(AWARDS_PAYABLE) != {d.currency}:
        problems.append(
            f"{what}: amount {books.money(d.amount_minor, d.currency)} but its payment entry "
            f"{entry.number} pays {books.money(relieved, d.currency)}"
        )
    if entry.named("award_id") != {d.award_id}:
        problems.append(f"{what}: award_id is not the award its payment entry {entry.number} pays")
    problems += dated(what, "paid on", d.paid_on, entry, "its payment entry")
    fee = entry.amount(BANK_CHARGES)
    if d.fee_minor != fee:
        problems.append(
            f"{what}: fee {books.money(d.fee_minor, None)} but its payment entry {entry.number} "
            f"charges {books.money(fee, None)}"
        )
    debited = -entry.amount(BANK) - fee
    if d.debited_minor != debited:
        problems.append(
            f"{what}: debited {books.money(d.debited_minor, None)} but its payment entry "
            f"{entry.number} takes {books.money(debited, None)} from the bank"
        )
    if d.bank_reference is None or not entry.memo.endswith(f"(bank ref {d.bank_reference})"):
        problems.append(
            f"{what}: bank_reference is not the one its payment entry {entry.number} states"
        )
    return problems


def _return_entry(what: str, d, entry: Entry) -> list[str]:
    problems = []
    if entry.reverses != d.payment_entry:
        problems.append(
            f"{what}: its return entry {entry.number} does not reverse its payment "
            f"entry {d.payment_entry}"
        )
    problems += dated(what, "returned on", d.returned_on, entry, "its return entry")
    if d.return_reason is None or not entry.memo.endswith(f": {d.return_reason}"):
        problems.append(
            f"{what}: return_reason is not the one its return entry {entry.number} states"
        )
    return problems
