"""Spreadsheet imports: awards from courts, historical receipts and expenses.

A CSV or XLSX file is read with pandas as text (never as floats: amounts
stay the strings the court typed), and every row goes through the same
service as a form or an API call would, each inside a savepoint. All rows
are tried, so the report lists every problem at once (row, column, message);
if any row fails, nothing of the file is kept: the caller rolls back.

Row numbers are the spreadsheet's own: the header is row 1.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import awards, cash
from ledger.errors import Invalid, LedgerError
from ledger.models import Case, Victim
from ledger.money import Money

MAX_ROWS = 10_000


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    kind: str
    ids: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of import and how a row becomes a service call."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    #: Which spreadsheet column a service's field name comes from.
    columns_of: dict[str, str]
    apply: Callable


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """A DataFrame of strings from CSV or XLSX bytes; :class:`Invalid` naming ``file``."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            frame = pd.read_excel(io.BytesIO(data), dtype=object, engine="openpyxl")
            frame = frame.map(_cell_text)
        elif name.endswith(".csv"):
            frame = pd.read_csv(
                io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )
        else:
            raise Invalid.field("file", "must be a .csv or .xlsx file")
    except Invalid:
        raise
    except Exception:  # a hostile or broken file can fail anywhere in the parsers
        raise Invalid.field("file", "cannot be read as a CSV or XLSX spreadsheet") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if len(frame) > MAX_ROWS:
        raise Invalid.field("file", f"has more than {MAX_ROWS} rows; split it")
    return frame.fillna("")


def _cell_text(value) -> str:
    """Excel cells as text: dates as ISO, whole numbers without '.0'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel keeps numbers as binary doubles; repr gives the shortest text that
        # round-trips, i.e. what was typed. Strict parsing follows.
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value).strip()


def run_import(
    session: Session,
    kind: str,
    frame: pd.DataFrame,
    *,
    actor: str,
    court_user_id: int | None = None,
) -> ImportResult:
    layout = LAYOUTS.get(kind)
    if layout is None:
        raise Invalid.field("kind", f"must be one of {', '.join(LAYOUTS)}")
    result = ImportResult(kind)
    missing = [c for c in layout.required if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in layout.required + layout.optional]
    for column in missing:
        result.problems.append(Problem(1, column, "column is missing"))
    for column in unknown:
        result.problems.append(Problem(1, column, "unknown column"))
    if result.problems:
        return result
    if frame.empty:
        result.problems.append(Problem(2, "", "the file has no rows"))
        return result
    for index, raw in enumerate(frame.to_dict("records"), start=2):
        row = {k: (v.strip() if isinstance(v, str) else v) for k, v in raw.items()}
        try:
            with session.begin_nested():
                result.ids.append(layout.apply(session, row, actor, court_user_id))
        except LedgerError as exc:
            result.problems.extend(_problems(index, exc, layout))
    return result


def _problems(row: int, exc: LedgerError, layout: Layout) -> list[Problem]:
    if not exc.errors:
        return [Problem(row, "", exc.detail)]
    problems = []
    for name, messages in exc.errors.items():
        column = layout.columns_of.get(name, layout.columns_of.get(name.split(".")[0], name))
        problems.extend(Problem(row, column, message) for message in messages)
    return problems


def _date(row: dict, column: str) -> date:
    text = row.get(column, "")
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise Invalid.field(column, "must be a date written YYYY-MM-DD") from None


def _money(row: dict) -> Money:
    return Money.parse(row.get("amount", ""), row.get("currency", "").upper(), field="amount")


def _optional_int(row: dict, column: str) -> int | None:
    text = row.get(column, "")
    if text == "":
        return None
    if not text.isdigit():
        raise Invalid.field(column, "must be a whole number")
    return int(text)


def _case_id(session: Session, row: dict, required: bool) -> int | None:
    reference = row.get("case_reference", "")
    if not reference:
        if required:
            raise Invalid.field("case_reference", "is required")
        return None
    case_id = session.scalar(select(Case.id).where(Case.reference == reference))
    if case_id is None:
        raise Invalid.field("case_reference", f"no case {reference}")
    return case_id


def _award(session: Session, row: dict, actor: str, court_user_id: int | None) -> int:
    code = row.get("victim_code", "")
    victim_id = session.scalar(select(Victim.id).where(Victim.code == code)) if code else None
    if victim_id is None:
        raise Invalid.field("victim_code", f"no victim {code}" if code else "is required")
    award = awards.register_award(
        session,
        actor=actor,
        case_id=_case_id(session, row, True),
        victim_id=victim_id,
        order_reference=row.get("order_reference", ""),
        ordered_on=_date(row, "ordered_on"),
        amount=_money(row),
        court_user_id=court_user_id,
    )
    return award.id


def _receipt(session: Session, row: dict, actor: str, _court: int | None) -> int:
    return cash.record_receipt(
        session,
        actor=actor,
        kind=row.get("kind", ""),
        received_on=_date(row, "received_on"),
        amount=_money(row),
        counterparty=row.get("counterparty", ""),
        case_id=_case_id(session, row, False),
        asset_id=_optional_int(row, "asset_id"),
    ).id


def _expense(session: Session, row: dict, actor: str, _court: int | None) -> int:
    return cash.record_expense(
        session,
        actor=actor,
        kind=row.get("kind", ""),
        paid_on=_date(row, "paid_on"),
        amount=_money(row),
        counterparty=row.get("counterparty", ""),
        case_id=_case_id(session, row, False),
        asset_id=_optional_int(row, "asset_id"),
    ).id


_MONEY_COLUMNS = {
    "amount.amount": "amount",
    "amount.currency": "currency",
    "amount": "amount",
    "currency": "currency",
}

LAYOUTS: dict[str, Layout] = {
    "awards": Layout(
        required=(
            "case_reference",
            "victim_code",
            "order_reference",
            "ordered_on",
            "amount",
            "currency",
        ),
        optional=(),
        columns_of={**_MONEY_COLUMNS, "case_id": "case_reference", "victim_id": "victim_code"},
        apply=_award,
    ),
    "receipts": Layout(
        required=("kind", "received_on", "amount", "currency", "counterparty"),
        optional=("case_reference", "asset_id"),
        columns_of={**_MONEY_COLUMNS, "case_id": "case_reference"},
        apply=_receipt,
    ),
    "expenses": Layout(
        required=("kind", "paid_on", "amount", "currency", "counterparty"),
        optional=("case_reference", "asset_id"),
        columns_of={**_MONEY_COLUMNS, "case_id": "case_reference"},
        apply=_expense,
    ),
}
