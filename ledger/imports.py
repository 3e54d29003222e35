"""Spreadsheet imports: awards from courts, historical receipts and expenses.

A CSV or XLSX file is read with pandas as text (never as floats: amounts
stay the strings the court typed), and every row goes through the same
service as a form or an API call would, each inside a savepoint. All rows
are tried, and every column of a row is checked on its own before the row
is given to the service, so the report lists every problem at once (row,
column, message); if any row fails, nothing of the file is kept: the caller
rolls back.

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

from ledger import awards, batch_awards, cash, validate
from ledger.access import Actor
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
    actor: Actor,
) -> ImportResult:
    """Every row through its service, as ``actor`` (a court's awards are its own)."""
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
    if kind == "awards":
        return _import_awards(session, frame, actor, layout, result)
    for index, raw in enumerate(frame.to_dict("records"), start=2):
        row = {k: (v.strip() if isinstance(v, str) else v) for k, v in raw.items()}
        try:
            with session.begin_nested():
                result.ids.append(layout.apply(session, row, actor))
        except LedgerError as exc:
            result.problems.extend(_problems(index, exc, layout))
    return result


def _import_awards(session, frame, actor: Actor, layout: Layout, result: ImportResult):
    """Awards as one batch (:mod:`ledger.batch_awards`): every row checked as
    :func:`ledger.awards.register_award` would, the problems of every row reported,
    and only a file without any is registered, in one go under one lock."""
    rows = [
        {k: (v.strip() if isinstance(v, str) else v) for k, v in raw.items()}
        for raw in frame.to_dict("records")
    ]
    cases = _ids_by(session, Case.reference, Case.id, {r.get("case_reference", "") for r in rows})
    victims = _ids_by(session, Victim.code, Victim.id, {r.get("victim_code", "") for r in rows})
    requests, spreadsheet_rows = [], []
    for index, row in enumerate(rows, start=2):
        try:
            values = _fields(
                case_id=lambda row=row: _known(cases, row, "case_reference", "no case"),
                victim_id=lambda row=row: _known(victims, row, "victim_code", "no victim"),
                order_reference=lambda row=row: validate.text(
                    "order_reference", row.get("order_reference", ""), max_length=100
                ),
                ordered_on=lambda row=row: _date(row, "ordered_on"),
                amount=lambda row=row: _money(row),
            )
        except LedgerError as exc:
            result.problems.extend(_problems(index, exc, layout))
            continue
        requests.append(awards.AwardRequest(**values))
        spreadsheet_rows.append(index)
    try:
        plan = batch_awards.check_awards(session, requests, author=actor)
    except LedgerError as exc:  # not allowed at all: every row says so
        for index in spreadsheet_rows:
            result.problems.extend(_problems(index, exc, layout))
        return result
    for position, exc in plan.refusals.items():
        result.problems.extend(_problems(spreadsheet_rows[position], exc, layout))
    if result.problems:
        result.problems.sort(key=lambda p: p.row)
        return result
    result.ids = batch_awards.take_awards(session, plan, author=actor, objects=False)
    return result


def _ids_by(session: Session, key, column, wanted: set[str]) -> dict[str, int]:
    wanted = sorted(w for w in wanted if w)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        rows = session.execute(select(key, column).where(key.in_(chunk)))
        found.update({name: record_id for name, record_id in rows})
    return found


def _known(ids: dict[str, int], row: dict, column: str, missing: str) -> int:
    text = row.get(column, "")
    if not text:
        raise Invalid.field(column, "is required")
    if text not in ids:
        raise Invalid.field(column, f"{missing} {text}")
    return ids[text]


def _problems(row: int, exc: LedgerError, layout: Layout) -> list[Problem]:
    if not exc.errors:
        return [Problem(row, "", exc.detail)]
    problems = []
    for name, messages in exc.errors.items():
        column = layout.columns_of.get(name, layout.columns_of.get(name.split(".")[0], name))
        problems.extend(Problem(row, column, message) for message in messages)
    return problems


def _fields(**parsers: Callable[[], object]) -> dict:
    """Run every column's parser; one :class:`Invalid` naming every column that failed."""
    values, errors = {}, {}
    for name, parse in parsers.items():
        try:
            values[name] = parse()
        except Invalid as exc:
            for field_name, messages in (exc.errors or {name: [exc.detail]}).items():
                errors.setdefault(field_name, []).extend(messages)
    if errors:
        raise Invalid("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), errors)
    return values


def _date(row: dict, column: str) -> date:
    return validate.not_future(column, validate.day(column, row.get(column, "")))


def _money(row: dict) -> Money:
    money = Money.parse(row.get("amount", ""), row.get("currency", "").upper(), field="amount")
    return validate.positive("amount.amount", money)


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


def _victim_id(session: Session, row: dict) -> int:
    code = row.get("victim_code", "")
    victim_id = session.scalar(select(Victim.id).where(Victim.code == code)) if code else None
    if victim_id is None:
        raise Invalid.field("victim_code", f"no victim {code}" if code else "is required")
    return victim_id


def _award(session: Session, row: dict, actor: Actor) -> int:
    values = _fields(
        case_id=lambda: _case_id(session, row, True),
        victim_id=lambda: _victim_id(session, row),
        order_reference=lambda: validate.text(
            "order_reference", row.get("order_reference", ""), max_length=100
        ),
        ordered_on=lambda: _date(row, "ordered_on"),
        amount=lambda: _money(row),
    )
    return awards.register_award(session, actor=actor, **values).id


def _kind(row: dict, kinds: dict) -> str:
    kind = row.get("kind", "")
    if kind not in kinds:
        raise Invalid.field("kind", f"must be one of {', '.join(kinds)}")
    return kind


def _movement(session: Session, row: dict, date_column: str, kinds: dict) -> dict:
    return _fields(
        kind=lambda: _kind(row, kinds),
        day=lambda: _date(row, date_column),
        amount=lambda: _money(row),
        counterparty=lambda: validate.text(
            "counterparty", row.get("counterparty", ""), max_length=200
        ),
        case_id=lambda: _case_id(session, row, False),
        asset_id=lambda: _optional_int(row, "asset_id"),
    )


def _receipt(session: Session, row: dict, actor: Actor) -> int:
    values = _movement(session, row, "received_on", cash.RECEIPT_ACCOUNTS)
    return cash.record_receipt(session, actor=actor, received_on=values.pop("day"), **values).id


def _expense(session: Session, row: dict, actor: Actor) -> int:
    values = _movement(session, row, "paid_on", cash.EXPENSE_ACCOUNTS)
    return cash.record_expense(session, actor=actor, paid_on=values.pop("day"), **values).id


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
