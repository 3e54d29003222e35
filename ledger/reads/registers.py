"""Reads of the registers that every role may see: cases, seized assets, victims (codes).

A victim appears by code everywhere here; the personal data is opened only by
:func:`victim_detail`, for an administrator, and each opening is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger import access, victims
from ledger.access import Actor
from ledger.fund import functional_currency
from ledger.lookup import fetch
from ledger.models import Asset, Case, Victim
from ledger.money import Money
from ledger.pii import PiiCipher
from ledger.reads.lists import filtered, one_row, row_of
from ledger.reads.paging import Page, PageRequest, ordering, paginate


def _money(minor: int | None, currency: str | None) -> Money | None:
    return None if minor is None or currency is None else Money(minor, currency)


# -- cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    court: str
    title: str
    jurisdiction: str
    opened_on: date
    status: str


CASE_SORTS = {"reference": Case.reference, "opened_on": (Case.opened_on, Case.id)}


def _case_row(case: Case) -> CaseRow:
    return row_of(CaseRow, case)


def list_cases(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    search: str | None = None,
    status: str | None = None,
    sort: str | None = None,
) -> Page[CaseRow]:
    """Cases, by reference; ``search`` looks in the reference, title and court."""
    access.require(actor, access.READ_REGISTERS)
    query = select(Case).order_by(*ordering(sort, CASE_SORTS, "reference"))
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(
            or_(Case.reference.ilike(pattern), Case.title.ilike(pattern), Case.court.ilike(pattern))
        )
    query = filtered(query, (Case.status, status))
    return paginate(session, query, page, lambda rows: [_case_row(r[0]) for r in rows])


def get_case(session: Session, actor: Actor, case_id: int) -> CaseRow:
    access.require(actor, access.READ_REGISTERS)
    return _case_row(fetch(session, Case, case_id, "case"))


# -- seized assets -----------------------------------------------------------------------


@dataclass(frozen=True)
class AssetRow:
    id: int
    case_id: int
    case_reference: str
    kind: str
    description: str
    seized_on: date
    estimated_value: Money
    state: str
    forfeited_on: date | None
    order_reference: str | None
    value: Money | None
    carrying_value: Money | None
    sold_on: date | None
    proceeds: Money | None
    selling_costs: Money | None
    released_on: date | None
    release_reason: str | None


ASSET_SORTS = {"id": Asset.id, "seized_on": (Asset.seized_on, Asset.id)}


def _asset_rows(session: Session, rows) -> list[AssetRow]:
    functional = functional_currency(session)
    return [
        row_of(
            AssetRow,
            asset,
            case_reference=reference,
            estimated_value=Money(asset.estimated_minor, asset.estimated_currency),
            order_reference=asset.forfeiture_order,
            value=_money(asset.value_minor, asset.value_currency),
            carrying_value=_money(asset.carrying_minor, functional),
            proceeds=_money(asset.proceeds_minor, asset.sale_currency),
            selling_costs=_money(asset.selling_costs_minor, asset.sale_currency),
        )
        for asset, reference in rows
    ]


def _assets_query():
    # The model joins its case eagerly; here the reference comes in the same row instead.
    return select(Asset, Case.reference).join(Case, Case.id == Asset.case_id)


def list_assets(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    case_id: int | None = None,
    state: str | None = None,
    kind: str | None = None,
    sort: str | None = None,
) -> Page[AssetRow]:
    access.require(actor, access.READ_REGISTERS)
    query = filtered(
        _assets_query().order_by(*ordering(sort, ASSET_SORTS, "id")),
        (Asset.case_id, case_id),
        (Asset.state, state),
        (Asset.kind, kind),
    )
    return paginate(session, query, page, lambda rows: _asset_rows(session, rows))


def get_asset(session: Session, actor: Actor, asset_id: int) -> AssetRow:
    access.require(actor, access.READ_REGISTERS)
    fetch(session, Asset, asset_id, "asset")  # the usual NotFound, for any id at all
    return one_row(session, _assets_query().where(Asset.id == asset_id), _asset_rows)


# -- victims -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VictimRow:
    id: int
    code: str
    country_of_residence: str
    returned_home: bool
    payment_method: str
    payment_currency: str
    #: Only for an administrator's :func:`victim_detail`, never in a list.
    personal_data: dict | None = None


def _victim_row(victim: Victim, personal_data: dict | None = None) -> VictimRow:
    return row_of(VictimRow, victim, personal_data=personal_data)


def list_victims(
    session: Session, actor: Actor, page: PageRequest, *, code: str | None = None
) -> Page[VictimRow]:
    """Victims by code, for every role: no personal data in a list, ever."""
    access.require(actor, access.READ_REGISTERS)
    query = select(Victim).order_by(Victim.id)
    if code:
        query = query.where(Victim.code.ilike(f"%{code.strip()}%"))
    return paginate(session, query, page, lambda rows: [_victim_row(r[0]) for r in rows])


def victim_detail(
    session: Session, actor: Actor, victim_id: int, cipher: PiiCipher | None = None
) -> VictimRow:
    """One victim; an administrator (with the cipher) also gets the personal data, audited."""
    access.require(actor, access.READ_REGISTERS)
    victim = victims.get_victim(session, victim_id)
    personal = None
    if actor.may(access.MANAGE_VICTIMS) and cipher is not None:
        personal = victims.personal_data(session, cipher, victim, actor=actor)
    return _victim_row(victim, personal)
