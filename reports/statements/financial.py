"""Financial statements: position, performance, changes in net assets, cash flow."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reports.context import ReportRequest
from reports.statement import Statement


def financial_position(session: Session, request: ReportRequest) -> Statement:
    raise NotImplementedError


def financial_performance(session: Session, request: ReportRequest) -> Statement:
    raise NotImplementedError


def net_assets(session: Session, request: ReportRequest) -> Statement:
    raise NotImplementedError


def cash_flow(session: Session, request: ReportRequest) -> Statement:
    raise NotImplementedError
