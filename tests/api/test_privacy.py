"""Victims' personal data reaches administrators only (SPEC §5, §7).

Name, date of birth, contact and bank details (IBAN, account number, BIC,
intermediary and its reference) are sealed at rest, shown by
``GET /victims/{id}`` to administrators only, and every such view is in the
audit log. Everyone else, and every other answer, names a victim by code.

The crawl reads every GET endpoint an auditor or a court may call (lists with
every page, each record's detail, every journal entry, every account's
ledger, the audit log, statements and exports when served) and looks for the
personal data in the raw bytes of each answer and its headers; error answers
and the log output (every logger at DEBUG, SQL included) are searched too.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from ledger.models import Base, Victim
from tests.api.fund import (
    API,
    PII,
    VICTIMS,
    Caller,
    Fund,
    build_fund,
    fast_tokens,
    footprint,
    money,
)

LISTS = (
    "/cases",
    "/assets",
    "/victims",
    "/awards",
    "/disbursements",
    "/fx-rates",
    "/journal",
    "/audit/events",
)
REPORTS = (
    "trial-balance",
    "financial-position",
    "financial-performance",
    "net-assets",
    "cash-flow",
    "journal",
    "awards-register",
    "asset-register",
)


def capture_everything(caplog) -> None:
    """Every logger at DEBUG, SQLAlchemy's too (it sets itself to WARNING): SQL and parameters."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")


def leaks(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace").lower()
    return [pii for pii in PII if pii.lower() in text]


def served(app, rule: str) -> bool:
    return any(r.rule == API + rule for r in app.url_map.iter_rules())


def crawl(app, caller: Caller, f: Fund) -> dict[str, object]:
    """path → response for everything this caller may read (refusals included)."""
    seen: dict[str, object] = {}

    def get(path: str):
        response = caller.request("GET", path)
        response.get_data()  # read a streamed statement to its end now, then let it go
        response.close()
        seen[path] = response
        return response

    def items(path: str) -> list[dict]:
        out, page = [], 1
        while True:
            response = get(f"{path}?per_page=2&page={page}")  # every page, not only the first
            if response.status_code != 200:
                return out
            body = response.get_json()
            out += body["items"]
            if page * body["per_page"] >= body["total"]:
                return out
            page += 1

    for path in LISTS:
        found = items(path)
        detail = {
            "/cases": "id",
            "/assets": "id",
            "/victims": "id",
            "/awards": "id",
            "/disbursements": "id",
            "/journal": "number",
        }.get(path)
        for item in found if detail else ():
            get(f"{path}/{item[detail]}")
    for victim_id in f.victim_codes:  # also those a list would not show this caller
        get(f"/victims/{victim_id}")
    get(f"/distributions/{f.distribution_id}")
    get("/periods")
    get("/audit/verify")
    accounts = get("/accounts")
    if accounts.status_code == 200:
        for account in accounts.get_json()["items"]:
            items(f"/accounts/{account['code']}/ledger")
    if served(app, "/reports/<slug>"):
        for slug in REPORTS:
            for fmt in ("json", "csv"):  # PDF and XLSX compress their text: not searchable
                get(f"/reports/{slug}?format={fmt}")
        get(f"/reports/victim-statement?victim_id={f.victim_id}&format=json")
        get(f"/reports/case-statement?case_id={f.case_id}&format=json")
        get("/reports/general-ledger?account=2000&format=csv")
    if served(app, "/exports/journal"):
        for fmt in ("ledger", "beancount"):
            get(f"/exports/journal?format={fmt}")
    return seen


def test_no_personal_data_reaches_auditors_or_courts(app, client, session_factory, caplog):
    capture_everything(caplog)
    f = build_fund(client, fast_tokens(session_factory))
    assert "INSERT INTO victims" in caplog.text  # the SQL and its parameters are captured
    for caller in (f.auditor, f.court):
        seen = crawl(app, caller, f)
        assert len(seen) > 40
        readable = [p for p, r in seen.items() if r.status_code == 200]
        assert any(p.startswith("/victims/") for p in readable)
        if caller is f.auditor:
            assert any(p.startswith("/journal/") for p in readable)
            assert any(p.startswith("/audit/events") for p in readable)
        for path, response in seen.items():
            found = leaks(response.get_data()) + leaks(str(response.headers).encode())
            assert not found, (caller.role, path, found)
        for path in (p for p in readable if p.startswith("/victims/")):
            assert "personal_data" not in seen[path].get_json(), (caller.role, path)
    found = leaks(caplog.text.encode())
    assert not found, f"personal data in the log: {found}"


def test_error_answers_and_logs_do_not_echo_personal_data(client, session_factory, caplog):
    capture_everything(caplog)
    f = build_fund(client, fast_tokens(session_factory))
    iban = dict(VICTIMS["iban"])
    wrong = [
        # a wrong IBAN check digit, a wrong BIC, a birth date in the future, a long contact
        {**iban, "payment": {**iban["payment"], "iban": "PT50000201231234567890155"}},
        {**iban, "payment": {**iban["payment"], "bic": "CGDIPTPLXX"}},
        {**iban, "date_of_birth": "2999-03-14"},
        {**iban, "contact": iban["contact"] * 20},
        {**iban, "full_name": iban["full_name"] * 10},
        {**iban, "country_of_residence": "Ana Quintela Bettencourt"},
        {**VICTIMS["abroad"], "payment": {**VICTIMS["abroad"]["payment"], "bank_country": "PT"}},
        {**VICTIMS["ngo"], "payment": {**VICTIMS["ngo"]["payment"], "reference": "  "}},
    ]
    before = footprint(session_factory)
    for caller in (f.court, f.alice):
        for body in wrong:
            response = caller.request("POST", "/victims", json=body)
            assert response.status_code == 422, response.get_json()
            # The request's own PII is not echoed back (nor anyone else's).
            offending = {p for p in PII if p in str(body) and p not in ("CGDIPTPL", "Quintela")}
            assert not leaks(response.get_data()), (body, response.get_json())
            assert offending  # the test sent personal data that could have been echoed
    assert footprint(session_factory) == before
    # An award registered twice names the victim by code.
    award = {
        "case_id": f.case_id,
        "victim_id": f.victim_id,
        "order_reference": "ORD-TWICE",
        "ordered_on": "2026-02-02",
        "amount": money("10.00"),
    }
    f.court.post("/awards", award)
    duplicate = f.court.request("POST", "/awards", json=award)
    assert duplicate.status_code == 409
    assert f.victim_codes[f.victim_id] in duplicate.get_json()["detail"]
    assert not leaks(duplicate.get_data())
    assert not leaks(f.court.request("GET", "/victims/999999").get_data())
    found = leaks(caplog.text.encode())
    assert not found, f"personal data in the log: {found}"


def test_an_administrator_sees_the_personal_data_and_the_view_is_audited(
    client, session_factory, caplog
):
    capture_everything(caplog)
    f = build_fund(client, fast_tokens(session_factory))
    code = f.victim_codes[f.victim_id]
    before = footprint(session_factory)["audit_events"]

    listed = f.alice.get("/victims")
    assert all("personal_data" not in v for v in listed["items"])  # not in lists, for anyone
    assert not leaks(f.alice.request("GET", "/victims").get_data())

    raw = f.alice.request("GET", f"/victims/{f.victim_id}")
    assert "Ana Quintela Bettencourt" in leaks(raw.get_data())  # the search does find it
    seen = raw.get_json()
    assert seen["code"] == code
    personal = seen["personal_data"]
    assert personal["full_name"] == VICTIMS["iban"]["full_name"]
    assert personal["date_of_birth"] == VICTIMS["iban"]["date_of_birth"]
    assert personal["contact"] == VICTIMS["iban"]["contact"]
    assert personal["payment"]["iban"] == VICTIMS["iban"]["payment"]["iban"]
    assert personal["payment"]["bic"] == VICTIMS["iban"]["payment"]["bic"]
    ngo = f.bob.get(f"/victims/{f.victim_ngo_id}")["personal_data"]["payment"]
    assert ngo["intermediary"] == VICTIMS["ngo"]["payment"]["intermediary"]
    assert ngo["reference"] == VICTIMS["ngo"]["payment"]["reference"]

    assert footprint(session_factory)["audit_events"] == before + 2
    assert not leaks(caplog.text.encode())  # the administrator's view is not logged either
    events = f.auditor.get(
        "/audit/events", query_string={"action": "victim.personal_data_viewed", "per_page": 500}
    )["items"]
    assert [(e["actor"], e["subject_id"]) for e in events] == [
        ("alice", code),
        ("bob", f.victim_codes[f.victim_ngo_id]),
    ]
    assert all(e["subject_type"] == "victim" for e in events)
    assert not any(leaks(str(e).encode()) for e in events)
    # Reading the audit log, or a victim as auditor or court, opens nothing and logs no view.
    f.auditor.get(f"/victims/{f.victim_id}")
    f.court.get(f"/victims/{f.victim_id}")
    assert footprint(session_factory)["audit_events"] == before + 2
    found = leaks(caplog.text.encode())
    assert not found, f"personal data in the log: {found}"


def test_personal_data_is_encrypted_at_rest(client, session_factory, db):
    f = build_fund(client, fast_tokens(session_factory))
    sealed = db.scalars(select(Victim.pii).order_by(Victim.id)).all()
    assert len(sealed) == 3
    for token in sealed:
        token = bytes(token)
        assert token.startswith(b"gAAAAA")  # a Fernet token
        assert not leaks(token)
    # Nowhere else in the database either: every column of every table.
    for table in Base.metadata.sorted_tables:
        for row in db.execute(select(table)):
            for column, value in row._mapping.items():
                if isinstance(value, str | bytes | bytearray | memoryview):
                    data = value.encode() if isinstance(value, str) else bytes(value)
                    assert not leaks(data), (table.name, column)
    codes = {v.code for v in db.scalars(select(Victim))}
    assert codes == set(f.victim_codes.values()) == {"V-000001", "V-000002", "V-000003"}


def test_everywhere_else_a_victim_is_named_by_code(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    code = f.victim_codes[f.victim_id]
    award = f.auditor.get(f"/awards/{f.award_id}")
    assert award["victim"] == code and award["victim_id"] == f.victim_id
    assert f.auditor.get(f"/disbursements/{f.approved_id}")["victim"] == code
    lines = f.auditor.get(f"/distributions/{f.distribution_id}")["lines"]
    assert {line["victim"] for line in lines} == {code, f.victim_codes[f.victim_ngo_id]}
    entries = f.auditor.get("/journal", query_string={"per_page": 500})["items"]
    memos = [e["memo"] for e in entries if e["event"] == "award.registered"]
    assert any(code in memo for memo in memos), memos
    victims = f.court.get("/victims")["items"]
    assert {v["code"] for v in victims} == set(f.victim_codes.values())
    assert set(victims[0]) == {
        "id",
        "code",
        "country_of_residence",
        "returned_home",
        "payment_method",
        "payment_currency",
    }
