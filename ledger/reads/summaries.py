"""Pages that show one record with what hangs off it: a case with its assets, awards, payments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledger import access
from ledger.access import Actor
from ledger.distributions import case_net_proceeds
from ledger.fund import functional_currency
from ledger.money import Money
from ledger.reads import awards, registers
from ledger.reads.paging import Page, PageRequest

#: A case page lists everything of the case; a case has tens of records, not thousands.
ALL = PageRequest(1, 500)


@dataclass(frozen=True)
class CasePage:
    case: registers.CaseRow
    assets: Page
    awards: Page
    payments: Page
    #: What is left of the case's proceeds for its awards (administrators and auditors only).
    net_proceeds: Money | None


def case_page(session: Session, actor: Actor, case_id: int) -> CasePage:
    case = registers.get_case(session, actor, case_id)
    net = None
    if actor.may(access.READ_BOOKS):
        net = Money(case_net_proceeds(session, case_id), functional_currency(session))
    return CasePage(
        case=case,
        assets=registers.list_assets(session, actor, ALL, case_id=case_id),
        awards=awards.list_awards(session, actor, ALL, case_id=case_id),
        payments=awards.list_payments(session, actor, ALL, case_id=case_id),
        net_proceeds=net,
    )
