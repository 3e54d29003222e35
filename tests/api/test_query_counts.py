"""A page of a list costs the same number of SQL statements whatever its length.

The fund below holds nine or more records of every listed kind (cases, seized
assets, victims, awards by two registrars, payments in every state, journal
entries, the chart, the bank account's postings, twelve months, exchange
rates, the audit log), built through the services. For each paginated list
endpoint the statements one request runs are counted on the app's own engine
(``before_cursor_execute``) at ``per_page=5`` and at ``per_page=50``: the
counts must be equal (nothing is looked up once per row) while the longer page
really holds more rows. A court's view of awards and payments, narrowed to its
own, is counted too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, select

from ledger import assets, awards, cases, disbursements, fx, victims
from ledger.access import Actor
from ledger.models import User
from tests.api.fund import API, fast_tokens
from tests.conftest import auth
from tests.registers.factories import (
    ADMIN,
    CIPHER,
    FORFEITED,
    ORDERED,
    OTHER,
    PAID,
    RATES_FILE,
    SEIZED,
    eur_money,
)

RECORDS = 9
ENDPOINTS = (
    "/cases",
    "/assets",
    "/victims",
    "/awards",
    "/disbursements",
    "/journal",
    "/accounts",
    "/accounts/1000/ledger",
    "/periods",
    "/fx-rates",
    "/audit/events",
)


def build_fund(session_factory, court: Actor) -> None:
    """Nine cases, each with seized and forfeited cash, a victim, an award and a payment.

    Awards alternate between the court and an administrator; payments end up
    proposed, approved, paid, returned or rejected in turn.
    """
    with session_factory.begin() as s:
        fx.import_ecb_csv(s, ADMIN, RATES_FILE.read_text(), source="ECB")
        for i in range(RECORDS):
            case = cases.open_case(
                s,
                actor=ADMIN,
                reference=f"CR-2026-{i:03d}",
                court="Tribunal de Lisboa",
                title=f"State v. Network {i}",
                jurisdiction="PT",
                opened_on=date(2026, 1, 2),
            )
            held = assets.seize_asset(
                s,
                actor=ADMIN,
                case_id=case.id,
                kind="cash",
                description=f"Cash, raid {i}",
                seized_on=SEIZED,
                estimated_value=eur_money(1_000_000 + i),
            )
            assets.forfeit_asset(
                s, actor=ADMIN, asset_id=held.id, order_reference=f"F-{i}", forfeited_on=FORFEITED
            )
            victim = victims.register_victim(
                s,
                CIPHER,
                actor=court,
                full_name=f"Victim {i}",
                date_of_birth=None,
                contact=None,
                country_of_residence="PT" if i % 3 else "TH",
                returned_home=i % 3 == 0,
                payment=victims.PaymentDetails(
                    method="intermediary",
                    currency="EUR",
                    intermediary="Partner NGO",
                    reference=f"P-{i}",
                ),
            )
            award = awards.register_award(
                s,
                actor=court if i % 2 else ADMIN,
                case_id=case.id,
                victim_id=victim.id,
                order_reference=f"ORD-{i}",
                ordered_on=ORDERED,
                amount=eur_money(500_000),
            )
            _pay(s, award.id, state=("proposed", "approved", "paid", "returned", "rejected")[i % 5])


def _pay(s, award_id: int, state: str) -> None:
    proposal = disbursements.propose_disbursement(
        s, actor=ADMIN, award_id=award_id, amount=eur_money(10_000), method="bank_transfer", on=PAID
    )
    if state == "rejected":
        disbursements.reject_disbursement(s, actor=OTHER, disbursement_id=proposal.id)
        return
    if state == "proposed":
        return
    disbursements.approve_disbursement(s, actor=OTHER, disbursement_id=proposal.id)
    if state == "approved":
        return
    disbursements.execute_disbursement(
        s,
        actor=ADMIN,
        disbursement_id=proposal.id,
        paid_on=PAID,
        bank_reference=f"BANK-{proposal.id}",
        debited=eur_money(10_000),
        fee=eur_money(25),
    )
    if state == "returned":
        disbursements.return_disbursement(
            s, actor=ADMIN, disbursement_id=proposal.id, returned_on=PAID, reason="Closed"
        )


@contextmanager
def counting(engine) -> Iterator[list[str]]:
    """The SQL statements sent through ``engine`` while the block runs."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def page(client, engine, path: str, token: str, per_page: int) -> tuple[list[str], list]:
    with counting(engine) as statements:
        response = client.get(
            f"{API}{path}", query_string={"per_page": per_page}, headers=auth(token)
        )
    assert response.status_code == 200, (path, response.get_json())
    return list(statements), response.get_json()["items"]


def assert_flat(client, engine, path: str, token: str) -> None:
    page(client, engine, path, token, 5)  # warm-up: a token's first use is noted once
    short, five = page(client, engine, path, token, 5)
    long, fifty = page(client, engine, path, token, 50)
    assert len(five) == 5 and len(fifty) > len(five), (path, len(five), len(fifty))
    assert len(short) == len(long), (
        f"{path}: {len(short)} statements for 5 rows, {len(long)} for {len(fifty)}:\n"
        + "\n".join(long)
    )


def test_a_page_costs_the_same_statements_whatever_its_length(
    app, client, session_factory, subtests
):
    tokens = fast_tokens(session_factory)
    admin_token = tokens("administrator", "alice-web")
    tokens("court", "registry")
    with session_factory() as s:
        court = Actor.of(s.scalar(select(User).where(User.name == "registry")))
    build_fund(session_factory, court)
    engine = app.extensions["fundledger.db"].kw["bind"]

    for path in ENDPOINTS:
        with subtests.test(path=path):
            assert_flat(client, engine, path, admin_token)


def test_a_courts_own_awards_and_payments_cost_no_query_per_row(app, client, session_factory):
    """Scoped lists: with more than five awards of the court's own, 5 and 50 cost the same."""
    tokens = fast_tokens(session_factory)
    court_token = tokens("court", "registry")
    with session_factory() as s:
        court = Actor.of(s.scalar(select(User).where(User.name == "registry")))
    build_fund(session_factory, court)
    # Six more awards of the court's own (it then has ten), each with a proposal.
    with session_factory.begin() as s:
        for i in range(6):
            award = awards.register_award(
                s,
                actor=court,
                case_id=1 + i,
                victim_id=1 + i,
                order_reference=f"ORD-MORE-{i}",
                ordered_on=ORDERED,
                amount=eur_money(200_000),
            )
            _pay(s, award.id, state="approved" if i % 2 else "proposed")
    engine = app.extensions["fundledger.db"].kw["bind"]
    for path in ("/awards", "/disbursements"):
        assert_flat(client, engine, path, court_token)
        everything = client.get(
            f"{API}{path}", query_string={"per_page": 500}, headers=auth(court_token)
        ).get_json()
        assert everything["total"] == 10, (path, everything["total"])
