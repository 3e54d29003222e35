"""SPEC §5 state machines: every allowed transition, and every refused one changing nothing.

A refusal is checked the way the app handles it: the service raises, the
session is rolled back, and then every journal and register table is read
again and compared with what it held before (journal head, entries, postings,
balances, register rows, audit log).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.errors import status_of
from ledger import assets, awards, disbursements
from ledger.errors import Conflict, Forbidden
from ledger.models import Asset, AuditEvent, Award, Disbursement
from ledger.money import Money
from tests.registers import factories as f
from tests.registers.factories import ADMIN, OTHER, PAID, THIRD, eur_money


def last_audit(db) -> AuditEvent:
    return db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()


def test_refusals_are_409_and_403():
    assert status_of(Conflict("x")) == 409
    assert status_of(Forbidden("x")) == 403


# -- seized assets -----------------------------------------------------------------------


def test_non_cash_asset_seized_forfeited_liquidated(db):
    case = f.new_case(db)
    car = f.seize(db, case, eur_money(2_000_000), kind="vehicle")
    assert car.state == "seized"
    car = f.forfeit(db, car, eur_money(1_800_000))
    assert (car.state, car.forfeited_on, car.forfeiture_order) == (
        "forfeited",
        f.FORFEITED,
        f"F-{car.id}",
    )
    event = last_audit(db)
    assert (event.action, event.subject_type, event.subject_id) == (
        "asset.forfeited",
        "asset",
        str(car.id),
    )
    assert '"state":"seized"' in event.before and '"state":"forfeited"' in event.after
    car = f.liquidate(db, car, eur_money(1_900_000), eur_money(10_000))
    assert (car.state, car.sold_on, car.proceeds_minor, car.selling_costs_minor) == (
        "liquidated",
        PAID,
        1_900_000,
        10_000,
    )
    assert last_audit(db).action == "asset.liquidated"
    f.assert_verified(db)


def test_asset_seized_then_released(db):
    case = f.new_case(db)
    for kind in ("cash", "real_estate"):
        asset = f.seize(db, case, eur_money(300_000), kind=kind)
        entries = f.head(db)
        asset = f.release(db, asset)
        assert (asset.state, asset.released_on, asset.release_reason) == (
            "released",
            PAID,
            "Owner acquitted",
        )
        assert f.head(db) == entries + (1 if kind == "cash" else 0)
        assert last_audit(db).action == "asset.released"
    f.assert_verified(db)


def test_cash_seized_then_forfeited(db):
    case = f.new_case(db)
    asset = f.forfeit(db, f.seize(db, case, eur_money(300_000)))
    assert asset.state == "forfeited"
    assert f.balance(db, "1000") == 300_000


def _assets_in_every_state(db) -> dict[str, Asset]:
    case = f.new_case(db)
    seize = {
        name: f.seize(db, case, eur_money(100_000), kind=kind)
        for name, kind in [
            ("car seized", "vehicle"),
            ("car forfeited", "vehicle"),
            ("car liquidated", "vehicle"),
            ("car released", "vehicle"),
            ("cash seized", "cash"),
            ("cash forfeited", "cash"),
            ("cash released", "cash"),
        ]
    }
    f.forfeit(db, seize["car forfeited"], eur_money(90_000))
    f.forfeit(db, seize["car liquidated"], eur_money(90_000))
    f.liquidate(db, seize["car liquidated"], eur_money(95_000))
    f.release(db, seize["car released"])
    f.forfeit(db, seize["cash forfeited"])
    f.release(db, seize["cash released"])
    return seize


ACTIONS = {
    "forfeit": lambda db, asset: assets.forfeit_asset(
        db,
        actor=ADMIN,
        asset_id=asset.id,
        order_reference="F-again",
        forfeited_on=PAID,
        value=None if asset.kind == "cash" else eur_money(90_000),
    ),
    "liquidate": lambda db, asset: assets.liquidate_asset(
        db,
        actor=ADMIN,
        asset_id=asset.id,
        sold_on=PAID,
        proceeds=eur_money(95_000),
        selling_costs=eur_money(0),
    ),
    "release": lambda db, asset: assets.release_asset(
        db, actor=ADMIN, asset_id=asset.id, released_on=PAID, reason="Acquitted"
    ),
}
ALLOWED = {("car seized", "forfeit"), ("car seized", "release"), ("car forfeited", "liquidate")}
ALLOWED |= {("cash seized", "forfeit"), ("cash seized", "release")}


def test_forbidden_asset_transitions_are_409_and_change_nothing(db):
    """Forfeit twice, liquidate a seized asset or cash, release a forfeited one, and so on."""
    by_state = _assets_in_every_state(db)
    tried = 0
    for action, call in ACTIONS.items():
        for name, asset in by_state.items():
            if (name, action) in ALLOWED:
                continue
            state = db.get(Asset, asset.id).state
            f.refused(db, Conflict, call, db, asset)
            assert db.get(Asset, asset.id).state == state, (name, action)
            tried += 1
    assert tried == 3 * 7 - len(ALLOWED)
    # The same calls work where the machine allows them (the others: tests above).
    for name, action in [
        ("car forfeited", "liquidate"),
        ("car seized", "release"),
        ("cash seized", "forfeit"),
    ]:
        ACTIONS[action](db, by_state[name])
        db.commit()
    f.assert_verified(db)


# -- awards ------------------------------------------------------------------------------


@pytest.fixture
def fund(db):
    f.donate(db, 10_000_000)
    return f.new_case(db), f.new_victim(db)


def test_award_registered_partially_paid_paid(db, fund):
    case, victim = fund
    award = f.register(db, case, victim, eur_money(1_000_000))
    assert (award.status, award.outstanding_minor) == ("registered", 1_000_000)
    f.pay(db, award, 400_000)
    db.refresh(award)
    assert (award.status, award.paid_minor, award.outstanding_minor) == (
        "partially_paid",
        400_000,
        600_000,
    )
    f.pay(db, award, 600_000)
    db.refresh(award)
    assert (award.status, award.paid_minor, award.outstanding_minor) == ("paid", 1_000_000, 0)
    assert f.carrying(db, award) == (0, 0)
    f.assert_verified(db)


def test_award_registered_then_cancelled(db, fund):
    case, victim = fund
    award = f.register(db, case, victim, eur_money(1_000_000))
    award = f.cancel(db, award, eur_money(1_000_000))
    assert (award.status, award.outstanding_minor) == ("cancelled", 0)
    event = last_audit(db)
    assert event.action == "award.cancelled" and '"status":"registered"' in event.before


def test_reduced_award_stays_registered_and_a_paid_one_comes_back_when_returned(db, fund):
    case, victim = fund
    award = f.cancel(db, f.register(db, case, victim, eur_money(1_000_000)), eur_money(1))
    assert (award.status, award.outstanding_minor) == ("registered", 999_999)
    paid = f.pay(db, award, 999_999)
    db.refresh(award)
    assert award.status == "paid"
    f.give_back(db, paid)
    db.refresh(award)
    assert (award.status, award.outstanding_minor) == ("registered", 999_999)
    f.pay(db, award, 999_999)  # paid by a new proposal
    db.refresh(award)
    assert award.status == "paid"
    f.assert_verified(db)


def _cancel(db, award, amount=None):
    return awards.cancel_award(
        db, actor=ADMIN, award_id=award.id, effective_on=PAID, reason="Appeal", amount=amount
    )


def test_cancelling_a_paid_or_cancelled_award_is_409_and_changes_nothing(db, fund):
    case, victim = fund
    paid = f.register(db, case, victim, eur_money(100_000))
    f.pay(db, paid, 100_000)
    cancelled = f.cancel(db, f.register(db, case, victim, eur_money(100_000)), eur_money(100_000))
    partly = f.register(db, case, victim, eur_money(100_000))
    f.pay(db, partly, 40_000)
    settled = f.cancel(db, partly, eur_money(60_000))  # the unpaid rest: nothing outstanding
    assert (settled.outstanding_minor, settled.paid_minor) == (0, 40_000)
    for award in (paid, cancelled, settled):
        status = db.get(Award, award.id).status
        f.refused(db, Conflict, _cancel, db, award)
        f.refused(db, Conflict, _cancel, db, award, eur_money(1))
        assert db.get(Award, award.id).status == status
    for award in (paid, cancelled, settled):
        f.refused(
            db,
            Conflict,
            disbursements.propose_disbursement,
            db,
            actor=ADMIN,
            award_id=award.id,
            amount=eur_money(1),
            method="cash",
            on=PAID,
        )
    f.assert_verified(db)


def test_same_order_reference_twice_for_a_victim_is_409(db, fund):
    case, victim = fund
    f.register(db, case, victim, eur_money(100_000), reference="ORD-7")
    error = f.refused(
        db,
        Conflict,
        awards.register_award,
        db,
        actor=ADMIN,
        case_id=case.id,
        victim_id=victim.id,
        order_reference="ORD-7",
        ordered_on=date(2026, 3, 30),
        amount=eur_money(5),
    )
    assert "order_reference" in error.errors
    other = f.new_victim(db)
    award = f.register(db, case, other, eur_money(100_000), reference="ORD-7")
    assert (award.victim_id, award.order_reference) == (other.id, "ORD-7")
    f.assert_verified(db)


# -- disbursements -----------------------------------------------------------------------


def _disbursements_in_every_state(db, fund) -> dict[str, Disbursement]:
    case, victim = fund
    award = f.register(db, case, victim, eur_money(5_000_000))
    made = {state: f.propose(db, award, 100_000) for state in DISBURSEMENT_STATES}
    f.approve(db, made["approved"])
    f.reject(db, made["rejected"])
    for state in ("paid", "returned"):
        f.approve(db, made[state])
        f.execute(db, made[state], 100_000, fee=100)
    f.give_back(db, made["returned"])
    for state, disbursement in made.items():
        assert db.get(Disbursement, disbursement.id).status == state
    return made


DISBURSEMENT_STATES = ("proposed", "approved", "rejected", "paid", "returned")
MOVES = {
    "approve": lambda db, d: disbursements.approve_disbursement(
        db, actor=OTHER, disbursement_id=d.id
    ),
    "reject": lambda db, d: disbursements.reject_disbursement(
        db, actor=OTHER, disbursement_id=d.id, reason="No"
    ),
    "execute": lambda db, d: disbursements.execute_disbursement(
        db,
        actor=ADMIN,
        disbursement_id=d.id,
        paid_on=PAID,
        bank_reference="REF-again",
        debited=eur_money(100_000),
        fee=eur_money(0),
    ),
    "return": lambda db, d: disbursements.return_disbursement(
        db, actor=ADMIN, disbursement_id=d.id, returned_on=PAID, reason="Bounced"
    ),
}
NEXT = {("proposed", "approve"): "approved", ("proposed", "reject"): "rejected"}
NEXT |= {("approved", "execute"): "paid", ("paid", "return"): "returned"}


def test_disbursement_transitions(db, fund):
    """Approve twice, execute a proposed one, return an unpaid one, approve a rejected one…"""
    made = _disbursements_in_every_state(db, fund)
    tried = 0
    for move, call in MOVES.items():
        for state, disbursement in made.items():
            if (state, move) in NEXT:
                continue
            error = f.refused(db, Conflict, call, db, disbursement)
            assert db.get(Disbursement, disbursement.id).status == state
            assert error.errors == {"status": [f"is {state}"]}, (state, move)
            tried += 1
    assert tried == 5 * 4 - len(NEXT)
    award = made["proposed"].award
    for (state, move), after in NEXT.items():
        disbursement = made[state]
        if move == "reject":  # the proposed one was approved just before
            disbursement = f.propose(db, award, 100_000)
        entries = f.head(db)
        moved = MOVES[move](db, disbursement)
        db.commit()
        assert moved.status == after
        assert last_audit(db).action == f"disbursement.{after}"
        assert f.head(db) == entries + int(move in ("execute", "return"))
    f.assert_verified(db)


def test_full_disbursement_life(db, fund):
    case, victim = fund
    award = f.register(db, case, victim, eur_money(1_000_000))
    d = f.propose(db, award, 1_000_000)
    assert (d.status, d.proposed_by, d.estimate_minor) == ("proposed", ADMIN.name, 1_000_000)
    d = f.approve(db, d, actor=THIRD)
    assert (d.status, d.approved_by) == ("approved", THIRD.name)
    d = f.execute(db, d, 1_000_000, fee=200)
    assert (d.status, d.debited_minor, d.fee_minor, d.bank_reference) == (
        "paid",
        1_000_000,
        200,
        f"REF-{d.id}",
    )
    d = f.give_back(db, d)
    assert (d.status, d.returned_on, d.return_reason) == ("returned", PAID, "Account closed")
    r = f.reject(db, f.propose(db, award, 1_000_000))
    assert (r.status, r.rejected_by, r.rejection_reason) == (
        "rejected",
        OTHER.name,
        "Wrong account",
    )
    f.assert_verified(db)


def test_the_proposer_can_neither_approve_nor_reject_403(db, fund):
    case, victim = fund
    award = f.register(db, case, victim, eur_money(1_000_000))
    mine = f.propose(db, award, 500_000, actor=OTHER)  # MOVES act as OTHER
    for move in ("approve", "reject"):
        error = f.refused(db, Forbidden, MOVES[move], db, mine)
        assert "four eyes" in error.detail
        assert db.get(Disbursement, mine.id).status == "proposed"
    theirs = f.propose(db, award, 500_000, actor=ADMIN)
    assert MOVES["approve"](db, theirs).approved_by == OTHER.name  # another admin may
    db.commit()
    rejected = disbursements.reject_disbursement(db, actor=ADMIN, disbursement_id=mine.id)
    db.commit()
    assert (rejected.status, rejected.rejected_by) == ("rejected", ADMIN.name)


def test_a_cancelled_award_takes_no_proposal(db, fund):
    case, victim = fund
    award = f.cancel(db, f.register(db, case, victim, eur_money(100_000)), eur_money(100_000))
    f.refused(
        db,
        Conflict,
        disbursements.propose_disbursement,
        db,
        actor=ADMIN,
        award_id=award.id,
        amount=Money(1, "EUR"),
        method="cash",
        on=PAID,
    )
