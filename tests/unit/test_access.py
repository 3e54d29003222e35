"""Who may do what, decided by the core: every service and read called straight, per role.

No door is involved here: each test calls a ledger service or read function
with an :class:`~ledger.access.Actor` of each role and shows what the core
itself refuses (SPEC §5, §7; ledger/access.py):

- every writing service refuses, with :class:`Forbidden`, each role its
  permission does not admit, and the database is then exactly as before
  (every table, not only the journal); the same call by an admitted actor
  then goes through, so the refusal was the role's doing and not the input's;
- a court lists and gets only the awards it registered and their payments,
  another court's award or an administrator's is :class:`NotFound` to it and
  cannot be cancelled; every other role sees every award;
- a victim's personal data is opened only for an administrator, and each
  opening is in the audit log;
- four eyes: the proposer can neither approve nor reject its own proposal;
- an entry a register posted is undone only through that register;
- the books (journal, accounts, periods, audit log, receipts and expenses,
  distribution rounds, verify) are closed to courts, and so is every
  statement but the awards register.

A court actor is a real user row: awards keep the court's user id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import (
    adjustments,
    assets,
    awards,
    cases,
    cash,
    chart,
    closing,
    disbursements,
    distributions,
    events,
    fx,
    periods,
    pii,
    users,
    victims,
)
from ledger.access import ADMINISTRATOR, AUDITOR, COURT, ROLES, Actor
from ledger.errors import Conflict, Forbidden, NotFound
from ledger.models import AuditEvent, Award, Base, JournalEntry, User, Victim
from ledger.money import Money
from ledger.reads import awards as award_reads
from ledger.reads import books as book_reads
from ledger.reads import journal as journal_reads
from ledger.reads import registers as register_reads
from ledger.reads.paging import PageRequest
from ledger.verify import verify_books
from reports.context import ReportRequest
from reports.statements import BUILDERS, build_statement
from tests.conftest import OPERATOR
from tests.registers.factories import (
    ADMIN,
    CIPHER,
    FORFEITED,
    ORDERED,
    OTHER,
    PAID,
    RATES_FILE,
    approve,
    eur_money,
    execute,
    forfeit,
    load_rates,
    new_case,
    new_victim,
    propose,
    register,
    seize,
)

PAGE = PageRequest(1, 500)
#: Never checked: these users act only through actors built in the tests.
UNUSED_HASH = "$argon2id$v=19$m=65536,t=3,p=4$unused$unused"


# -- what the database holds --------------------------------------------------------------


def everything(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table, read afresh (users, tokens, rates and accounts included)."""
    session.expire_all()
    snapshot = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


def refused(session: Session, error: type[Exception], call, *args, **kwargs) -> Exception:
    """Call, expect ``error``, roll back as a door does, and check that no table changed."""
    before = everything(session)
    with pytest.raises(error) as info:
        call(*args, **kwargs)
    session.rollback()
    assert everything(session) == before, "a refused call changed the database"
    return info.value


def audit_events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


# -- a small fund, built through the services -------------------------------------------


@dataclass
class Fund:
    db: Session
    court: Actor  # registry-a: a real court user
    other_court: Actor  # registry-b
    auditor: Actor  # a real auditor user
    staff: Actor  # an administrator with a user row (ADMIN, alice, has none)
    case: object = None
    victim: Victim | None = None
    award: Award | None = None  # EUR 2,000.00 registered by alice
    court_award: Award | None = None  # EUR 1,000.00 registered by registry-a
    extra: dict = field(default_factory=dict)

    def actor(self, role: str) -> Actor:
        return {ADMINISTRATOR: ADMIN, COURT: self.court, AUDITOR: self.auditor}[role]


def add_user(session: Session, name: str, role: str) -> Actor:
    user = User(name=name, role=role, password_hash=UNUSED_HASH)
    session.add(user)
    session.flush()
    return Actor.of(user)


def court_award(session: Session, f: Fund, court: Actor, minor: int, reference: str) -> Award:
    award = awards.register_award(
        session,
        actor=court,
        case_id=f.case.id,
        victim_id=f.victim.id,
        order_reference=reference,
        ordered_on=ORDERED,
        amount=eur_money(minor),
    )
    session.commit()
    return award


@pytest.fixture
def fund(db) -> Fund:
    f = Fund(
        db,
        court=add_user(db, "registry-a", COURT),
        other_court=add_user(db, "registry-b", COURT),
        auditor=add_user(db, "inspector", AUDITOR),
        staff=add_user(db, "dora", ADMINISTRATOR),
    )
    db.commit()
    load_rates(db)
    f.case = new_case(db)
    forfeit(db, seize(db, f.case, eur_money(5_000_000)))  # EUR 50,000 in the bank
    f.victim = new_victim(db)
    f.award = register(db, f.case, f.victim, eur_money(200_000))
    f.court_award = court_award(db, f, f.court, 100_000, "COURT-A-1")
    return f


# -- one refusal per writing service ------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A service call ready to run as any actor."""

    #: The roles whose permission admits the step.
    roles: frozenset[str]
    call: Callable[[Actor], object]
    #: Who then takes it successfully (default: alice, an administrator).
    by: Actor = ADMIN
    #: The actor that stands for a role when it is refused (default: ``Fund.actor``).
    stand_in: dict[str, Actor] = field(default_factory=dict)
    #: The refusal names the role (``access.require``'s message).
    names_role: bool = True


STEPS: dict[str, Callable[[Fund], Step]] = {}


def step(name: str):
    def register_step(prepare: Callable[[Fund], Step]):
        STEPS[name] = prepare
        return prepare

    return register_step


ADMIN_ONLY = frozenset({ADMINISTRATOR})
ADMIN_AND_COURT = frozenset({ADMINISTRATOR, COURT})


@step("cases.open_case")
def _open_case(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: cases.open_case(
            f.db,
            actor=actor,
            reference="CR-2026-077",
            court="Tribunal de Braga",
            title="State v. Smugglers",
            jurisdiction="PT",
            opened_on=date(2026, 2, 1),
        ),
    )


@step("assets.seize_asset")
def _seize(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: assets.seize_asset(
            f.db,
            actor=actor,
            case_id=f.case.id,
            kind="cash",
            description="Cash in a suitcase",
            seized_on=date(2026, 2, 1),
            estimated_value=eur_money(70_000),
        ),
    )


@step("assets.forfeit_asset")
def _forfeit(f: Fund) -> Step:
    car = seize(f.db, f.case, eur_money(900_000), kind="vehicle")
    return Step(
        ADMIN_ONLY,
        lambda actor: assets.forfeit_asset(
            f.db,
            actor=actor,
            asset_id=car.id,
            order_reference="F-CAR",
            forfeited_on=FORFEITED,
            value=eur_money(800_000),
        ),
    )


@step("assets.liquidate_asset")
def _liquidate(f: Fund) -> Step:
    car = forfeit(f.db, seize(f.db, f.case, eur_money(900_000), kind="vehicle"), eur_money(800_000))
    return Step(
        ADMIN_ONLY,
        lambda actor: assets.liquidate_asset(
            f.db,
            actor=actor,
            asset_id=car.id,
            sold_on=PAID,
            proceeds=eur_money(850_000),
            selling_costs=eur_money(20_000),
        ),
    )


@step("assets.release_asset")
def _release(f: Fund) -> Step:
    held = seize(f.db, f.case, eur_money(70_000))
    return Step(
        ADMIN_ONLY,
        lambda actor: assets.release_asset(
            f.db, actor=actor, asset_id=held.id, released_on=PAID, reason="Acquitted"
        ),
    )


PAYMENT = victims.PaymentDetails(
    method="intermediary", currency="EUR", intermediary="Partner NGO", reference="P-2"
)


@step("victims.register_victim")
def _register_victim(f: Fund) -> Step:
    return Step(
        ADMIN_AND_COURT,
        lambda actor: victims.register_victim(
            f.db,
            CIPHER,
            actor=actor,
            full_name="B. Victim",
            date_of_birth=date(1991, 5, 6),
            contact=None,
            country_of_residence="PT",
            returned_home=False,
            payment=PAYMENT,
        ),
    )


@step("victims.change_victim")
def _change_victim(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: victims.change_victim(
            f.db,
            CIPHER,
            actor=actor,
            victim_id=f.victim.id,
            contact="c/o Partner NGO",
            country_of_residence="TH",
            returned_home=True,
            payment=PAYMENT,
        ),
    )


@step("awards.register_award")
def _register_award(f: Fund) -> Step:
    return Step(
        ADMIN_AND_COURT,
        lambda actor: awards.register_award(
            f.db,
            actor=actor,
            case_id=f.case.id,
            victim_id=f.victim.id,
            order_reference="ORD-NEW",
            ordered_on=ORDERED,
            amount=eur_money(50_000),
        ),
    )


@step("awards.cancel_award")
def _cancel_award(f: Fund) -> Step:
    return Step(
        ADMIN_AND_COURT,
        lambda actor: awards.cancel_award(
            f.db,
            actor=actor,
            award_id=f.award.id,
            effective_on=PAID,
            reason="Reduced on appeal",
            amount=eur_money(10_000),
        ),
    )


@step("disbursements.propose_disbursement")
def _propose(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: disbursements.propose_disbursement(
            f.db,
            actor=actor,
            award_id=f.award.id,
            amount=eur_money(10_000),
            method="bank_transfer",
            on=PAID,
        ),
    )


@step("disbursements.approve_disbursement")
def _approve(f: Fund) -> Step:
    proposal = propose(f.db, f.award, 10_000)  # by alice
    return Step(
        ADMIN_ONLY,
        lambda actor: disbursements.approve_disbursement(
            f.db, actor=actor, disbursement_id=proposal.id
        ),
        by=OTHER,
    )


@step("disbursements.reject_disbursement")
def _reject(f: Fund) -> Step:
    proposal = propose(f.db, f.award, 10_000)
    return Step(
        ADMIN_ONLY,
        lambda actor: disbursements.reject_disbursement(
            f.db, actor=actor, disbursement_id=proposal.id, reason="Wrong account"
        ),
        by=OTHER,
    )


@step("disbursements.execute_disbursement")
def _execute(f: Fund) -> Step:
    approved = approve(f.db, propose(f.db, f.award, 10_000))
    return Step(
        ADMIN_ONLY,
        lambda actor: disbursements.execute_disbursement(
            f.db,
            actor=actor,
            disbursement_id=approved.id,
            paid_on=PAID,
            bank_reference="BANK-1",
            debited=eur_money(10_000),
            fee=eur_money(50),
        ),
    )


@step("disbursements.return_disbursement")
def _return(f: Fund) -> Step:
    paid = execute(f.db, approve(f.db, propose(f.db, f.award, 10_000)), 10_000, fee=50)
    return Step(
        ADMIN_ONLY,
        lambda actor: disbursements.return_disbursement(
            f.db, actor=actor, disbursement_id=paid.id, returned_on=PAID, reason="Account closed"
        ),
    )


@step("distributions.distribute")
def _distribute(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: distributions.distribute(
            f.db, actor=actor, amount=eur_money(50_000), on=PAID
        ),
    )


@step("cash.record_receipt")
def _receipt(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: cash.record_receipt(
            f.db,
            actor=actor,
            kind="donation",
            received_on=PAID,
            amount=eur_money(100_000),
            counterparty="Foundation",
        ),
    )


@step("cash.record_expense")
def _expense(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: cash.record_expense(
            f.db,
            actor=actor,
            kind="administrative",
            paid_on=PAID,
            amount=eur_money(1_000),
            counterparty="Stationer",
        ),
    )


ADJUSTMENT = [{"account": "5500", "debit": "10.00"}, {"account": "1000", "credit": "10.00"}]


def manual_entry(f: Fund) -> JournalEntry:
    entry = adjustments.post_adjustment(
        f.db, actor=ADMIN, value_date=PAID, memo="Office supplies", postings=ADJUSTMENT
    )
    f.db.commit()
    return entry


@step("adjustments.post_adjustment")
def _adjust(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: adjustments.post_adjustment(
            f.db, actor=actor, value_date=PAID, memo="Office supplies", postings=ADJUSTMENT
        ),
    )


@step("adjustments.reverse_manual_entry")
def _reverse(f: Fund) -> Step:
    number = manual_entry(f).number
    return Step(
        ADMIN_ONLY,
        lambda actor: adjustments.reverse_manual_entry(
            f.db, actor=actor, number=number, value_date=PAID, memo="Booked twice"
        ),
    )


@step("closing.revalue")
def _revalue(f: Fund) -> Step:
    # A USD award at the rate of 2 February, restated at the rate of 3 February (ECB).
    register(f.db, f.case, f.victim, Money(300_000, "USD"))
    return Step(ADMIN_ONLY, lambda actor: closing.revalue(f.db, actor=actor, month="2026-02"))


@step("closing.close_year")
def _close_year(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: closing.close_year(f.db, actor=actor, year=2025, today=date(2026, 3, 1)),
    )


@step("periods.close_month")
def _close_month(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: periods.close_month(f.db, "2026-01", actor=actor, today=date(2026, 3, 1)),
    )


@step("chart.add_account")
def _add_account(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: chart.add_account(
            f.db,
            actor=actor,
            code="1001",
            name="Fund bank account (USD)",
            type="asset",
            currency="USD",
            no_overdraft=True,
        ),
    )


@step("fx.import_rates")
def _import_rates(f: Fund) -> Step:
    rates = [fx.Rate("JPY", date(2026, 3, 31), Decimal("183.39"))]
    return Step(
        ADMIN_ONLY, lambda actor: fx.import_rates(f.db, actor, rates, source="ECB, typed in")
    )


@step("fx.import_ecb_csv")
def _import_csv(f: Fund) -> Step:
    text = RATES_FILE.read_text()
    return Step(ADMIN_ONLY, lambda actor: fx.import_ecb_csv(f.db, actor, text, source="ECB"))


@step("pii.rotate")
def _rotate(f: Fund) -> Step:
    newer = pii.PiiCipher((pii.generate_key(), *CIPHER.keys))
    return Step(ADMIN_ONLY, lambda actor: pii.rotate(f.db, actor, newer))


@step("users.create_user")
def _create_user(f: Fund) -> Step:
    return Step(
        ADMIN_ONLY,
        lambda actor: users.create_user(
            f.db, actor, "registry-c", COURT, "correct horse battery staple"
        ),
    )


def _tokens_of_another(f: Fund, service) -> Step:
    """A token step on registry-b's account: no user may take it for someone else, whatever
    its role; only the operator at the command line (an actor without a user id) may."""
    return Step(
        frozenset(),
        lambda actor: service(f.db, actor, f.other_court.name),
        by=OPERATOR,
        stand_in={ADMINISTRATOR: f.staff},
        names_role=False,
    )


@step("users.create_token")
def _create_token(f: Fund) -> Step:
    return _tokens_of_another(f, users.create_token)


@step("users.revoke_tokens")
def _revoke_tokens(f: Fund) -> Step:
    users.create_token(f.db, OPERATOR, f.other_court.name)
    f.db.commit()
    return _tokens_of_another(f, users.revoke_tokens)


def test_each_service_refuses_the_roles_its_permission_does_not_admit(fund, subtests):
    """One fund for every step, in the table's order (the month closes come late)."""
    for name, prepare in STEPS.items():
        with subtests.test(step=name):
            fund.db.rollback()  # whatever a failed step before this one left behind
            prepared = prepare(fund)
            refused_roles = [role for role in ROLES if role not in prepared.roles]
            assert refused_roles, f"{name}: every role may take it?"
            for role in refused_roles:
                actor = prepared.stand_in.get(role) or fund.actor(role)
                error = refused(fund.db, Forbidden, prepared.call, actor)
                if prepared.names_role:
                    assert f"the {role} role may not" in str(error), (name, role, str(error))
            # The same call by an actor it admits goes through: the refusals were the role's.
            before = everything(fund.db)
            prepared.call(prepared.by)
            fund.db.commit()
            assert everything(fund.db) != before, f"{name} by {prepared.by.name} changed nothing"


def test_the_table_of_steps_names_real_services():
    for name in STEPS:
        module, function = name.split(".")
        assert callable(getattr(globals()[module], function)), name


def test_a_court_may_take_the_steps_its_role_admits(fund):
    """The other side of the table above: a court registers victims and awards, and
    cancels the awards it registered itself."""
    for name in ("victims.register_victim", "awards.register_award"):
        STEPS[name](fund).call(fund.court)
        fund.db.commit()
    cancelled = awards.cancel_award(
        fund.db,
        actor=fund.court,
        award_id=fund.court_award.id,
        effective_on=PAID,
        reason="Set aside",
    )
    fund.db.commit()
    assert cancelled.status == "cancelled"


def test_a_user_manages_its_own_tokens(fund):
    token = users.create_token(fund.db, fund.court, fund.court.name)
    fund.db.commit()
    assert token.startswith(users.TOKEN_PREFIX)
    assert users.revoke_tokens(fund.db, fund.court, fund.court.name) == 1
    fund.db.commit()


def test_a_service_refuses_anything_but_an_actor(fund):
    with pytest.raises(TypeError):
        STEPS["cases.open_case"](fund).call("alice")
    fund.db.rollback()


# -- a court's scope ----------------------------------------------------------------------


@pytest.fixture
def scoped(fund) -> Fund:
    """Three awards (registry-a's, registry-b's, alice's), each with a proposed payment."""
    f = fund
    f.extra["other_award"] = court_award(f.db, f, f.other_court, 70_000, "COURT-B-1")
    f.extra["payments"] = {
        award.id: propose(f.db, award, 5_000)
        for award in (f.court_award, f.extra["other_award"], f.award)
    }
    return f


def test_an_award_keeps_the_court_that_registered_it(scoped):
    assert scoped.court_award.court_user_id == scoped.court.user_id
    assert scoped.extra["other_award"].court_user_id == scoped.other_court.user_id
    assert scoped.award.court_user_id is None  # an administrator's: no court's own


def test_a_court_lists_and_gets_only_its_own_awards_and_their_payments(scoped):
    f, db = scoped, scoped.db
    mine, others = f.court_award, (f.extra["other_award"], f.award)
    payments = f.extra["payments"]

    listed = award_reads.list_awards(db, f.court, PAGE)
    assert [row.id for row in listed.items] == [mine.id] and listed.total == 1
    assert award_reads.get_award(db, f.court, mine.id).id == mine.id
    assert awards.visible_award(db, f.court, mine.id).id == mine.id
    paid = award_reads.list_payments(db, f.court, PAGE)
    assert [row.id for row in paid.items] == [payments[mine.id].id] and paid.total == 1
    assert award_reads.get_payment(db, f.court, payments[mine.id].id).award_id == mine.id

    for other in others:
        # Filters cannot reach past the scope either.
        assert award_reads.list_awards(db, f.court, PAGE, case_id=other.case_id).total == 1
        assert award_reads.list_payments(db, f.court, PAGE, award_id=other.id).total == 0
        for read in (award_reads.get_award, awards.visible_award):
            with pytest.raises(NotFound):
                read(db, f.court, other.id)
        for read in (award_reads.get_payment, disbursements.visible_disbursement):
            with pytest.raises(NotFound):
                read(db, f.court, payments[other.id].id)


def test_a_court_cannot_cancel_another_courts_or_an_administrators_award(scoped):
    f = scoped
    for other in (f.extra["other_award"], f.award):
        refused(
            f.db,
            NotFound,
            awards.cancel_award,
            f.db,
            actor=f.court,
            award_id=other.id,
            effective_on=PAID,
            reason="Not mine",
        )


def test_administrators_and_auditors_see_every_award_and_payment(scoped):
    f = scoped
    every_award = sorted(a.id for a in (f.award, f.court_award, f.extra["other_award"]))
    every_payment = sorted(d.id for d in f.extra["payments"].values())
    for actor in (ADMIN, f.auditor):
        assert sorted(r.id for r in award_reads.list_awards(f.db, actor, PAGE).items) == every_award
        listed = award_reads.list_payments(f.db, actor, PAGE).items
        assert sorted(r.id for r in listed) == every_payment
        for award_id in every_award:
            assert award_reads.get_award(f.db, actor, award_id).id == award_id
        for payment_id in every_payment:
            assert award_reads.get_payment(f.db, actor, payment_id).id == payment_id


def test_the_registers_are_open_to_a_court(fund):
    f, db = fund, fund.db
    assert register_reads.list_cases(db, f.court, PAGE).total == 1
    assert register_reads.get_case(db, f.court, f.case.id).reference == f.case.reference
    listed = register_reads.list_assets(db, f.court, PAGE)
    assert listed.total == 1
    assert register_reads.get_asset(db, f.court, listed.items[0].id).kind == "cash"
    assert [v.code for v in register_reads.list_victims(db, f.court, PAGE).items] == [f.victim.code]
    assert book_reads.list_rates(db, f.court, PAGE).total > 0


# -- personal data --------------------------------------------------------------------------


def test_only_an_administrator_gets_the_personal_data_and_each_view_is_audited(fund):
    f, db = fund, fund.db
    before = len(audit_events(db))
    row = register_reads.victim_detail(db, ADMIN, f.victim.id, CIPHER)
    db.commit()
    assert row.code == f.victim.code
    assert row.personal_data["full_name"] == "A. Victim"
    assert row.personal_data["date_of_birth"] == "1990-04-01"
    viewed = audit_events(db)[before:]
    assert [(e.action, e.subject_type, e.subject_id, e.actor) for e in viewed] == [
        (events.PERSONAL_DATA_VIEWED, "victim", f.victim.code, ADMIN.name)
    ]
    assert "A. Victim" not in (viewed[0].before or "") + (viewed[0].after or "")

    for actor in (f.auditor, f.court):
        snapshot = everything(db)
        row = register_reads.victim_detail(db, actor, f.victim.id, CIPHER)
        db.commit()
        assert row.code == f.victim.code and row.personal_data is None
        assert everything(db) == snapshot, f"a {actor.role}'s view was recorded or changed data"


def test_a_list_of_victims_never_holds_personal_data(fund):
    for actor in (ADMIN, fund.auditor, fund.court):
        rows = register_reads.list_victims(fund.db, actor, PAGE).items
        assert rows and all(row.personal_data is None for row in rows)


@pytest.mark.parametrize("role", [AUDITOR, COURT])
def test_opening_personal_data_is_forbidden_to_auditors_and_courts(fund, role):
    error = refused(
        fund.db,
        Forbidden,
        victims.personal_data,
        fund.db,
        CIPHER,
        fund.victim,
        actor=fund.actor(role),
    )
    assert f"the {role} role may not" in str(error)


# -- four eyes ------------------------------------------------------------------------------


def test_the_proposer_can_neither_approve_nor_reject_its_own_proposal(fund):
    proposal = propose(fund.db, fund.award, 10_000)  # alice's
    for decide in (disbursements.approve_disbursement, disbursements.reject_disbursement):
        error = refused(
            fund.db, Forbidden, decide, fund.db, actor=ADMIN, disbursement_id=proposal.id
        )
        assert "four eyes" in str(error)
    approved = disbursements.approve_disbursement(fund.db, actor=OTHER, disbursement_id=proposal.id)
    fund.db.commit()
    assert (approved.status, approved.proposed_by, approved.approved_by) == (
        "approved",
        ADMIN.name,
        OTHER.name,
    )


# -- a register's entry is undone through its register -----------------------------------


def test_an_entry_a_register_posted_cannot_be_reversed_by_hand(fund):
    f, db = fund, fund.db
    paid = execute(db, approve(db, propose(db, f.award, 10_000)), 10_000, fee=50)
    cash.record_receipt(
        db,
        actor=ADMIN,
        kind="donation",
        received_on=PAID,
        amount=eur_money(1_000),
        counterparty="Foundation",
    )
    db.commit()
    posted = list(db.scalars(select(JournalEntry).where(JournalEntry.source_type.is_not(None))))
    kinds = {entry.source_type for entry in posted}
    assert {"asset", "award", "disbursement", "receipt"} <= kinds
    assert paid.payment_entry in {entry.number for entry in posted}
    for entry in posted:
        error = refused(
            db,
            Conflict,
            adjustments.reverse_manual_entry,
            db,
            actor=ADMIN,
            number=entry.number,
            value_date=PAID,
            memo="By hand",
        )
        assert entry.source_type in str(error)


def test_a_manual_entry_can_be_reversed_once(fund):
    f, db = fund, fund.db
    original = manual_entry(f)
    reversal = adjustments.reverse_manual_entry(
        db, actor=ADMIN, number=original.number, value_date=PAID, memo="Booked twice"
    )
    db.commit()
    assert reversal.reverses == original.number
    assert sorted((p.account.code, p.amount) for p in reversal.postings) == sorted(
        (p.account.code, -p.amount) for p in original.postings
    )
    refused(
        db,
        Conflict,
        adjustments.reverse_manual_entry,
        db,
        actor=ADMIN,
        number=original.number,
        value_date=PAID,
        memo="Again",
    )


# -- the books are not a court's ------------------------------------------------------------


def _book_reads(f: Fund) -> dict[str, Callable[[Actor], object]]:
    db = f.db
    round_ = distributions.distribute(db, actor=ADMIN, amount=eur_money(30_000), on=PAID)
    db.commit()
    return {
        "journal.list_entries": lambda a: journal_reads.list_entries(db, a, PAGE),
        "journal.get_entry": lambda a: journal_reads.get_entry(db, a, 1),
        "journal.list_accounts": lambda a: journal_reads.list_accounts(db, a, PAGE),
        "journal.get_account": lambda a: journal_reads.get_account(db, a, "1000"),
        "journal.account_ledger": lambda a: journal_reads.account_ledger(db, a, "1000", PAGE),
        "books.list_periods": lambda a: book_reads.list_periods(db, a, PAGE),
        "books.list_events": lambda a: book_reads.list_events(db, a, PAGE),
        "books.list_movements": lambda a: book_reads.list_movements(
            db, a, PAGE, direction="receipt"
        ),
        "verify.verify_books": lambda a: verify_books(db, a),
        "distributions.get_distribution": lambda a: distributions.get_distribution(
            db, a, round_.id
        ),
        "awards.get_distribution": lambda a: award_reads.get_distribution(db, a, round_.id),
    }


def test_the_books_are_read_by_administrators_and_auditors_but_not_by_courts(fund):
    for name, read in _book_reads(fund).items():
        error = refused(fund.db, Forbidden, read, fund.court)
        assert "the court role may not read the books" in str(error), name
        for actor in (ADMIN, fund.auditor):
            assert read(actor) is not None, name
            fund.db.rollback()


# -- statements -----------------------------------------------------------------------------


def _request(f: Fund, actor: Actor, slug: str) -> ReportRequest:
    options = {
        "general-ledger": {"account": "1000"},
        "victim-statement": {"victim_id": f.victim.id},
        "case-statement": {"case_id": f.case.id},
    }
    return ReportRequest(actor=actor, **options.get(slug, {}))


def test_a_court_may_have_no_statement_but_the_awards_register(fund):
    for slug in sorted(set(BUILDERS) - {"awards-register"}):
        request = _request(fund, fund.court, slug)
        error = refused(fund.db, Forbidden, build_statement, fund.db, slug, request)
        assert "awards register" in str(error), slug
        # The same statement, asked for by an auditor, is built.
        statement = build_statement(fund.db, slug, _request(fund, fund.auditor, slug))
        assert statement.meta.generated_by == fund.auditor.name
        list(statement.iter_rows())
        fund.db.rollback()


def test_a_courts_awards_register_holds_only_its_own_awards(fund):
    court_award(fund.db, fund, fund.other_court, 70_000, "COURT-B-1")

    def awards_in(actor: Actor) -> set[int]:
        statement = build_statement(fund.db, "awards-register", ReportRequest(actor=actor))
        return {row["award"] for row in statement.iter_rows() if isinstance(row.get("award"), int)}

    assert awards_in(fund.court) == {fund.court_award.id}
    assert len(awards_in(fund.auditor)) == 3
