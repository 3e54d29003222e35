"""Register statements: awards with ageing, seized assets, one victim, one case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reports.context import ReportRequest
from reports.statement import Statement


def awards_register(session: Session, request: ReportRequest) -> Statement:
    raise NotImplementedError


def asset_register(session: Session, request: ReportRequest) -> Statement:
    raise NotImplementedError


def victim_statement(session: Session, request: ReportRequest) -> Statement:
    raise NotImplementedError


def case_statement(session: Session, request: ReportRequest) -> Statement:
    raise NotImplementedError
