"""Victims: a pseudonymous code for everyone, personal data for administrators only.

The code (``V-000123``) is what the journal, statements, courts and auditors
see. Name, date of birth, contact and bank details are sealed with
:class:`ledger.pii.PiiCipher` and opened only by :func:`personal_data`, which
records every opening in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum import bic as bic_number
from stdnum import iban as iban_number
from stdnum.exceptions import ValidationError

from ledger import access, audit, events, validate
from ledger.access import Actor
from ledger.errors import Invalid
from ledger.locks import lock_books
from ledger.lookup import fetch
from ledger.models import Victim
from ledger.models.registers import PAYMENT_METHODS
from ledger.money import check_currency
from ledger.pii import PiiCipher

PUBLIC_FIELDS = (
    "code",
    "country_of_residence",
    "returned_home",
    "payment_method",
    "payment_currency",
)


@dataclass(frozen=True)
class PaymentDetails:
    method: str
    currency: str
    iban: str | None = None
    bic: str | None = None
    account_number: str | None = None
    bank_country: str | None = None
    intermediary: str | None = None
    reference: str | None = None


def register_victim(
    session: Session,
    cipher: PiiCipher,
    *,
    actor: Actor,
    full_name: str,
    date_of_birth: date | None,
    contact: str | None,
    country_of_residence: str,
    returned_home: bool,
    payment: PaymentDetails,
) -> Victim:
    access.require(actor, access.REGISTER_VICTIMS)
    personal = {
        "full_name": validate.text("full_name", full_name, max_length=200),
        "date_of_birth": _birth_date(date_of_birth),
        "contact": validate.text("contact", contact, max_length=500, required=False),
        "payment": _payment_details(payment),
    }
    country = validate.country("country_of_residence", country_of_residence)
    if not isinstance(returned_home, bool):
        raise Invalid.field("returned_home", "must be true or false")
    sealed, key = cipher.seal(personal)
    lock_books(session)
    number = (session.scalar(select(func.max(Victim.id))) or 0) + 1
    victim = Victim(
        id=number,
        code=f"V-{number:06d}",
        pii=sealed,
        pii_key_id=key,
        country_of_residence=country,
        returned_home=returned_home,
        payment_method=payment.method,
        payment_currency=payment.currency,
        created_by=actor.name,
    )
    session.add(victim)
    session.flush()
    audit.record(
        session, actor, events.VICTIM_REGISTERED, "victim", victim.code, after=public_view(victim)
    )
    return victim


def get_victim(session: Session, victim_id: object, field: str | None = None) -> Victim:
    return fetch(session, Victim, victim_id, "victim", field)


def public_view(victim: Victim) -> dict:
    """What anyone but an administrator may see of a victim."""
    return audit.snapshot(victim, PUBLIC_FIELDS)


def personal_data(session: Session, cipher: PiiCipher, victim: Victim, *, actor: Actor) -> dict:
    """Open the sealed personal data for an administrator, and log that it was seen."""
    access.require(actor, access.MANAGE_VICTIMS)
    data = cipher.open(victim.pii)
    audit.record(session, actor, events.PERSONAL_DATA_VIEWED, "victim", victim.code)
    return data


def change_victim(
    session: Session,
    cipher: PiiCipher,
    *,
    actor: Actor,
    victim_id: int,
    contact: str | None,
    country_of_residence: str,
    returned_home: bool,
    payment: PaymentDetails,
) -> Victim:
    """Change how a victim is reached and paid; the name and date of birth stay as registered.

    The audit log says which fields changed, never their values: auditors read it.
    """
    access.require(actor, access.MANAGE_VICTIMS)
    contact = validate.text("contact", contact, max_length=500, required=False)
    details = _payment_details(payment)
    country = validate.country("country_of_residence", country_of_residence)
    if not isinstance(returned_home, bool):
        raise Invalid.field("returned_home", "must be true or false")
    lock_books(session)
    victim = get_victim(session, victim_id)
    personal = cipher.open(victim.pii)
    changed = sorted(
        [
            name
            for name, value in (("contact", contact), ("payment", details))
            if personal.get(name) != value
        ]
        + [
            name
            for name, value in (("country_of_residence", country), ("returned_home", returned_home))
            if getattr(victim, name) != value
        ]
    )
    if not changed:
        return victim
    before = public_view(victim)
    personal.update(contact=contact, payment=details)
    victim.pii, victim.pii_key_id = cipher.seal(personal)
    victim.country_of_residence, victim.returned_home = country, returned_home
    victim.payment_method, victim.payment_currency = payment.method, payment.currency
    session.flush()
    after = public_view(victim) | {"changed": changed}
    audit.record(
        session, actor, events.VICTIM_CHANGED, "victim", victim.code, before=before, after=after
    )
    return victim


def _birth_date(value: date | None) -> str | None:
    if value is None:
        return None
    validate.not_future("date_of_birth", value)
    if value.year < 1900:
        raise Invalid.field("date_of_birth", "is not a plausible date of birth")
    return value.isoformat()


def _payment_details(payment: PaymentDetails) -> dict:
    if payment.method not in PAYMENT_METHODS:
        raise Invalid.field("payment.method", f"must be one of {', '.join(PAYMENT_METHODS)}")
    check_currency(payment.currency, "payment.currency")
    details: dict[str, str | None] = {"method": payment.method, "currency": payment.currency}
    if payment.method == "bank_transfer":
        details.update(_bank_details(payment))
    elif payment.method == "intermediary":
        details["intermediary"] = validate.text(
            "payment.intermediary", payment.intermediary, max_length=200
        )
        details["reference"] = validate.text("payment.reference", payment.reference, max_length=100)
    return details


def _bank_details(payment: PaymentDetails) -> dict:
    """IBAN + BIC, or account number + SWIFT/BIC + bank country (for IBAN-less countries)."""
    bic = _checked(bic_number, "payment.bic", payment.bic, "is not a valid BIC/SWIFT code")
    if payment.iban:
        iban = _checked(iban_number, "payment.iban", payment.iban, "is not a valid IBAN")
        return {"iban": iban, "bic": bic, "bank_country": iban[:2]}
    account = validate.text("payment.account_number", payment.account_number, max_length=34)
    if not account.replace(" ", "").replace("-", "").isalnum():
        raise Invalid.field("payment.account_number", "must be letters and digits")
    country = validate.country("payment.bank_country", payment.bank_country)
    if bic[4:6] != country:
        raise Invalid.field("payment.bic", "does not belong to a bank in bank_country")
    return {"account_number": account, "bic": bic, "bank_country": country}


def _checked(module, field: str, value: object, message: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid.field(field, "is required for a bank transfer")
    try:
        return module.validate(value)
    except ValidationError:
        raise Invalid.field(field, message) from None
