"""Small builders of a fund, always through the register services, and ways to look at it.

Every builder commits, as one API request would: a later refusal can then be
rolled back (as the app does) without undoing the set-up. Expected amounts
are computed here independently of ``ledger.fx``: from the ECB CSV itself,
with Decimal arithmetic and half-even rounding.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import cache

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import assets, awards, cases, cash, disbursements, victims
from ledger.access import ADMINISTRATOR, Actor
from ledger.fx import import_ecb_csv
from ledger.models import (
    Account,
    AccountBalance,
    Asset,
    AuditEvent,
    Award,
    Case,
    CashMovement,
    Disbursement,
    Distribution,
    JournalEntry,
    JournalHead,
    Period,
    Posting,
    SubledgerBalance,
    Victim,
)
from ledger.money import Money, exponent
from ledger.pii import PiiCipher, generate_key
from ledger.verify import verify_journal
from tests.conftest import DATA, OPERATOR

ADMIN, OTHER, THIRD = (Actor(None, name, ADMINISTRATOR) for name in ("alice", "bob", "carol"))
CIPHER = PiiCipher.from_setting(generate_key())
RATES_FILE = DATA / "eurofxref-hist-sample.csv"

OPENED = date(2026, 1, 2)
SEIZED = date(2026, 1, 5)
INTEREST = date(2026, 1, 30)
FORFEITED = date(2026, 2, 2)
ORDERED = date(2026, 2, 2)
PAID = date(2026, 2, 3)


def eur_money(minor: int) -> Money:
    return Money(minor, "EUR")


# -- rates, independently of ledger.fx ---------------------------------------------------


@cache
def _table() -> dict[str, list[tuple[date, Decimal]]]:
    rows = list(csv.reader(io.StringIO(RATES_FILE.read_text())))
    header = [cell.strip() for cell in rows[0]]
    table: dict[str, list[tuple[date, Decimal]]] = {}
    for row in rows[1:]:
        day = date.fromisoformat(row[0].strip())
        for code, cell in zip(header[1:], row[1:], strict=False):
            cell = cell.strip()
            if code and cell and cell != "N/A":
                table.setdefault(code, []).append((day, Decimal(cell)))
    return {code: sorted(days) for code, days in table.items()}


def rate(currency: str, day: date) -> Decimal:
    """The ECB rate (units per EUR) on ``day`` or the latest before it."""
    known = [r for d, r in _table()[currency] if d <= day]
    return known[-1]


def eur(money: Money, day: date) -> int:
    """``money`` in euro cents at the ECB rate of ``day``, rounded half-even."""
    if money.currency == "EUR":
        return money.minor
    with localcontext() as ctx:
        ctx.prec = 60
        value = Decimal(money.minor).scaleb(-exponent(money.currency)) / rate(money.currency, day)
        return int((value * 100).quantize(Decimal(1), ROUND_HALF_EVEN))


def half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-even, in integers."""
    quotient, remainder = divmod(numerator, denominator)
    if 2 * remainder > denominator or (2 * remainder == denominator and quotient % 2):
        quotient += 1
    return quotient


def load_rates(session: Session, currencies: tuple[str, ...] | None = ("USD", "THB")) -> int:
    """Import the real ECB rates (only some columns, for speed) with ``import_ecb_csv``."""
    text = RATES_FILE.read_text()
    if currencies is not None:
        rows = list(csv.reader(io.StringIO(text)))
        keep = [0] + [rows[0].index(code) for code in currencies]
        text = "\n".join(",".join(row[i] for i in keep) for row in rows if row)
    added, _ = import_ecb_csv(session, OPERATOR, text, source="test")
    session.commit()
    return added


# -- registers ---------------------------------------------------------------------------


def new_case(session: Session, reference: str = "CR-2026-001", opened_on: date = OPENED) -> Case:
    case = cases.open_case(
        session,
        actor=ADMIN,
        reference=reference,
        court="Tribunal de Lisboa",
        title=f"State v. Network ({reference})",
        jurisdiction="PT",
        opened_on=opened_on,
    )
    session.commit()
    return case


def new_victim(session: Session, currency: str = "EUR", country: str = "PT") -> Victim:
    victim = victims.register_victim(
        session,
        CIPHER,
        actor=ADMIN,
        full_name="A. Victim",
        date_of_birth=date(1990, 4, 1),
        contact=None,
        country_of_residence=country,
        returned_home=country != "PT",
        payment=victims.PaymentDetails(
            method="intermediary",
            currency=currency,
            intermediary="Partner NGO",
            reference="P-1",
        ),
    )
    session.commit()
    return victim


def donate(session: Session, minor: int, on: date = OPENED, kind: str = "donation"):
    movement = cash.record_receipt(
        session,
        actor=ADMIN,
        kind=kind,
        received_on=on,
        amount=eur_money(minor),
        counterparty="Foundation",
    )
    session.commit()
    return movement


def spend(session: Session, minor: int, on: date = PAID, kind: str = "administrative", **dims):
    movement = cash.record_expense(
        session,
        actor=ADMIN,
        kind=kind,
        paid_on=on,
        amount=eur_money(minor),
        counterparty="Supplier",
        **dims,
    )
    session.commit()
    return movement


def seize(
    session: Session,
    case: Case,
    value: Money,
    kind: str = "cash",
    on: date = SEIZED,
) -> Asset:
    asset = assets.seize_asset(
        session,
        actor=ADMIN,
        case_id=case.id,
        kind=kind,
        description=f"Seized {kind}",
        seized_on=on,
        estimated_value=value,
    )
    session.commit()
    return asset


def escrow_interest(session: Session, asset: Asset, amount: Money, on: date = INTEREST):
    movement = cash.record_receipt(
        session,
        actor=ADMIN,
        kind="escrow_interest",
        received_on=on,
        amount=amount,
        counterparty="Escrow bank",
        asset_id=asset.id,
    )
    session.commit()
    return movement


def forfeit(
    session: Session, asset: Asset, value: Money | None = None, on: date = FORFEITED
) -> Asset:
    asset = assets.forfeit_asset(
        session,
        actor=ADMIN,
        asset_id=asset.id,
        order_reference=f"F-{asset.id}",
        forfeited_on=on,
        value=value,
    )
    session.commit()
    return asset


def liquidate(
    session: Session, asset: Asset, proceeds: Money, costs: Money | None = None, on: date = PAID
) -> Asset:
    asset = assets.liquidate_asset(
        session,
        actor=ADMIN,
        asset_id=asset.id,
        sold_on=on,
        proceeds=proceeds,
        selling_costs=costs if costs is not None else Money(0, proceeds.currency),
    )
    session.commit()
    return asset


def release(session: Session, asset: Asset, on: date = PAID) -> Asset:
    asset = assets.release_asset(
        session, actor=ADMIN, asset_id=asset.id, released_on=on, reason="Owner acquitted"
    )
    session.commit()
    return asset


_references = iter(range(1, 10**9))


def register(
    session: Session,
    case: Case,
    victim: Victim,
    amount: Money,
    ordered_on: date = ORDERED,
    reference: str | None = None,
) -> Award:
    award = awards.register_award(
        session,
        actor=ADMIN,
        case_id=case.id,
        victim_id=victim.id,
        order_reference=reference or f"A-{next(_references)}",
        ordered_on=ordered_on,
        amount=amount,
    )
    session.commit()
    return award


def cancel(session: Session, award: Award, amount: Money | None = None, on: date = PAID) -> Award:
    award = awards.cancel_award(
        session,
        actor=ADMIN,
        award_id=award.id,
        effective_on=on,
        reason="Order varied on appeal",
        amount=amount,
    )
    session.commit()
    return award


def propose(
    session: Session, award: Award, minor: int, on: date = PAID, actor: str = ADMIN
) -> Disbursement:
    disbursement = disbursements.propose_disbursement(
        session,
        actor=actor,
        award_id=award.id,
        amount=Money(minor, award.currency),
        method="bank_transfer",
        on=on,
    )
    session.commit()
    return disbursement


def approve(session: Session, disbursement: Disbursement, actor: Actor = OTHER) -> Disbursement:
    disbursement = disbursements.approve_disbursement(
        session, actor=actor, disbursement_id=disbursement.id
    )
    session.commit()
    return disbursement


def reject(session: Session, disbursement: Disbursement, actor: Actor = OTHER) -> Disbursement:
    disbursement = disbursements.reject_disbursement(
        session, actor=actor, disbursement_id=disbursement.id, reason="Wrong account"
    )
    session.commit()
    return disbursement


def execute(
    session: Session,
    disbursement: Disbursement,
    debited: int,
    fee: int = 0,
    paid_on: date = PAID,
) -> Disbursement:
    disbursement = disbursements.execute_disbursement(
        session,
        actor=ADMIN,
        disbursement_id=disbursement.id,
        paid_on=paid_on,
        bank_reference=f"REF-{disbursement.id}",
        debited=eur_money(debited),
        fee=eur_money(fee),
    )
    session.commit()
    return disbursement


def give_back(session: Session, disbursement: Disbursement, on: date = PAID) -> Disbursement:
    disbursement = disbursements.return_disbursement(
        session,
        actor=ADMIN,
        disbursement_id=disbursement.id,
        returned_on=on,
        reason="Account closed",
    )
    session.commit()
    return disbursement


def pay(
    session: Session,
    award: Award,
    minor: int,
    debited: int | None = None,
    fee: int = 0,
    paid_on: date = PAID,
) -> Disbursement:
    """Propose (ADMIN), approve (OTHER) and execute a payment of ``minor`` award units.

    One commit for the three steps: nothing here is meant to be refused.
    """
    if debited is None:
        debited = eur(Money(minor, award.currency), paid_on)
    proposal = disbursements.propose_disbursement(
        session,
        actor=ADMIN,
        award_id=award.id,
        amount=Money(minor, award.currency),
        method="bank_transfer",
        on=paid_on,
    )
    disbursements.approve_disbursement(session, actor=OTHER, disbursement_id=proposal.id)
    disbursement = disbursements.execute_disbursement(
        session,
        actor=ADMIN,
        disbursement_id=proposal.id,
        paid_on=paid_on,
        bank_reference=f"REF-{proposal.id}",
        debited=eur_money(debited),
        fee=eur_money(fee),
    )
    session.commit()
    return disbursement


# -- looking at the books ----------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Leg:
    account: str
    amount: int
    original: int
    currency: str
    case_id: int | None = None
    victim_id: int | None = None
    award_id: int | None = None
    asset_id: int | None = None


def leg(
    account: str,
    amount: int,
    original: Money | None = None,
    *,
    case: int | None = None,
    victim: int | None = None,
    award: int | None = None,
    asset: int | None = None,
) -> Leg:
    """An expected posting; ``original`` defaults to the functional amount in EUR."""
    original = original if original is not None else eur_money(amount)
    return Leg(account, amount, original.minor, original.currency, case, victim, award, asset)


def award_dims(award: Award) -> dict[str, int]:
    return {"case": award.case_id, "victim": award.victim_id, "award": award.id}


def legs_of(session: Session, number: int) -> list[Leg]:
    """The postings of entry ``number``, sorted (their order is not part of the contract)."""
    entry = session.get(JournalEntry, number)
    return sorted(
        Leg(
            p.account.code,
            p.amount,
            p.original_amount,
            p.currency,
            p.case_id,
            p.victim_id,
            p.award_id,
            p.asset_id,
        )
        for p in entry.postings
    )


def expect(*legs: Leg) -> list[Leg]:
    return sorted(legs)


def head(session: Session) -> int:
    return session.scalar(select(JournalHead.last_number))


def last_entry(session: Session) -> JournalEntry:
    return session.get(JournalEntry, head(session))


def balance(session: Session, code: str) -> int:
    """Current debit-positive functional balance of an account (running total)."""
    from ledger.balances import current_balances

    return current_balances(session).get(code, 0)


def carrying(session: Session, award: Award) -> tuple[int, int]:
    return awards.carrying_value(session, award)


def award_legs(session: Session, award: Award, code: str = "2000") -> list[tuple[int, int, str]]:
    """(entry, functional, original) of every posting of ``code`` for the award, in order."""
    return [
        (number, amount, original)
        for number, amount, original in session.execute(
            select(Posting.entry_number, Posting.amount, Posting.original_amount)
            .join(Account, Account.id == Posting.account_id)
            .where(Posting.award_id == award.id, Account.code == code)
            .order_by(Posting.entry_number, Posting.line)
        )
    ]


def assert_verified(session: Session) -> None:
    result = verify_journal(session)
    assert result.ok, result.problems


_SNAPSHOT_TABLES = (
    JournalHead,
    JournalEntry,
    Posting,
    AccountBalance,
    SubledgerBalance,
    Period,
    Case,
    Asset,
    Victim,
    Award,
    Disbursement,
    Distribution,
    CashMovement,
    AuditEvent,
)


def books(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table a register step may touch, read afresh."""
    snapshot = {}
    for model in _SNAPSHOT_TABLES:
        table = model.__table__
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        snapshot[table.name] = [tuple(row) for row in rows]
    snapshot["count"] = [
        (session.scalar(select(func.count()).select_from(JournalEntry)),),
    ]
    return snapshot


def refused(session: Session, error: type[Exception], call, *args, **kwargs) -> Exception:
    """Call, expect ``error``, roll back as the app does, and check nothing changed."""
    before = books(session)
    with pytest.raises(error) as info:
        call(*args, **kwargs)
    session.rollback()
    after = books(session)
    assert after == before, "a refused step changed the database"
    if hasattr(error, "kind"):
        assert info.value.kind == error.kind
    return info.value
