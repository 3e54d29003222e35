"""The fund's identity: name and functional currency, recorded once at ``init``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger import posting_state
from ledger.errors import Conflict
from ledger.models import Fund, JournalHead
from ledger.models.journal import GENESIS_HASH
from ledger.money import check_currency


def initialise_fund(session: Session, *, name: str, functional_currency: str) -> Fund:
    """Record the fund once; later calls return it, refusing a different currency.

    Changing the functional currency of a fund that has amounts recorded would
    reinterpret every one of them, so that is a conflict, never an update.
    """
    check_currency(functional_currency, "FUNDLEDGER_CURRENCY")
    fund = session.get(Fund, 1)
    if fund is None:
        fund = Fund(id=1, name=name, functional_currency=functional_currency)
        session.add(fund)
        session.add(JournalHead(id=1, last_number=0, last_hash=GENESIS_HASH))
        session.flush()
    elif fund.functional_currency != functional_currency:
        raise Conflict(
            f"this fund keeps its books in {fund.functional_currency}; "
            f"FUNDLEDGER_CURRENCY={functional_currency} cannot change that"
        )
    return fund


def get_fund(session: Session) -> Fund:
    fund = session.get(Fund, 1)
    if fund is None:
        raise Conflict("the database is not initialised: run `fundledger init`")
    return fund


def functional_currency(session: Session) -> str:
    """Read once per transaction, with the chart (:func:`ledger.posting_state.context`)."""
    return posting_state.functional(session)
