"""Every state change of the core writes its own audit event: a walk through every service.

:data:`WALK` is a table of the core's writing services, each with a step that
calls it on a small fund (built by the walk itself, in order) and the audit
events the step must write: action (a name from :mod:`ledger.events`),
subject type, subject id and the actor's name, exactly and in order.

The table is complete by construction: :func:`writing_services` imports every
module under ``ledger/`` and lists every public function that takes an
``actor``; each one must be walked here, or be named in :data:`READS` (what
only reads: ``ledger/reads/`` is left out whole) or :data:`PLUMBING` (the
pieces the services are made of), each with the reason. A new service that
nobody added to the walk fails :func:`test_the_walk_covers_every_writing_service`.
While walking, every service is wrapped in a spy, so a step that does not
really call the service it stands for fails too.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from ledger import (
    adjustments,
    assets,
    audit,
    awards,
    cases,
    cash,
    chart,
    closing,
    disbursements,
    distributions,
    events,
    fx,
    imports,
    periods,
    pii,
    users,
    victims,
)
from ledger.access import COURT, Actor
from ledger.models import ApiToken, AuditEvent, User
from ledger.money import Money
from tests.conftest import OPERATOR, PASSWORD
from tests.registers.factories import (
    ADMIN,
    CIPHER,
    FORFEITED,
    ORDERED,
    OTHER,
    PAID,
    RATES_FILE,
    SEIZED,
    eur_money,
)

COURT_NAME = "registry"


@dataclass
class Walk:
    """The fund as the walk builds it, and who acts in it."""

    db: Session
    cipher: object = CIPHER
    court: Actor | None = None
    ids: dict = field(default_factory=dict)


def E(action: str, subject_type: str, subject_id: object, actor: Actor) -> tuple:
    """An expected audit event."""
    return (action, subject_type, None if subject_id is None else str(subject_id), actor.name)


#: "ledger.module.function" → a step that calls it and returns the events it must write.
WALK: dict[str, Callable[[Walk], list[tuple]]] = {}
#: Services still being written elsewhere: walked when they exist, not missed when they don't.
OPTIONAL: set[str] = set()


def walks(name: str, *, optional: bool = False):
    def add(step: Callable[[Walk], list[tuple]]):
        WALK[name] = step
        if optional:
            OPTIONAL.add(name)
        return step

    return add


# -- users and tokens ----------------------------------------------------------------------


@walks("ledger.users.create_user")
def _create_user(w: Walk) -> list[tuple]:
    user = users.create_user(w.db, OPERATOR, COURT_NAME, COURT, PASSWORD)
    w.db.flush()
    w.court = Actor.of(user)
    return [E(events.USER_CREATED, "user", COURT_NAME, OPERATOR)]


@walks("ledger.users.create_token")
def _create_token(w: Walk) -> list[tuple]:
    users.create_token(w.db, OPERATOR, COURT_NAME)
    return [E(events.TOKEN_CREATED, "user", COURT_NAME, OPERATOR)]


@walks("ledger.users.revoke_tokens")
def _revoke_tokens(w: Walk) -> list[tuple]:
    assert users.revoke_tokens(w.db, OPERATOR, COURT_NAME) == 1
    return [E(events.TOKEN_REVOKED, "user", COURT_NAME, OPERATOR)]


@walks("ledger.users.revoke_token", optional=True)
def _revoke_token(w: Walk) -> list[tuple]:
    users.create_token(w.db, w.court, COURT_NAME)
    token = w.db.scalar(
        select(ApiToken.id)
        .join(User, User.id == ApiToken.user_id)
        .where(User.name == COURT_NAME, ApiToken.revoked_at.is_(None))
    )
    users.revoke_token(w.db, w.court, token)
    return [
        E(events.TOKEN_CREATED, "user", COURT_NAME, w.court),
        E(events.TOKEN_REVOKED, "user", COURT_NAME, w.court),
    ]


# -- the books' housekeeping ---------------------------------------------------------------


@walks("ledger.fx.import_rates")
def _import_rates(w: Walk) -> list[tuple]:
    rates = [fx.Rate("JPY", date(2026, 3, 31), Decimal("183.39"))]
    assert fx.import_rates(w.db, ADMIN, rates, source="api") == (1, 0)
    return [E(events.FX_RATES_IMPORTED, "fx_rates", None, ADMIN)]


@walks("ledger.fx.import_ecb_csv")
def _import_ecb_csv(w: Walk) -> list[tuple]:
    added, _ = fx.import_ecb_csv(w.db, ADMIN, RATES_FILE.read_text(), source="eurofxref")
    assert added > 0
    return [E(events.FX_RATES_IMPORTED, "fx_rates", None, ADMIN)]


@walks("ledger.chart.add_account")
def _add_account(w: Walk) -> list[tuple]:
    chart.add_account(
        w.db,
        actor=ADMIN,
        code="1001",
        name="Fund bank account (USD)",
        type="asset",
        currency="USD",
        no_overdraft=True,
    )
    return [E(events.ACCOUNT_ADDED, "account", "1001", ADMIN)]


# -- cases and seized assets ----------------------------------------------------------------


@walks("ledger.cases.open_case")
def _open_case(w: Walk) -> list[tuple]:
    case = cases.open_case(
        w.db,
        actor=ADMIN,
        reference="CR-2026-001",
        court="Tribunal de Lisboa",
        title="State v. Network",
        jurisdiction="PT",
        opened_on=date(2026, 1, 2),
    )
    w.ids["case"] = case.id
    return [E(events.CASE_OPENED, "case", case.id, ADMIN)]


def _seize(w: Walk, kind: str, minor: int):
    return assets.seize_asset(
        w.db,
        actor=ADMIN,
        case_id=w.ids["case"],
        kind=kind,
        description=f"Seized {kind}",
        seized_on=SEIZED,
        estimated_value=eur_money(minor),
    )


@walks("ledger.assets.seize_asset")
def _seize_asset(w: Walk) -> list[tuple]:
    held = _seize(w, "cash", 5_000_000)
    w.ids["cash"] = held.id
    return [E(events.ASSET_SEIZED, "asset", held.id, ADMIN)]


@walks("ledger.cash.record_receipt")
def _record_receipt(w: Walk) -> list[tuple]:
    movement = cash.record_receipt(
        w.db,
        actor=ADMIN,
        kind="escrow_interest",
        received_on=date(2026, 1, 30),
        amount=eur_money(1_250),
        counterparty="Escrow bank",
        asset_id=w.ids["cash"],
    )
    return [E(events.RECEIPT_RECORDED, "receipt", movement.id, ADMIN)]


@walks("ledger.assets.forfeit_asset")
def _forfeit_asset(w: Walk) -> list[tuple]:
    assets.forfeit_asset(
        w.db,
        actor=ADMIN,
        asset_id=w.ids["cash"],
        order_reference="F-2026-1",
        forfeited_on=FORFEITED,
    )
    return [E(events.ASSET_FORFEITED, "asset", w.ids["cash"], ADMIN)]


@walks("ledger.assets.liquidate_asset")
def _liquidate_asset(w: Walk) -> list[tuple]:
    car = _seize(w, "vehicle", 900_000)
    assets.forfeit_asset(
        w.db,
        actor=ADMIN,
        asset_id=car.id,
        order_reference="F-2026-2",
        forfeited_on=FORFEITED,
        value=eur_money(800_000),
    )
    assets.liquidate_asset(
        w.db,
        actor=ADMIN,
        asset_id=car.id,
        sold_on=PAID,
        proceeds=eur_money(850_000),
        selling_costs=eur_money(20_000),
    )
    w.ids["car"] = car.id
    return [
        E(events.ASSET_SEIZED, "asset", car.id, ADMIN),
        E(events.ASSET_FORFEITED, "asset", car.id, ADMIN),
        E(events.ASSET_LIQUIDATED, "asset", car.id, ADMIN),
    ]


@walks("ledger.assets.release_asset")
def _release_asset(w: Walk) -> list[tuple]:
    held = _seize(w, "cash", 70_000)
    assets.release_asset(
        w.db, actor=ADMIN, asset_id=held.id, released_on=PAID, reason="Owner acquitted"
    )
    return [
        E(events.ASSET_SEIZED, "asset", held.id, ADMIN),
        E(events.ASSET_RELEASED, "asset", held.id, ADMIN),
    ]


# -- victims --------------------------------------------------------------------------------


def _payment(currency: str = "EUR") -> victims.PaymentDetails:
    return victims.PaymentDetails(
        method="intermediary", currency=currency, intermediary="Partner NGO", reference="P-1"
    )


@walks("ledger.victims.register_victim")
def _register_victim(w: Walk) -> list[tuple]:
    victim = victims.register_victim(
        w.db,
        w.cipher,
        actor=w.court,
        full_name="A. Victim",
        date_of_birth=date(1990, 4, 1),
        contact=None,
        country_of_residence="PT",
        returned_home=False,
        payment=_payment(),
    )
    w.ids["victim"], w.ids["code"] = victim.id, victim.code
    return [E(events.VICTIM_REGISTERED, "victim", victim.code, w.court)]


@walks("ledger.victims.change_victim")
def _change_victim(w: Walk) -> list[tuple]:
    victims.change_victim(
        w.db,
        w.cipher,
        actor=ADMIN,
        victim_id=w.ids["victim"],
        contact="c/o Partner NGO, Lisbon",
        country_of_residence="PT",
        returned_home=False,
        payment=_payment(),
    )
    return [E(events.VICTIM_CHANGED, "victim", w.ids["code"], ADMIN)]


@walks("ledger.victims.personal_data")
def _personal_data(w: Walk) -> list[tuple]:
    victim = victims.get_victim(w.db, w.ids["victim"])
    assert victims.personal_data(w.db, w.cipher, victim, actor=ADMIN)["full_name"] == "A. Victim"
    return [E(events.PERSONAL_DATA_VIEWED, "victim", w.ids["code"], ADMIN)]


@walks("ledger.pii.rotate")
def _rotate(w: Walk) -> list[tuple]:
    w.cipher = pii.PiiCipher((pii.generate_key(), *CIPHER.keys))
    assert pii.rotate(w.db, ADMIN, w.cipher) == 1
    return [E(events.PII_ROTATED, "victims", None, ADMIN)]


# -- awards and their payments ----------------------------------------------------------------


def _award(w: Walk, actor: Actor, amount: Money, reference: str):
    return awards.register_award(
        w.db,
        actor=actor,
        case_id=w.ids["case"],
        victim_id=w.ids["victim"],
        order_reference=reference,
        ordered_on=ORDERED,
        amount=amount,
    )


@walks("ledger.awards.register_award")
def _register_award(w: Walk) -> list[tuple]:
    award = _award(w, w.court, eur_money(2_000_000), "ORD-1")
    w.ids["award"] = award.id
    return [E(events.AWARD_REGISTERED, "award", award.id, w.court)]


@walks("ledger.awards.cancel_award")
def _cancel_award(w: Walk) -> list[tuple]:
    awards.cancel_award(
        w.db,
        actor=w.court,
        award_id=w.ids["award"],
        effective_on=PAID,
        reason="Reduced on appeal",
        amount=eur_money(100_000),
    )
    return [E(events.AWARD_CANCELLED, "award", w.ids["award"], w.court)]


def _propose(w: Walk, minor: int, actor: Actor = ADMIN):
    return disbursements.propose_disbursement(
        w.db,
        actor=actor,
        award_id=w.ids["award"],
        amount=eur_money(minor),
        method="bank_transfer",
        on=PAID,
    )


@walks("ledger.disbursements.propose_disbursement")
def _propose_disbursement(w: Walk) -> list[tuple]:
    proposal = _propose(w, 50_000)
    w.ids["payment"] = proposal.id
    return [E(events.PAYMENT_PROPOSED, "disbursement", proposal.id, ADMIN)]


@walks("ledger.disbursements.approve_disbursement")
def _approve(w: Walk) -> list[tuple]:
    disbursements.approve_disbursement(w.db, actor=OTHER, disbursement_id=w.ids["payment"])
    return [E(events.PAYMENT_APPROVED, "disbursement", w.ids["payment"], OTHER)]


@walks("ledger.disbursements.execute_disbursement")
def _execute(w: Walk) -> list[tuple]:
    disbursements.execute_disbursement(
        w.db,
        actor=ADMIN,
        disbursement_id=w.ids["payment"],
        paid_on=PAID,
        bank_reference="BANK-1",
        debited=eur_money(50_000),
        fee=eur_money(150),
    )
    return [E(events.PAYMENT_PAID, "disbursement", w.ids["payment"], ADMIN)]


@walks("ledger.disbursements.return_disbursement")
def _return(w: Walk) -> list[tuple]:
    disbursements.return_disbursement(
        w.db,
        actor=ADMIN,
        disbursement_id=w.ids["payment"],
        returned_on=PAID,
        reason="Account closed",
    )
    return [E(events.PAYMENT_RETURNED, "disbursement", w.ids["payment"], ADMIN)]


@walks("ledger.disbursements.reject_disbursement")
def _reject(w: Walk) -> list[tuple]:
    proposal = _propose(w, 30_000)
    disbursements.reject_disbursement(
        w.db, actor=OTHER, disbursement_id=proposal.id, reason="Wrong account"
    )
    return [
        E(events.PAYMENT_PROPOSED, "disbursement", proposal.id, ADMIN),
        E(events.PAYMENT_REJECTED, "disbursement", proposal.id, OTHER),
    ]


@walks("ledger.distributions.distribute")
def _distribute(w: Walk) -> list[tuple]:
    second = _award(w, ADMIN, eur_money(500_000), "ORD-2")
    round_ = distributions.distribute(w.db, actor=ADMIN, amount=eur_money(100_000), on=PAID)
    lines = sorted(round_.lines, key=lambda d: d.id)
    assert {d.award_id for d in lines} == {w.ids["award"], second.id}
    return [
        E(events.AWARD_REGISTERED, "award", second.id, ADMIN),
        *(E(events.PAYMENT_PROPOSED, "disbursement", d.id, ADMIN) for d in lines),
        E(events.DISTRIBUTION_CREATED, "distribution", round_.id, ADMIN),
    ]


@walks("ledger.imports.run_import")
def _run_import(w: Walk) -> list[tuple]:
    rows = [
        ("CR-2026-001", w.ids["code"], "IMP-1", "2026-02-02", "750.00", "EUR"),
        ("CR-2026-001", w.ids["code"], "IMP-2", "2026-02-02", "1200.00", "USD"),
    ]
    columns = ["case_reference", "victim_code", "order_reference", "ordered_on", "amount"]
    frame = pd.DataFrame(rows, columns=[*columns, "currency"], dtype=str)
    result = imports.run_import(w.db, "awards", frame, actor=w.court)
    assert result.ok, result.problems
    return [E(events.AWARD_REGISTERED, "award", award_id, w.court) for award_id in result.ids]


# -- cash, the journal by hand ------------------------------------------------------------------


@walks("ledger.cash.record_expense")
def _record_expense(w: Walk) -> list[tuple]:
    movement = cash.record_expense(
        w.db,
        actor=ADMIN,
        kind="custody",
        paid_on=PAID,
        amount=eur_money(30_000),
        counterparty="Secure Garage",
        asset_id=w.ids["car"],
    )
    return [E(events.EXPENSE_RECORDED, "expense", movement.id, ADMIN)]


@walks("ledger.adjustments.post_adjustment")
def _post_adjustment(w: Walk) -> list[tuple]:
    entry = adjustments.post_adjustment(
        w.db,
        actor=ADMIN,
        value_date=PAID,
        memo="Office supplies",
        postings=[{"account": "5500", "debit": "10.00"}, {"account": "1000", "credit": "10.00"}],
    )
    w.ids["manual"] = entry.number
    return [E(events.MANUAL_ENTRY, "journal_entry", entry.number, ADMIN)]


@walks("ledger.adjustments.reverse_manual_entry")
def _reverse_manual_entry(w: Walk) -> list[tuple]:
    reversal = adjustments.reverse_manual_entry(
        w.db, actor=ADMIN, number=w.ids["manual"], value_date=PAID, memo="Booked twice"
    )
    assert reversal.reverses == w.ids["manual"]
    return [E(events.ENTRY_REVERSED, "journal_entry", reversal.number, ADMIN)]


# -- period end --------------------------------------------------------------------------------


@walks("ledger.closing.revalue")
def _revalue(w: Walk) -> list[tuple]:
    # ECB: USD 1.1840 on 2 February, 1.1801 on 3 February: the award is restated.
    usd = _award(w, ADMIN, Money(1_000_000, "USD"), "ORD-USD")
    entry = closing.revalue(w.db, actor=ADMIN, month="2026-02")
    assert entry is not None
    return [
        E(events.AWARD_REGISTERED, "award", usd.id, ADMIN),
        E(events.FX_REVALUED, "period", "2026-02", ADMIN),
    ]


@walks("ledger.closing.close_year")
def _close_year(w: Walk) -> list[tuple]:
    closing.close_year(w.db, actor=ADMIN, year=2025, today=date(2026, 3, 1))
    return [
        E(events.PERIOD_CLOSED, "period", "2025-12", ADMIN),
        E(events.YEAR_CLOSED, "period", "2025", ADMIN),
    ]


@walks("ledger.periods.close_month")
def _close_month(w: Walk) -> list[tuple]:
    periods.close_month(w.db, "2026-01", actor=ADMIN, today=date(2026, 3, 1))
    return [E(events.PERIOD_CLOSED, "period", "2026-01", ADMIN)]


@walks("ledger.integrity.run_check", optional=True)
def _run_check(w: Walk) -> list[tuple]:
    integrity = importlib.import_module("ledger.integrity")
    assert integrity.run_check(w.db, ADMIN).ok
    return [E(events.BOOKS_VERIFIED, "books", None, ADMIN)]


# -- signing in to the web pages --------------------------------------------------------------


@walks("ledger.sign_in.sign_out", optional=True)
def _sign_out(w: Walk) -> list[tuple]:
    sign_in = importlib.import_module("ledger.sign_in")
    sign_in.sign_out(w.db, w.court)
    return [E(events.LOGGED_OUT, "user", COURT_NAME, w.court)]


@walks("ledger.sign_in.change_password", optional=True)
def _change_password(w: Walk) -> list[tuple]:
    sign_in = importlib.import_module("ledger.sign_in")
    sign_in.change_password(w.db, w.court, PASSWORD, "a much better passphrase, really")
    return [E(events.PASSWORD_CHANGED, "user", COURT_NAME, w.court)]


# -- what takes an actor but is no step of its own -------------------------------------------

#: Reads (beyond ledger/reads/, which is left out whole): they change nothing.
READS = {
    "ledger.awards.visible_award": "an award if the actor may see it",
    "ledger.disbursements.visible_disbursement": "a payment if the actor may see it",
    "ledger.distributions.get_distribution": "a distribution round, for the books' readers",
    "ledger.distributions.plan_distribution": "works a round out for its preview, takes nothing",
    "ledger.verify.verify_books": "recomputes the chains and balances, writes nothing",
    "ledger.users.list_tokens": "the actor's own tokens",
}
#: The pieces the services are made of, audited by the service that uses them.
PLUMBING = {
    "ledger.access.require": "the permission check every service starts with",
    "ledger.audit.record": "the audit log itself",
    "ledger.journal.post_entry": "appends an entry for a register step, which audits the step",
    "ledger.journal.reverse_entry": "mirrors an entry for reverse_manual_entry or a return",
    "ledger.demo.build_demo": "plays ledger/demo/fund.toml through the services walked here",
    "ledger.sign_in.confirm_password": "checks a signed-in user's password, changes nothing",
}
OPTIONAL |= {"ledger.users.list_tokens", "ledger.sign_in.confirm_password"}


def writing_services() -> set[str]:
    """Every public function under ledger/ (but ledger/reads/) with a parameter ``actor``."""
    found = set()
    for info in pkgutil.walk_packages(ledger.__path__, "ledger."):
        if info.name == "ledger.reads" or info.name.startswith("ledger.reads."):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj):
                continue
            if obj.__module__ != module.__name__:
                continue  # imported from elsewhere: counted where it is defined
            if "actor" in inspect.signature(obj).parameters:
                found.add(f"{module.__name__}.{name}")
    return found


def resolve(name: str):
    module_name, _, function = name.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    return getattr(module, function, None)


def test_the_walk_covers_every_writing_service():
    found = writing_services()
    assert "ledger.cases.open_case" in found and "ledger.reads.awards.list_awards" not in found
    accounted = set(WALK) | set(READS) | set(PLUMBING)
    missing = sorted(found - accounted)
    assert not missing, (
        f"services that take an actor but are not walked here: {missing}; add a step to WALK "
        "(with the audit events it writes), or name them in READS or PLUMBING with the reason"
    )
    stale = sorted(name for name in accounted - found if name not in OPTIONAL)
    assert not stale, f"named here but not (or no longer) a service with an actor: {stale}"
    assert not set(WALK) & (set(READS) | set(PLUMBING))


def test_every_writing_service_writes_its_own_audit_events(db, monkeypatch, subtests):
    w = Walk(db)
    calls: list[str] = []
    for name in WALK:
        function = resolve(name)
        if function is None:
            continue
        module = importlib.import_module(name.rpartition(".")[0])
        monkeypatch.setattr(module, function.__name__, spy(name, function, calls))

    action_names = {value for key, value in vars(events).items() if key.isupper()}
    walked = []
    for name, step in WALK.items():
        if resolve(name) is None:
            assert name in OPTIONAL, f"{name} does not exist"
            continue
        last = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
        calls.clear()
        with subtests.test(service=name):
            expected = step(w)
            db.commit()
            assert name in calls, f"the step for {name} never called it"
            written = [
                (e.action, e.subject_type, e.subject_id, e.actor)
                for e in db.scalars(
                    select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id)
                )
            ]
            assert written == expected
            assert {e[0] for e in written} <= action_names, "an action not named in ledger.events"
            walked.append(name)
    assert audit.verify_audit_log(db) == []
    assert set(walked) == {name for name in WALK if resolve(name) is not None}


def spy(name: str, function, calls: list[str]):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        calls.append(name)
        return function(*args, **kwargs)

    return wrapper
