"""The registers against the journal and the audit log that moved them.

A register row (an award, a payment, an asset, a receipt or expense, a case, a
victim's plain fields, a distribution, an account, a closed month) is a
summary of the steps taken on it. Each step posts its journal entry and records
its audit event (with the row's fields after the step) in the same transaction,
and both of those are hash-chained. So every field of a register that holds
money or state must follow from them:

- what an entry carries: an award's amount and functional value (its
  registration entry), what is paid (payment entries less returns), cancelled
  (cancellation entries) and outstanding (what 2000 still carries for it), a
  payment's amount, day, bank debit and fee (its payment entry) and its return
  (the reversing entry), an asset's values and days (the entries sourced to it),
  a receipt's amount, day and memo;
- what the audit log says last: each row's fields as the last event on it
  recorded them, and who took the first step;
- and the other way round: each entry a register step posted has its audit
  event and each such event its entry, so a deleted last audit event (or a
  journal whose tail was cut along with its head row) shows as a step with only
  one of its two records.

Problems name the record and the entry, never personal data nor free text:
amounts, days, numbers, codes and field names only. Cost: one query per table
(rows streamed), never one per row.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import cases
from ledger.models import Case, User
from ledger.verify_registers.assets import verify_assets
from ledger.verify_registers.awards import verify_awards
from ledger.verify_registers.books import Books
from ledger.verify_registers.movements import verify_movements
from ledger.verify_registers.payments import verify_payments
from ledger.verify_registers.periods import verify_periods
from ledger.verify_registers.records import (
    verify_accounts,
    verify_distributions,
    verify_snapshots,
    verify_victims,
)
from ledger.verify_registers.steps import verify_steps

__all__ = ["verify_registers"]


def verify_registers(session: Session) -> list[str]:
    """Every register row against the entries and audit events that moved it."""
    books = Books(session)
    problems: list[str] = []
    users = {
        row.name: (row.id, row.role)
        for row in session.execute(select(User.name, User.id, User.role))
    }
    checks = {
        "awards": lambda: verify_awards(session, books, users),
        "disbursements": lambda: verify_payments(session, books),
        "assets": lambda: verify_assets(session, books),
        "receipts and expenses": lambda: verify_movements(session, books),
        "cases": lambda: verify_snapshots(session, books, "case", Case, cases.FIELDS),
        "victims": lambda: verify_victims(session, books),
        "distributions": lambda: verify_distributions(session, books),
        "accounts": lambda: verify_accounts(session, books),
        "periods": lambda: verify_periods(session, books),
        "steps": lambda: verify_steps(books),
    }
    for name, run in checks.items():
        try:
            problems += run()
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            # Values no step could have written: a finding, never a traceback.
            problems.append(f"{name}: rows no step could have written ({type(error).__name__})")
    return problems
