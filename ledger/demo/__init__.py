"""A realistic demo fund, written as data (``fund.toml``) and played through the services.

Three cases; assets in every state (seized, forfeited, liquidated at a gain
and at a loss, released); domestic and foreign victims (some back home);
awards in EUR, USD and THB; payments at home and abroad (one with a bank fee
and an FX difference, one returned undelivered); a distribution round; a
month-end revaluation and two closed months. Exchange rates are real ECB
reference rates (``eurofxref-sample.csv``).

Every step goes through the same service a form, the API or an import calls,
as the user the step names, so the demo obeys every rule real work does:
four eyes, court scoping, closed months, the audit log. The users are created
with random passwords, returned once (``fundledger demo`` prints them) so that
someone trying the demo can sign in; ``fundledger create-token NAME`` gives API
access.
"""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import assets, awards, cases, cash, closing, disbursements, distributions, victims
from ledger.access import Actor
from ledger.errors import Conflict
from ledger.fund import functional_currency
from ledger.fx import import_ecb_csv
from ledger.models import JournalEntry, User
from ledger.money import Money
from ledger.periods import close_month
from ledger.pii import PiiCipher
from ledger.users import create_user

HERE = Path(__file__).parent
FUND = HERE / "fund.toml"
#: Step arguments that name an earlier step's record, and the service argument they become.
REFERENCES = {
    "case": "case_id",
    "asset": "asset_id",
    "victim": "victim_id",
    "award": "award_id",
    "disbursement": "disbursement_id",
}
MONEY_ARGUMENTS = frozenset(
    {"estimated_value", "amount", "value", "proceeds", "selling_costs", "debited", "fee"}
)


class _Play:
    """The state of one playing: the session, the users as actors, the records by name."""

    def __init__(self, session: Session, cipher: PiiCipher, today: date, actors: dict):
        self.session, self.cipher, self.today, self.actors = session, cipher, today, actors
        self.records: dict[str, int] = {}

    def arguments(self, step: dict) -> dict:
        """The service's keyword arguments: names resolved to ids, amounts to Money."""
        out = {}
        for key, value in step.items():
            if key in ("step", "by", "name", "approved_by"):
                continue
            if key in REFERENCES:
                out[REFERENCES[key]] = self.records[value]
            elif key in MONEY_ARGUMENTS:
                currency, _, amount = value.partition(" ")
                out[key] = Money.parse(amount, currency, field=key)
            else:
                out[key] = value
        return out


def _pay(play: _Play, actor: Actor, step: dict, args: dict):
    """Propose, have another administrator approve, execute: a payment's whole life."""
    session = play.session
    victim = awards.get_award(session, args["award_id"]).victim
    proposal = disbursements.propose_disbursement(
        session,
        actor=actor,
        award_id=args["award_id"],
        amount=args["amount"],
        method=args.get("method", victim.payment_method),  # as the victim is paid
        on=args["paid_on"],
    )
    approver = play.actors[step["approved_by"]]
    disbursements.approve_disbursement(session, actor=approver, disbursement_id=proposal.id)
    return disbursements.execute_disbursement(
        session,
        actor=actor,
        disbursement_id=proposal.id,
        paid_on=args["paid_on"],
        bank_reference=args["bank_reference"],
        debited=args["debited"],
        fee=args.get("fee"),
    )


def _register_victim(play: _Play, actor: Actor, step: dict, args: dict):
    payment = victims.PaymentDetails(**args.pop("payment"))
    args.setdefault("date_of_birth", None)
    args.setdefault("contact", None)
    return victims.register_victim(play.session, play.cipher, actor=actor, payment=payment, **args)


def _service(function: Callable) -> Callable:
    return lambda play, actor, step, args: function(play.session, actor=actor, **args)


STEPS: dict[str, Callable] = {
    "open_case": _service(cases.open_case),
    "seize_asset": _service(assets.seize_asset),
    "forfeit_asset": _service(assets.forfeit_asset),
    "liquidate_asset": _service(assets.liquidate_asset),
    "release_asset": _service(assets.release_asset),
    "record_receipt": _service(cash.record_receipt),
    "record_expense": _service(cash.record_expense),
    "register_victim": _register_victim,
    "register_award": _service(awards.register_award),
    "pay": _pay,
    "return_disbursement": _service(disbursements.return_disbursement),
    "revalue": _service(closing.revalue),
    "distribute": _service(distributions.distribute),
    "close_month": lambda play, actor, step, args: close_month(
        play.session, args["month"], actor=actor, today=play.today
    ),
}


def build_demo(session: Session, actor: Actor, cipher: PiiCipher, *, today: date) -> dict:
    """Fill an empty fund as ``actor`` (the operator); refuse (Conflict) any other fund."""
    if functional_currency(session) != "EUR":
        raise Conflict("the demo fund keeps its books in EUR (FUNDLEDGER_CURRENCY=EUR)")
    if session.scalar(select(func.count()).select_from(JournalEntry)):
        raise Conflict("the demo needs an empty fund: this database already has entries")
    fund = tomllib.loads(FUND.read_text(encoding="utf-8"))
    actors, passwords = _users(session, actor, fund["users"])
    rates = (HERE / fund["rates"]).read_text(encoding="utf-8")
    import_ecb_csv(session, actor, rates, source="ECB reference rates (demo)")
    play = _Play(session, cipher, today, actors)
    for step in fund["steps"]:
        record = STEPS[step["step"]](play, actors[step["by"]], step, play.arguments(step))
        if "name" in step:
            play.records[step["name"]] = record.id
    session.flush()
    return {
        "passwords": passwords,
        "entries": session.scalar(select(func.count()).select_from(JournalEntry)),
        "victims": sum(step["step"] == "register_victim" for step in fund["steps"]),
        "awards": sum(step["step"] == "register_award" for step in fund["steps"]),
    }


def _users(session: Session, actor: Actor, roles: dict[str, str]):
    """The demo's people as actors, and the passwords of those created now."""
    actors, passwords = {}, {}
    for name, role in roles.items():
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            passwords[name] = secrets.token_urlsafe(12)
            user = create_user(session, actor, name, role, passwords[name])
        actors[name] = Actor.of(user)
    return actors, passwords
