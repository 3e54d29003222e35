"""A victim's page: the victim (personal data for an administrator, each view audited) and
the awards the asking actor may see of that victim (a court: the ones it registered)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledger.access import Actor
from ledger.pii import PiiCipher
from ledger.reads import awards, registers
from ledger.reads.paging import Page, PageRequest

#: A victim has a few awards (one per court order): the page lists them all.
ALL = PageRequest(1, 500)


@dataclass(frozen=True)
class VictimPage:
    victim: registers.VictimRow
    awards: Page[awards.AwardRow]


def victim_page(
    session: Session, actor: Actor, victim_id: int, cipher: PiiCipher | None = None
) -> VictimPage:
    """:func:`ledger.reads.registers.victim_detail` (which audits an administrator's view of
    the personal data) and the victim's awards, in a fixed number of queries."""
    victim = registers.victim_detail(session, actor, victim_id, cipher)
    return VictimPage(victim, awards.list_awards(session, actor, ALL, victim_id=victim.id))
