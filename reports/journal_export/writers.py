"""Writing the journal as Ledger/hledger and as Beancount text: what both write alike,
then each tool's own syntax."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from ledger.money import exponent
from reports.journal_export.reading import (
    CONTROL_CHARACTERS,
    HLEDGER_TYPES,
    Entry,
    Plan,
    one_line,
    original_of,
)

# -- what both journals write alike -------------------------------------------------------


@dataclass(frozen=True)
class _Syntax:
    """How one tool writes what both journals hold: metadata, and a posting's amount."""

    #: The indent of a transaction's lines (twice that for a posting's metadata).
    indent: str
    #: In front of a metadata line (Ledger's tags live in comments).
    comment: str
    #: A text value, written the way the tool reads text.
    text: Callable[[str], str]
    #: ``(amount, currency)`` as a posting writes them.
    money: Callable[[str, str], str]

    def metadata(self, depth: int, key: str, value: str | int) -> str:
        """``key: value`` under a transaction (depth 1) or a posting (depth 2); numbers as
        they are, text as the tool reads text."""
        shown = value if isinstance(value, int) else self.text(value)
        return f"{self.indent * depth}{self.comment}{key}: {shown}"

    def posting(self, account: str, amount: str, currency: str) -> str:
        return f"{self.indent}{account}  {self.money(amount, currency)}"


def _header(plan: Plan, tool: str) -> Iterator[str]:
    for line in plan.header_lines(tool):
        yield f"; {line}"
    yield ""


def _opening_postings(plan: Plan, syntax: _Syntax) -> Iterator[str]:
    """The opening balances transaction's postings (after its header, which each tool writes)."""
    for code, total in sorted(plan.opening.items()):
        yield syntax.posting(plan.accounts[code][0], plan.amount(total), plan.currency)
    yield ""


def _entry_metadata(entry: Entry, syntax: _Syntax) -> Iterator[str]:
    """What a transaction says about its journal entry: number, event, hash, what it reverses,
    the record it came from."""
    yield syntax.metadata(1, "entry", entry.number)
    yield syntax.metadata(1, "event", entry.event)
    yield syntax.metadata(1, "hash", entry.hash)
    if entry.reverses is not None:
        yield syntax.metadata(1, "reverses", entry.reverses)
    if entry.source:
        yield syntax.metadata(1, "source", entry.source)


class _Tool:
    """A journal as one tool reads it: what both journals write alike, in the same order
    (:meth:`write`), around the lines each tool's subclass writes its own way:
    ``declarations(plan)`` after the header (commodity, accounts, options), ``opening(plan)``
    the opening balances transaction's first lines, ``head(entry)`` an entry's first line
    and the lines that follow its metadata, ``closing(plan)`` the balance assertions."""

    #: The tool's name, as the header says whom the file is for.
    name: str
    syntax: _Syntax

    def write(self, plan: Plan, entries: Iterator[Entry]) -> Iterator[str]:
        """The header, the declarations, the opening balances (a transaction that is no
        journal entry), every entry with its metadata and postings, then the closing
        balances the tool asserts."""
        yield from _header(plan, self.name)
        yield from self.declarations(plan)
        yield ""
        if plan.opening:
            yield from self.opening(plan)
            yield from _opening_postings(plan, self.syntax)
        for entry in entries:
            first, notes = self.head(entry)
            yield first
            yield from _entry_metadata(entry, self.syntax)
            yield from notes
            yield from _entry_postings(plan, entry, self.syntax)
        if plan.latest is not None:
            yield from self.closing(plan)
            yield ""


def _entry_postings(plan: Plan, entry: Entry, syntax: _Syntax) -> Iterator[str]:
    """Each posting in the functional currency, with its victim (by code), its dimensions and
    the original amount of a foreign one; then the blank line that ends the transaction."""
    for posting in entry.postings:
        yield syntax.posting(posting.account, plan.amount(posting.amount), plan.currency)
        if posting.victim:
            yield syntax.metadata(2, "victim", posting.victim)
        for label, value in posting.dims:
            yield syntax.metadata(2, label, value)
        original = original_of(plan, posting)
        if original:
            yield syntax.metadata(2, "original", original)
    yield ""


# -- Ledger / hledger ----------------------------------------------------------------------


def ledger(plan: Plan, entries: Iterator[Entry]) -> Iterator[str]:
    return _Ledger().write(plan, entries)


def _ledger_format(plan: Plan) -> str:
    """``1000.00``: declares '.' as the decimal mark, the minor-unit digits, no grouping."""
    digits = exponent(plan.currency)
    return "1000" + ("." + "0" * digits if digits else "")


def _ledger_description(memo: str) -> str:
    """A one-line description: ';' would start a comment, so it becomes ','.

    When the memo had to change, the exact memo follows as a ``memo:`` comment.
    """
    return one_line(memo).replace(";", ",")


def _ledger_tag_value(text: str) -> str:
    """Tag values end at a comma or the end of the line."""
    return one_line(text).replace(",", " ")


# -- Beancount -----------------------------------------------------------------------------


def beancount(plan: Plan, entries: Iterator[Entry]) -> Iterator[str]:
    return _Beancount().write(plan, entries)


def _string(text: str) -> str:
    """A Beancount string literal: backslashes, quotes and line breaks escaped.

    Other control characters have no escape Beancount understands; they become spaces.
    """
    escaped = (
        CONTROL_CHARACTERS.sub(" ", text)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\r", "\\r")
        .replace("\n", "\\n")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


LEDGER = _Syntax("    ", "; ", _ledger_tag_value, lambda amount, currency: f"{currency} {amount}")
BEANCOUNT = _Syntax("  ", "", _string, lambda amount, currency: f"{amount} {currency}")


class _Ledger(_Tool):
    name = "hledger and Ledger"
    syntax = LEDGER

    def declarations(self, plan: Plan) -> Iterator[str]:
        cur = plan.currency
        yield f"commodity {cur}"
        yield f"    format {cur} {_ledger_format(plan)}"
        yield ""
        for name, type_ in plan.accounts.values():
            yield f"account {name}  ; type: {HLEDGER_TYPES[type_]}"

    def opening(self, plan: Plan) -> Iterator[str]:
        yield (
            f"{plan.date_from.isoformat()} * Opening balances from the entries dated before "
            f"{plan.date_from.isoformat()}"
        )
        yield "    ; not a journal entry: the balances this export starts from"

    def head(self, entry: Entry) -> tuple[str, list[str]]:
        """The entry's line; the exact memo as a comment when its description had to change."""
        description = _ledger_description(entry.memo)
        notes = []
        if description != entry.memo:
            notes.append(f"    ; memo: {json.dumps(entry.memo, ensure_ascii=False)}")
        return f"{entry.value_date.isoformat()} * ({entry.number}) {description}", notes

    def closing(self, plan: Plan) -> Iterator[str]:
        cur = plan.currency
        yield (
            f"{plan.latest.isoformat()} * Closing balances per the fund's trial balance "
            "(assertions only, not a journal entry)"
        )
        for code, (name, _) in plan.accounts.items():
            zero = plan.amount(0)
            yield f"    {name}  {cur} {zero} = {cur} {plan.amount(plan.closing[code])}"


class _Beancount(_Tool):
    name = "Beancount"
    syntax = BEANCOUNT

    def declarations(self, plan: Plan) -> Iterator[str]:
        cur = plan.currency
        yield f"option {_string('title')} {_string(plan.fund_name)}"
        yield f"option {_string('operating_currency')} {_string(cur)}"
        yield ""
        opened = plan.earliest.isoformat()
        yield f"{opened} commodity {cur}"
        for name, _ in plan.accounts.values():
            yield f"{opened} open {name}"

    def opening(self, plan: Plan) -> Iterator[str]:
        yield (
            f"{plan.date_from.isoformat()} * "
            + _string(f"Opening balances from the entries dated before {plan.date_from}")
        )
        yield '  note: "not a journal entry: the balances this export starts from"'

    def head(self, entry: Entry) -> tuple[str, list[str]]:
        return f"{entry.value_date.isoformat()} * {_string(entry.memo)}", []

    def closing(self, plan: Plan) -> Iterator[str]:
        # A balance directive holds at the start of its day: the day after the last entry.
        asserted = (plan.latest + timedelta(days=1)).isoformat()
        yield "; Closing balances per the fund's trial balance"
        for code, (name, _) in plan.accounts.items():
            yield f"{asserted} balance {name}  {plan.amount(plan.closing[code])} {plan.currency}"
