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

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import assets, awards, cases, cash, chart, disbursements, events, labels, victims
from ledger.audit import _plain
from ledger.awards import status_of
from ledger.chart import (
    AWARDS_PAYABLE,
    BANK,
    BANK_CHARGES,
    CHART,
    ESCROW,
    FORFEITURE_REVENUE,
    HELD_FOR_SALE,
)
from ledger.models import (
    Account,
    Asset,
    AuditEvent,
    Award,
    Case,
    CashMovement,
    Disbursement,
    Distribution,
    Fund,
    JournalEntry,
    Period,
    Posting,
    User,
    Victim,
)
from ledger.money import Money, format_amount

#: Register steps that post an entry sourced to their record (and record an event on it).
SOURCED_EVENTS = frozenset(
    {
        events.AWARD_REGISTERED,
        events.AWARD_CANCELLED,
        events.PAYMENT_PAID,
        events.PAYMENT_RETURNED,
        events.ASSET_SEIZED,
        events.ASSET_FORFEITED,
        events.ASSET_LIQUIDATED,
        events.ASSET_RELEASED,
        events.RECEIPT_RECORDED,
        events.EXPENSE_RECORDED,
    }
)
#: Steps on the journal itself: the audit event names the entry by number.
JOURNAL_EVENTS = frozenset({events.MANUAL_ENTRY, events.ENTRY_REVERSED})
#: Period steps: the audit event's ``after`` names the entry (or none).
PERIOD_EVENTS = frozenset({events.FX_REVALUED, events.YEAR_CLOSED})

#: Asset steps that post an entry for cash only.
_MAYBE_UNPOSTED = frozenset({events.ASSET_SEIZED, events.ASSET_RELEASED})
#: Award fields a payment changes without an award event (they follow from the journal).
_AWARD_FIELDS_BY_PAYMENT = frozenset({"paid_minor", "status"})

_SUBJECTS = (
    "award",
    "disbursement",
    "asset",
    "receipt",
    "expense",
    "case",
    "victim",
    "distribution",
    "account",
    "period",
    "journal_entry",
)


@dataclass
class _Entry:
    number: int
    event: str
    source: tuple[str, str] | None
    reverses: int | None
    value_date: object
    memo: str
    #: account code -> [functional sum, original sum, currencies]
    legs: dict[str, list] = field(default_factory=dict)
    #: every (dimension, value) its legs name
    dims: set[tuple[str, int]] = field(default_factory=set)

    def amount(self, code: str) -> int:
        return self.legs.get(code, [0, 0, set()])[0]

    def original(self, code: str) -> int:
        return self.legs.get(code, [0, 0, set()])[1]

    def currencies(self, code: str) -> set[str]:
        return self.legs.get(code, [0, 0, set()])[2]


class _Books:
    """What the journal and the audit log say, read once, indexed for the checks."""

    def __init__(self, session: Session):
        self.functional = session.scalar(select(Fund.functional_currency)) or "EUR"
        self.entries: dict[int, _Entry] = {}
        self.by_source: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        self.by_event: dict[str, list[_Entry]] = defaultdict(list)
        #: award id -> every 2000 leg naming it: (entry number, event, functional, original)
        self.award_legs: dict[int, list[tuple[int, str, int, int]]] = defaultdict(list)
        self._read_journal(session)
        #: (subject type, id) -> (event id, action, after) of the last event with an ``after``
        self.last: dict[tuple[str, str], tuple[int, str, str]] = {}
        #: (subject type, id) -> (event id, actor) of the first event on it
        self.first: dict[tuple[str, str], tuple[int, str]] = {}
        #: (action, subject type, id) -> event ids
        self.steps: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        self.actors: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        #: entry number -> the period event (id) that names it
        self.period_entries: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self._read_audit(session)

    def _read_journal(self, session: Session) -> None:
        e = JournalEntry.__table__.c
        for row in session.execute(
            select(e.number, e.event, e.source_type, e.source_id, e.reverses, e.value_date, e.memo)
            .where(
                e.source_type.is_not(None)
                | e.event.in_(JOURNAL_EVENTS | PERIOD_EVENTS | SOURCED_EVENTS)
            )
            .order_by(e.number)
        ):
            source = (row.source_type, str(row.source_id)) if row.source_type else None
            entry = _Entry(
                row.number, row.event, source, row.reverses, row.value_date, row.memo or ""
            )
            self.entries[row.number] = entry
            self.by_event[row.event].append(entry)
            if source:
                self.by_source[source].append(entry)
        pt, at, jt = Posting.__table__, Account.__table__, JournalEntry.__table__
        p, a, j = pt.c, at.c, jt.c
        dims = ("award_id", "victim_id", "case_id", "asset_id")
        for row in session.execute(
            select(
                p.entry_number,
                a.code,
                p.amount,
                p.original_amount,
                p.currency,
                *(p[d] for d in dims),
            )
            .join(at, a.id == p.account_id)
            .join(jt, j.number == p.entry_number)
            .where(j.source_type.is_not(None) | (a.code == AWARDS_PAYABLE))
        ):
            entry = self.entries.get(row.entry_number)
            if entry is not None:
                leg = entry.legs.setdefault(row.code, [0, 0, set()])
                leg[0] += row.amount
                leg[1] += row.original_amount
                leg[2].add(row.currency)
                entry.dims.update((d, getattr(row, d)) for d in dims if getattr(row, d) is not None)
            if row.code == AWARDS_PAYABLE and row.award_id is not None:
                event = entry.event if entry else ""
                self.award_legs[row.award_id].append(
                    (row.entry_number, event, row.amount, row.original_amount)
                )

    def _read_audit(self, session: Session) -> None:
        t = AuditEvent.__table__.c
        for row in session.execute(
            select(t.id, t.action, t.subject_type, t.subject_id, t.actor, t.after)
            .where(t.subject_type.in_(_SUBJECTS))
            .order_by(t.id)
        ):
            subject = (row.subject_type, row.subject_id or "")
            self.first.setdefault(subject, (row.id, row.actor))
            if row.after is not None:
                self.last[subject] = (row.id, row.action, row.after)
            key = (row.action, *subject)
            self.steps[key].append(row.id)
            self.actors[key].append(row.actor)
            if row.action in PERIOD_EVENTS and row.after:
                number = _loads(row.after).get("entry")
                if isinstance(number, int):
                    self.period_entries[number].append((row.id, row.action))

    def sourced(self, source_type: str, source_id: int, event: str) -> list[_Entry]:
        return [
            e for e in self.by_source.get((source_type, str(source_id)), []) if e.event == event
        ]

    def money(self, minor: int | None, currency: str | None) -> str:
        if minor is None:
            return "none"
        try:
            currency = currency or self.functional
            return f"{format_amount(Money(minor, currency))} {currency}"
        except Exception:  # an unknown currency written behind the back: show the units
            return f"{minor} (minor units) {currency}"


def verify_registers(session: Session) -> list[str]:
    """Every register row against the entries and audit events that moved it."""
    books = _Books(session)
    problems: list[str] = []
    users = {
        row.name: (row.id, row.role)
        for row in session.execute(select(User.name, User.id, User.role))
    }
    checks = {
        "awards": lambda: _awards(session, books, users),
        "disbursements": lambda: _disbursements(session, books),
        "assets": lambda: _assets(session, books),
        "receipts and expenses": lambda: _movements(session, books),
        "cases": lambda: _snapshots(session, books, "case", Case, cases.FIELDS),
        "victims": lambda: _victims(session, books),
        "distributions": lambda: _distributions(session, books),
        "accounts": lambda: _accounts(session, books),
        "periods": lambda: _periods(session, books),
        "steps": lambda: _steps_and_entries(books),
    }
    for name, run in checks.items():
        try:
            problems += run()
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            # Values no step could have written: a finding, never a traceback.
            problems.append(f"{name}: rows no step could have written ({type(error).__name__})")
    return problems


def _rows(session: Session, model) -> Iterable:
    table = model.__table__
    key = next(iter(table.primary_key.columns))
    return session.execute(select(table).order_by(key))


def _numbers(entries: Iterable) -> str:
    numbers = sorted(e if isinstance(e, int) else e.number for e in entries)
    if not numbers:
        return "no entries"
    word = "entry" if len(numbers) == 1 else "entries"
    return f"{word} {', '.join(map(str, numbers))}"


def _compare_snapshot(
    books: _Books, what: str, subject, row, fields, skip=frozenset()
) -> list[str]:
    """The row's fields against the ``after`` of the last audit event on it."""
    last = books.last.get(subject)
    if last is None:
        return [f"{what}: no audit event records it (deleted from the audit log?)"]
    event_id, action, after = last
    recorded = _loads(after)
    problems = []
    for name in fields:
        if name in skip or name not in recorded:
            continue
        if _plain(getattr(row, name)) != recorded[name]:
            problems.append(
                f"{what}: {name} differs from what audit event {event_id} ({action}) recorded"
            )
    return problems


def _first_actor(books: _Books, what: str, subject, column: str, value) -> list[str]:
    first = books.first.get(subject)
    if first is not None and first[1] != value:
        return [f"{what}: {column} is not who took its first step (audit event {first[0]})"]
    return []


# --------------------------------------------------------------------------- awards


def _awards(session: Session, books: _Books, users: dict) -> list[str]:
    problems = []
    for award in _rows(session, Award):
        what = f"award {award.id}"
        money = lambda minor, a=award: books.money(minor, a.currency)  # noqa: E731
        registered = books.sourced("award", award.id, events.AWARD_REGISTERED)
        if len(registered) != 1:
            problems.append(
                f"{what}: {len(registered)} registration entries ({_numbers(registered)})"
            )
        for entry in registered[:1]:
            if -entry.original(AWARDS_PAYABLE) != award.amount_minor or entry.currencies(
                AWARDS_PAYABLE
            ) != {award.currency}:
                problems.append(
                    f"{what}: amount {money(award.amount_minor)} but its registration entry "
                    f"{entry.number} says {money(-entry.original(AWARDS_PAYABLE))} "
                    f"{'/'.join(sorted(entry.currencies(AWARDS_PAYABLE)))}"
                )
            if -entry.amount(AWARDS_PAYABLE) != award.functional_minor:
                problems.append(
                    f"{what}: functional value {books.money(award.functional_minor, None)} but "
                    f"its registration entry {entry.number} carries "
                    f"{books.money(-entry.amount(AWARDS_PAYABLE), None)}"
                )
            if entry.value_date != award.ordered_on:
                problems.append(
                    f"{what}: ordered on {award.ordered_on} but its registration entry "
                    f"{entry.number} is dated {entry.value_date}"
                )
            for dim in ("victim_id", "case_id"):
                if {v for d, v in entry.dims if d == dim} != {getattr(award, dim)}:
                    problems.append(
                        f"{what}: {dim} is not the one its registration entry {entry.number} names"
                    )
        legs = books.award_legs.get(award.id, [])
        paid_legs = [leg for leg in legs if leg[1] in events.PAYMENT_EVENTS]
        cancel_legs = [leg for leg in legs if leg[1] == events.AWARD_CANCELLED]
        paid = sum(leg[3] for leg in paid_legs)
        cancelled = sum(leg[3] for leg in cancel_legs)
        carried = -sum(leg[3] for leg in legs)
        if award.paid_minor != paid:
            problems.append(
                f"{what}: paid {money(award.paid_minor)} but its payment entries say "
                f"{money(paid)} ({_numbers(leg[0] for leg in paid_legs)})"
            )
        if award.cancelled_minor != cancelled:
            problems.append(
                f"{what}: cancelled {money(award.cancelled_minor)} but its cancellation entries "
                f"say {money(cancelled)} ({_numbers(leg[0] for leg in cancel_legs)})"
            )
        outstanding = award.amount_minor - award.paid_minor - award.cancelled_minor
        if outstanding != carried:
            problems.append(
                f"{what}: outstanding {money(outstanding)} but account {AWARDS_PAYABLE} carries "
                f"{money(carried)} for it ({_numbers(leg[0] for leg in legs)})"
            )
        expected = status_of(paid, award.amount_minor - paid - cancelled)
        if award.status != expected:
            problems.append(
                f"{what}: status {award.status} but its entries make it {expected} "
                f"({_numbers(leg[0] for leg in legs)})"
            )
        subject = ("award", str(award.id))
        problems += _compare_snapshot(
            books, what, subject, award, awards.FIELDS, skip=_AWARD_FIELDS_BY_PAYMENT
        )
        problems += _first_actor(books, what, subject, "registered_by", award.registered_by)
        user = users.get(award.registered_by)
        court = user[0] if user is not None and user[1] == "court" else None
        if award.court_user_id != court:
            problems.append(f"{what}: court_user_id is not the court that registered it")
    return problems


# --------------------------------------------------------------------------- payments

_AFTER_PAYMENT = ("paid_on", "bank_reference", "debited_minor", "fee_minor", "payment_entry")
_AFTER_RETURN = ("returned_on", "return_reason", "return_entry")


def _disbursements(session: Session, books: _Books) -> list[str]:
    problems = []
    for d in _rows(session, Disbursement):
        what = f"disbursement {d.id}"
        paid = books.sourced("disbursement", d.id, events.PAYMENT_PAID)
        returned = books.sourced("disbursement", d.id, events.PAYMENT_RETURNED)
        settled = d.status in ("paid", "returned")
        want_paid = [d.payment_entry] if settled else []
        want_returned = [d.return_entry] if d.status == "returned" else []
        if sorted(e.number for e in paid) != want_paid:
            problems.append(
                f"{what}: {d.status} with payment entry {d.payment_entry or 'none'} but the "
                f"journal's payment entries for it are {_numbers(paid)}"
            )
        if sorted(e.number for e in returned) != want_returned:
            problems.append(
                f"{what}: {d.status} with return entry {d.return_entry or 'none'} but the "
                f"journal's return entries for it are {_numbers(returned)}"
            )
        for name in _AFTER_PAYMENT:
            if (getattr(d, name) is None) == settled:
                problems.append(f"{what}: {d.status} but {name} is {getattr(d, name) or 'empty'}")
        for name in _AFTER_RETURN:
            if (getattr(d, name) is None) == (d.status == "returned"):
                problems.append(f"{what}: {d.status} but {name} is {getattr(d, name) or 'empty'}")
        decided = {"approved_by": d.approved_by, "rejected_by": d.rejected_by}
        wanted = {
            "approved_by": d.status in ("approved", "paid", "returned"),
            "rejected_by": d.status == "rejected",
        }
        for name, value in decided.items():
            if (value is not None) != wanted[name]:
                problems.append(f"{what}: {d.status} but {name} is {value or 'empty'}")
        if (d.approved_at is None) != (d.approved_by is None):
            problems.append(f"{what}: approved_at and approved_by disagree")
        for entry in paid[:1]:
            problems += _payment_entry(books, what, d, entry)
        for entry in returned[:1]:
            if entry.reverses != d.payment_entry:
                problems.append(
                    f"{what}: its return entry {entry.number} does not reverse its payment "
                    f"entry {d.payment_entry}"
                )
            if entry.value_date != d.returned_on:
                problems.append(
                    f"{what}: returned on {d.returned_on} but its return entry {entry.number} "
                    f"is dated {entry.value_date}"
                )
            if d.return_reason is None or not entry.memo.endswith(f": {d.return_reason}"):
                problems.append(
                    f"{what}: return_reason is not the one its return entry {entry.number} states"
                )
        problems += _compare_snapshot(
            books, what, ("disbursement", str(d.id)), d, disbursements.FIELDS
        )
    return problems


def _payment_entry(books: _Books, what: str, d, entry: _Entry) -> list[str]:
    problems = []
    relieved = entry.original(AWARDS_PAYABLE)
    if relieved != d.amount_minor or entry.currencies(AWARDS_PAYABLE) != {d.currency}:
        problems.append(
            f"{what}: amount {books.money(d.amount_minor, d.currency)} but its payment entry "
            f"{entry.number} pays {books.money(relieved, d.currency)}"
        )
    if {v for k, v in entry.dims if k == "award_id"} != {d.award_id}:
        problems.append(f"{what}: award_id is not the award its payment entry {entry.number} pays")
    if entry.value_date != d.paid_on:
        problems.append(
            f"{what}: paid on {d.paid_on} but its payment entry {entry.number} is dated "
            f"{entry.value_date}"
        )
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


# --------------------------------------------------------------------------- assets

_ASSET_DAYS = {
    "forfeited_on": ("forfeited", "liquidated"),
    "forfeiture_order": ("forfeited", "liquidated"),
    "carrying_minor": ("forfeited", "liquidated"),
    "sold_on": ("liquidated",),
    "proceeds_minor": ("liquidated",),
    "selling_costs_minor": ("liquidated",),
    "sale_currency": ("liquidated",),
    "released_on": ("released",),
    "release_reason": ("released",),
}


def _asset_steps(asset) -> list[str]:
    """The entries an asset in its state must have, in order."""
    cash = asset.kind == "cash"
    steps = [events.ASSET_SEIZED] if cash else []
    if asset.state in ("forfeited", "liquidated"):
        steps.append(events.ASSET_FORFEITED)
    if asset.state == "liquidated":
        steps.append(events.ASSET_LIQUIDATED)
    if asset.state == "released" and cash:
        steps.append(events.ASSET_RELEASED)
    return steps


def _assets(session: Session, books: _Books) -> list[str]:
    problems = []
    for asset in _rows(session, Asset):
        what = f"asset {asset.id}"
        posted = books.by_source.get(("asset", str(asset.id)), [])
        by_event = {e.event: e for e in posted}
        expected = _asset_steps(asset)
        if sorted(e.event for e in posted) != sorted(expected):
            problems.append(
                f"{what}: {asset.kind} {asset.state} implies "
                f"{', '.join(expected) or 'no entries'} but the journal has "
                f"{', '.join(f'{e.event} (entry {e.number})' for e in posted) or 'none'}"
            )
        for name, states in _ASSET_DAYS.items():
            value = getattr(asset, name)
            if (value is not None) != (asset.state in states):
                problems.append(f"{what}: {asset.state} but {name} is {value or 'empty'}")
        non_cash_forfeited = asset.kind != "cash" and asset.state in ("forfeited", "liquidated")
        for name in ("value_minor", "value_currency"):
            if (getattr(asset, name) is not None) != non_cash_forfeited:
                problems.append(f"{what}: {asset.kind} {asset.state} but {name} is set wrongly")
        problems += _asset_entries(books, what, asset, by_event)
        problems += _compare_snapshot(books, what, ("asset", str(asset.id)), asset, assets.FIELDS)
    return problems


def _asset_entries(books: _Books, what: str, asset, by_event: dict) -> list[str]:
    problems = []

    def dated(entry, day, name):
        if entry.value_date != day:
            problems.append(
                f"{what}: {name} {day} but its entry {entry.number} is dated {entry.value_date}"
            )

    seized = by_event.get(events.ASSET_SEIZED)
    if seized is not None:
        dated(seized, asset.seized_on, "seized on")
        if seized.original(ESCROW) != asset.estimated_minor or seized.currencies(ESCROW) != {
            asset.estimated_currency
        }:
            problems.append(
                f"{what}: seized {books.money(asset.estimated_minor, asset.estimated_currency)} "
                f"but its seizure entry {seized.number} puts "
                f"{books.money(seized.original(ESCROW), asset.estimated_currency)} in escrow"
            )
    forfeited = by_event.get(events.ASSET_FORFEITED)
    if forfeited is not None:
        dated(forfeited, asset.forfeited_on, "forfeited on")
        if -forfeited.amount(FORFEITURE_REVENUE) != asset.carrying_minor:
            problems.append(
                f"{what}: carrying value {books.money(asset.carrying_minor, None)} but its "
                f"forfeiture entry {forfeited.number} says "
                f"{books.money(-forfeited.amount(FORFEITURE_REVENUE), None)}"
            )
        if asset.kind != "cash" and (
            forfeited.original(HELD_FOR_SALE) != asset.value_minor
            or forfeited.currencies(HELD_FOR_SALE) != {asset.value_currency}
        ):
            problems.append(
                f"{what}: value {books.money(asset.value_minor, asset.value_currency)} but its "
                f"forfeiture entry {forfeited.number} says "
                f"{books.money(forfeited.original(HELD_FOR_SALE), asset.value_currency)}"
            )
        if asset.forfeiture_order is None or f"(order {asset.forfeiture_order})" not in (
            forfeited.memo
        ):
            problems.append(
                f"{what}: forfeiture_order is not the one its entry {forfeited.number} states"
            )
    sold = by_event.get(events.ASSET_LIQUIDATED)
    if sold is not None:
        dated(sold, asset.sold_on, "sold on")
        if -sold.amount(HELD_FOR_SALE) != asset.carrying_minor:
            problems.append(
                f"{what}: carrying value {books.money(asset.carrying_minor, None)} but its sale "
                f"entry {sold.number} derecognises {books.money(-sold.amount(HELD_FOR_SALE), None)}"
            )
        if (
            asset.sale_currency == books.functional
            and asset.proceeds_minor is not None
            and asset.selling_costs_minor is not None
            and sold.amount(BANK) != asset.proceeds_minor - asset.selling_costs_minor
        ):
            problems.append(
                f"{what}: proceeds less costs "
                f"{books.money(asset.proceeds_minor - asset.selling_costs_minor, None)} but its "
                f"sale entry {sold.number} banks {books.money(sold.amount(BANK), None)}"
            )
    released = by_event.get(events.ASSET_RELEASED)
    if released is not None:
        dated(released, asset.released_on, "released on")
    return problems


# --------------------------------------------------------------------------- receipts, expenses


def _movements(session: Session, books: _Books) -> list[str]:
    problems = []
    seen: set[int] = set()
    for m in _rows(session, CashMovement):
        what = f"{m.direction} {m.id}"
        event = events.RECEIPT_RECORDED if m.direction == "receipt" else events.EXPENSE_RECORDED
        entry = books.entries.get(m.entry_number) if m.entry_number is not None else None
        if entry is None or entry.event != event or entry.source != (m.direction, str(m.id)):
            problems.append(
                f"{what}: its entry {m.entry_number or 'none'} is not the journal's "
                f"{event} entry for it ({_numbers(books.sourced(m.direction, m.id, event))})"
            )
        else:
            seen.add(entry.number)
            if entry.value_date != m.occurred_on:
                problems.append(
                    f"{what}: occurred on {m.occurred_on} but entry {entry.number} is dated "
                    f"{entry.value_date}"
                )
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
                named = {v for d, v in entry.dims if d == dim}
                if named != ({getattr(m, dim)} if getattr(m, dim) is not None else set()):
                    problems.append(f"{what}: {dim} is not the one entry {entry.number} names")
        subject = (m.direction, str(m.id))
        problems += _compare_snapshot(books, what, subject, m, cash.FIELDS)
        problems += _first_actor(books, what, subject, "created_by", m.created_by)
    for event in (events.RECEIPT_RECORDED, events.EXPENSE_RECORDED):
        for entry in books.by_event.get(event, []):
            if entry.number not in seen:
                source = " ".join(entry.source) if entry.source else "no record"
                problems.append(
                    f"entry {entry.number}: {event} of {source}, which does not name it"
                )
    return problems


# --------------------------------------------------------------------------- the rest


def _snapshots(session: Session, books: _Books, subject_type: str, model, fields) -> list[str]:
    problems = []
    for row in _rows(session, model):
        what = f"{subject_type} {row.id}"
        problems += _compare_snapshot(books, what, (subject_type, str(row.id)), row, fields)
    return problems


def _victims(session: Session, books: _Books) -> list[str]:
    problems = []
    ids = set()
    for v in _rows(session, Victim):
        ids.add(v.id)
        what = f"victim {v.id}"  # by id: a tampered code is what is being checked
        subject = ("victim", v.code)
        problems += _compare_snapshot(books, what, subject, v, victims.PUBLIC_FIELDS)
        problems += _first_actor(books, what, subject, "created_by", v.created_by)
    # The audit log knows a victim by code: its id is held by the awards (and their entries).
    for award_id, victim_id in session.execute(select(Award.id, Award.victim_id)):
        if victim_id not in ids:
            problems.append(f"award {award_id}: victim_id {victim_id} names no victim")
    return problems


def _distributions(session: Session, books: _Books) -> list[str]:
    lines: dict[int, set] = defaultdict(set)
    for row in session.execute(
        select(
            Disbursement.distribution_id,
            Disbursement.award_id,
            Disbursement.amount_minor,
            Disbursement.id,
        ).where(Disbursement.distribution_id.is_not(None))
    ):
        lines[row.distribution_id].add((row.award_id, row.amount_minor, row.id))
    problems = []
    for d in _rows(session, Distribution):
        what = f"distribution {d.id}"
        subject = ("distribution", str(d.id))
        problems += _compare_snapshot(
            books, what, subject, d, ("amount_minor", "currency", "case_id")
        )
        last = books.last.get(subject)
        if last is not None:
            recorded = {tuple(line) for line in _loads(last[2]).get("lines", [])}
            if recorded != lines.get(d.id, set()):
                problems.append(
                    f"{what}: its payments differ from what audit event {last[0]} recorded"
                )
        problems += _first_actor(books, what, subject, "created_by", d.created_by)
    return problems


def _accounts(session: Session, books: _Books) -> list[str]:
    seeded = {spec.code: spec for spec in CHART}
    problems = []
    for account in _rows(session, Account):
        what = f"account {account.code}"
        if account.active is not True:
            problems.append(f"{what}: inactive, but no step ever deactivates an account")
        spec = seeded.get(account.code)
        if spec is None:
            problems += _compare_snapshot(
                books, what, ("account", account.code), account, chart.FIELDS
            )
            continue
        expected = {
            "name": spec.name,
            "type": spec.type,
            "overdraft_scope": spec.overdraft_scope,
            "currency": books.functional if spec.functional_only else None,
        }
        for name, value in expected.items():
            if getattr(account, name) != value:
                problems.append(f"{what}: {name} is not the chart's")
    return problems


def _periods(session: Session, books: _Books) -> list[str]:
    problems = []
    for period in _rows(session, Period):
        what = f"period {period.month}"
        key = (events.PERIOD_CLOSED, "period", period.month)
        actors = books.actors.get(key)
        if not actors:
            problems.append(f"{what}: closed, but no audit event records its close")
        elif actors[-1] != period.closed_by:
            problems.append(
                f"{what}: closed_by is not who closed it (audit event {books.steps[key][-1]})"
            )
    closed = {row.month for row in _rows(session, Period)}
    for (action, subject_type, month), ids in books.steps.items():
        if action == events.PERIOD_CLOSED and subject_type == "period" and month not in closed:
            problems.append(f"period {month}: audit event {ids[-1]} closed it, but it is open")
    return problems


def _steps_and_entries(books: _Books) -> list[str]:
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
    for key, numbers in sorted(counted.items()):
        recorded = books.steps.get(key, [])
        if len(recorded) < len(numbers):
            problems.append(
                f"entry {numbers[-1]}: {key[0]} of {key[1]} {key[2]} has "
                f"{len(recorded)} audit event(s) for {_numbers(numbers)} "
                "(audit events deleted?)"
            )
    for key, ids in sorted(books.steps.items()):
        action = key[0]
        # A non-cash asset's seizure and release post nothing (the asset checks see to it).
        if action not in SOURCED_EVENTS | JOURNAL_EVENTS or action in _MAYBE_UNPOSTED:
            continue
        numbers = counted.get(key, [])
        if len(numbers) < len(ids):
            problems.append(
                f"audit event {ids[-1]}: {action} of {key[1]} {key[2]} but the journal has "
                f"{_numbers(numbers)} for it (entries removed?)"
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


def _loads(text: str) -> dict:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
