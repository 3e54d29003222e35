"""The journal in the formats of auditors' own tools: Ledger/hledger and Beancount.

SPEC §6: ``fundledger export-journal --format ledger|beancount`` writes the
journal so that an auditor can recompute every balance with hledger, Ledger
or Beancount instead of trusting ours. The export is streamed in entry-number
order a batch of rows at a time (:func:`reports.queries.stream`), so a
journal of any length is written in bounded memory.

What an auditor gets:

- every posting in the FUNCTIONAL currency, the unit the journal balances in,
  as an exact decimal string made from integer minor units (never a float);
  a posting made in another currency carries its original amount as a tag
  (``; original: USD 100.00``) or metadata (``original: "USD 100.00"``);
- accounts named by type, code and name, so figures match our statements line
  by line: ``Assets:1000-Fund-bank-account``, ``Liabilities:2000-Awards-payable``,
  ``Equity:3000-Fund-balance``, ``Income:4000-Forfeiture-revenue``,
  ``Expenses:5000-Victim-compensation``;
- per transaction the entry number, event, memo, hash (and the entry it
  reverses, and its source record); per posting the dimensions, victims by
  their pseudonymous CODE only: personal data is never read here;
- a header with the fund, the generation time, the journal head (entry number
  and hash) the export was built from and how many entries it holds;
- closing balance assertions, one per account, taken from the fund's own
  trial balance (the running balances when the export runs to today), so
  ``hledger``, ``ledger`` and ``bean-check`` themselves refuse the file if
  the postings do not add up to what the fund reports.

With ``date_from`` the export opens with an "opening balances" transaction
(every account's balance from the entries dated before it; not a journal
entry, and marked as such), so balances still tie to the trial balance at
the end of the period. Only entries up to the head read at the start are
written: a report session is one snapshot anyway, and entries posted while
the file is written can never slip in under a header that does not count them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy.orm import Session

from ledger import access, validate
from ledger.access import Actor
from ledger.errors import Invalid
from reports.journal_export.reading import FORMATS, account_name, pieces, read_entries, read_plan
from reports.journal_export.writers import beancount, ledger

__all__ = ["FORMATS", "account_name", "export_journal"]


def export_journal(
    session: Session,
    actor: Actor,
    fmt: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Iterator[str]:
    """The journal as Ledger/hledger (``ledger``) or Beancount (``beancount``) text, in pieces.

    Validation and the header's facts are read before this returns, so a bad
    request fails here, not half-way through a download.
    """
    access.require(actor, access.READ_BOOKS)
    validate.one_of("format", fmt, FORMATS)
    if date_from is not None and date_to is not None and date_from > date_to:
        raise Invalid.field("from", "must not be after 'to'")
    plan = read_plan(session, date_from, date_to)
    writer = ledger if fmt == "ledger" else beancount
    return pieces(writer(plan, read_entries(session, plan)))
