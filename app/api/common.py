"""Helpers every resource module uses: who acts, pagination."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, func, select

from app import db
from app.auth import current_user


def actor() -> str:
    return current_user().name


def paginate(query: Select, args: dict, render: Callable) -> dict:
    """One page of ``query`` (already ordered) rendered item by item, with the total."""
    session = db.session()
    page, per_page = args["page"], args["per_page"]
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.offset((page - 1) * per_page).limit(per_page))
    return {
        "items": [render(row) for row in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }
