"""Registers whose steps post no entry of their own: cases, victims, distributions
and accounts, checked against the audit events that created and changed them."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import chart, victims
from ledger.chart import CHART
from ledger.models import Account, Award, Disbursement, Distribution, Victim
from ledger.verify_registers.books import Books, loads
from ledger.verify_registers.findings import compare_snapshot, first_actor, rows


def verify_snapshots(session: Session, books: Books, subject_type: str, model, fields) -> list[str]:
    """Rows whose every step is an audit event (cases): their fields as it recorded them."""
    problems = []
    for row in rows(session, model):
        what = f"{subject_type} {row.id}"
        problems += compare_snapshot(books, what, (subject_type, str(row.id)), row, fields)
    return problems


def verify_victims(session: Session, books: Books) -> list[str]:
    """A victim's plain fields and creator, and every award naming a victim that exists."""
    problems = []
    ids = set()
    for v in rows(session, Victim):
        ids.add(v.id)
        what = f"victim {v.id}"  # by id: a tampered code is what is being checked
        subject = ("victim", v.code)
        problems += compare_snapshot(books, what, subject, v, victims.PUBLIC_FIELDS)
        problems += first_actor(books, what, subject, "created_by", v.created_by)
    # The audit log knows a victim by code: its id is held by the awards (and their entries).
    for award_id, victim_id in session.execute(select(Award.id, Award.victim_id)):
        if victim_id not in ids:
            problems.append(f"award {award_id}: victim_id {victim_id} names no victim")
    return problems


def verify_distributions(session: Session, books: Books) -> list[str]:
    """A distribution's fields and its payments as the audit event recorded them."""
    lines: dict[int, set] = defaultdict(set)
    for row in session.execute(
        select(
            Disbursement.distribution_id,
            Disbursement.award_id,
            Disbursement.amount_minor,
            Disbursement.id,
        ).where(Disbursement.distribution_id.is_not(None))
    ):
        lines[row.distribution_id].add((row.award_id, row.amount_minor, row.id))
    problems = []
    for d in rows(session, Distribution):
        what = f"distribution {d.id}"
        subject = ("distribution", str(d.id))
        problems += compare_snapshot(
            books, what, subject, d, ("amount_minor", "currency", "case_id")
        )
        last = books.last.get(subject)
        if last is not None:
            recorded = {tuple(line) for line in loads(last[2]).get("lines", [])}
            if recorded != lines.get(d.id, set()):
                problems.append(
                    f"{what}: its payments differ from what audit event {last[0]} recorded"
                )
        problems += first_actor(books, what, subject, "created_by", d.created_by)
    return problems


def verify_accounts(session: Session, books: Books) -> list[str]:
    """Seeded accounts as the chart defines them; added ones as their audit event says."""
    seeded = {spec.code: spec for spec in CHART}
    problems = []
    for account in rows(session, Account):
        what = f"account {account.code}"
        if account.active is not True:
            problems.append(f"{what}: inactive, but no step ever deactivates an account")
        spec = seeded.get(account.code)
        if spec is None:
            problems += compare_snapshot(
                books, what, ("account", account.code), account, chart.FIELDS
            )
            continue
        expected = {
            "name": spec.name,
            "type": spec.type,
            "overdraft_scope": spec.overdraft_scope,
            "currency": books.functional if spec.functional_only else None,
        }
        for name, value in expected.items():
            if getattr(account, name) != value:
                problems.append(f"{what}: {name} is not the chart's")
    return problems
