"""``Idempotency-Key`` on every POST (SPEC §7).

- The same key with the same request replays the first response exactly
  (status, bytes, content type) with ``Idempotent-Replayed: true``, and
  writes nothing more.
- The same key with another request (another body, or for an action without
  a body another target) is 422 problem+json naming ``Idempotency-Key``.
- Keys are per user: another user's identical key is a different request.
- A refused request (4xx) is not stored (``app/idempotency.py`` keeps only
  successful responses, in the transaction of the change): retrying with the
  same key asks again, so once the cause is fixed the same key succeeds, and
  from then on replays that success.
- A key must be 1 to 200 printable characters, else 422.
"""

from __future__ import annotations

import copy
import io

from tests.api.fund import (
    ADMIN,
    API,
    Call,
    Caller,
    build_fund,
    ecb_rates,
    fast_tokens,
    footprint,
    money,
    paid,
    posts_served,
    unique,
)
from tests.conftest import DATA

KEY = "Idempotency-Key"
#: Free-text fields a retry could plausibly change: the first one present makes "another body".
TEXT_FIELDS = (
    "memo",
    "reason",
    "description",
    "counterparty",
    "title",
    "full_name",
    "bank_reference",
    "order_reference",
)


def another(call: Call) -> Call:
    """The same endpoint with another request: one field changed, or another target."""
    other = copy.deepcopy(call)
    body = other.json
    if body is None:
        other.path += "?again=1"  # an action without a body: the query is part of the request
    elif name := next((n for n in TEXT_FIELDS if isinstance(body.get(n), str)), None):
        body[name] += " (again)"
    elif "amount" in body:
        body["amount"] = money("1.00", body["amount"]["currency"])
    elif "proceeds" in body:
        body["proceeds"] = money("8600.00", body["proceeds"]["currency"])
    elif "rates" in body:
        body["rates"] = body["rates"][:1]
    else:  # pragma: no cover - every body of POSTS has one of the above
        raise AssertionError(call)
    return other


def refused_as_reused(response) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert KEY in body["errors"], body
    assert "Idempotent-Replayed" not in response.headers


def assert_replay(again, first) -> None:
    assert again.status_code == first.status_code
    assert again.get_data() == first.get_data()
    assert again.mimetype == first.mimetype
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.headers["X-Content-Type-Options"] == "nosniff"


def test_every_post_replays_its_first_response_and_refuses_another_request(
    app, client, session_factory, subtests
):
    f = build_fund(client, fast_tokens(session_factory))
    for rule, prepare in posts_served(app).items():
        with subtests.test(msg=rule):
            call = prepare(f, ADMIN)
            if call.upload is not None:
                continue  # multipart: see test_the_same_upload_again_replays
            headers = {KEY: unique("key")}
            first = call.send(f.alice, headers)
            assert first.status_code == call.expect, first.get_json()
            assert "Idempotent-Replayed" not in first.headers
            written = footprint(session_factory)
            again = call.send(f.alice, headers)
            assert_replay(again, first)
            assert footprint(session_factory) == written
            refused_as_reused(another(call).send(f.alice, headers))
            assert footprint(session_factory) == written
            # The key stays bound to the first request: it still replays.
            assert_replay(call.send(f.alice, headers), first)


def test_a_replay_answers_as_then_even_after_the_state_moved_on(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    d = paid(f)  # proposed by bob, approved and executed by alice
    body = {"returned_on": "2026-02-11", "reason": "Account closed"}
    first = f.alice.request("POST", f"/disbursements/{d}/return", json=body, headers={KEY: "r"})
    assert first.get_json()["status"] == "returned"
    # Without the key the same request is now a forbidden transition...
    assert f.alice.request("POST", f"/disbursements/{d}/return", json=body).status_code == 409
    # ...with it, the first answer, not a 409.
    again = f.alice.request("POST", f"/disbursements/{d}/return", json=body, headers={KEY: "r"})
    assert_replay(again, first)


def test_keys_are_per_user(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    key = {KEY: "shared-key-0001"}

    def case(reference: str) -> dict:
        return {
            "reference": reference,
            "court": "Tribunal de Faro",
            "title": "Prosecutor v. Recruiters",
            "jurisdiction": "PT",
            "opened_on": "2026-02-01",
        }

    alices = f.alice.request("POST", "/cases", json=case("CR-A"), headers=key)
    bobs = f.bob.request("POST", "/cases", json=case("CR-B"), headers=key)
    assert alices.status_code == bobs.status_code == 201  # not 422: bob's key is his own
    assert alices.get_json()["id"] != bobs.get_json()["id"]
    assert_replay(f.bob.request("POST", "/cases", json=case("CR-B"), headers=key), bobs)
    assert_replay(f.alice.request("POST", "/cases", json=case("CR-A"), headers=key), alices)

    # The very same request by another user is another request too.
    key = {KEY: "shared-key-0002"}
    victim = {
        "full_name": "Same Body Twice",
        "country_of_residence": "RO",
        "payment": {"method": "cash", "currency": "EUR"},
    }
    by_court = f.court.request("POST", "/victims", json=victim, headers=key)
    by_admin = f.alice.request("POST", "/victims", json=victim, headers={KEY: "other"})
    by_bob = f.bob.request("POST", "/victims", json=victim, headers=key)
    codes = {r.get_json()["code"] for r in (by_court, by_admin, by_bob)}
    assert len(codes) == 3 and "Idempotent-Replayed" not in by_bob.headers


def test_a_refused_request_is_not_stored_and_the_same_key_can_then_succeed(client, session_factory):
    """The choice of app/idempotency.py: only successes are stored, so a 4xx is retried anew."""
    f = build_fund(client, fast_tokens(session_factory))
    key = {KEY: "retry-after-fixing"}
    good = {
        "reference": "CR-RETRY",
        "court": "Tribunal de Coimbra",
        "title": "Prosecutor v. Brokers",
        "jurisdiction": "PT",
        "opened_on": "2026-02-01",
    }
    before = footprint(session_factory)
    bad = f.alice.request("POST", "/cases", json={**good, "opened_on": "2026-02-30"}, headers=key)
    assert bad.status_code == 422 and "opened_on" in bad.get_json()["errors"]
    assert footprint(session_factory) == before  # no idempotent_requests row either
    bad_again = f.alice.request(
        "POST", "/cases", json={**good, "opened_on": "2026-02-30"}, headers=key
    )
    assert bad_again.status_code == 422 and "Idempotent-Replayed" not in bad_again.headers
    fixed = f.alice.request("POST", "/cases", json=good, headers=key)
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    assert_replay(f.alice.request("POST", "/cases", json=good, headers=key), fixed)
    # Now bound to the success: the bad body again is another request.
    refused_as_reused(
        f.alice.request("POST", "/cases", json={**good, "opened_on": "2026-02-30"}, headers=key)
    )

    # A conflict (409) is not stored either.
    conflict = {KEY: "duplicate-reference"}
    assert f.alice.request("POST", "/cases", json=good, headers=conflict).status_code == 409
    renamed = {**good, "reference": "CR-RETRY-2"}
    assert f.alice.request("POST", "/cases", json=renamed, headers=conflict).status_code == 201

    # Nor a 403, nor a 401.
    forbidden = {KEY: "court-tried-first"}
    assert f.court.request("POST", "/cases", json=good, headers=forbidden).status_code == 403
    victim = {
        "full_name": "Registered After A 403",
        "country_of_residence": "PT",
        "payment": {"method": "cash", "currency": "EUR"},
    }
    assert f.court.request("POST", "/victims", json=victim, headers=forbidden).status_code == 201
    stored = footprint(session_factory)["idempotent_requests"]
    anonymous = client.post(API + "/cases", json=good, headers={KEY: "no-token"})
    assert anonymous.status_code == 401
    assert footprint(session_factory)["idempotent_requests"] == stored


def test_key_length_and_characters(client, session_factory):
    admin = Caller(client, fast_tokens(session_factory)(ADMIN, "alice"), "alice", ADMIN)
    body = {"rates": ecb_rates(("USD",))[:2]}
    for refused in ("k" * 201, "k" * 5000, "", "   ", "tab\tinside"):
        before = footprint(session_factory)
        response = admin.request("POST", "/fx-rates", json=body, headers={KEY: refused})
        assert response.status_code == 422, (refused[:20], response.get_json())
        assert response.mimetype == "application/problem+json"
        assert KEY in response.get_json()["errors"]
        assert footprint(session_factory) == before
    for accepted in ("k" * 200, "a-UUID-4f1c2d6e-8b7a-4e39-9c0d-1a2b3c4d5e6f"):
        response = admin.request("POST", "/fx-rates", json=body, headers={KEY: accepted})
        assert response.status_code == 201, response.get_json()
        again = admin.request("POST", "/fx-rates", json=body, headers={KEY: accepted})
        assert_replay(again, response)


def test_a_key_on_a_get_is_ignored(client, session_factory):
    admin = Caller(client, fast_tokens(session_factory)(ADMIN, "alice"), "alice", ADMIN)
    before = footprint(session_factory)
    for _ in range(2):
        response = admin.request("GET", "/cases", headers={KEY: "get-key"})
        assert response.status_code == 200 and "Idempotent-Replayed" not in response.headers
    assert footprint(session_factory) == before


def test_the_same_key_on_another_endpoint_is_another_request(client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    key = {KEY: "one-key-two-endpoints"}
    body = {
        "kind": "donation",
        "received_on": "2026-02-04",
        "amount": money("10.00"),
        "counterparty": "Anonymous donor",
    }
    assert f.alice.request("POST", "/receipts", json=body, headers=key).status_code == 201
    before = footprint(session_factory)
    body["kind"] = "administrative"
    body = {**{k: v for k, v in body.items() if k != "received_on"}, "paid_on": "2026-02-04"}
    refused_as_reused(f.alice.request("POST", "/expenses", json=body, headers=key))
    assert footprint(session_factory) == before


# -- Uploads -----------------------------------------------------------------------------


def multipart(content: bytes, filename: str, boundary: str) -> tuple[bytes, str]:
    """A multipart/form-data body with one file, with the boundary a client chose."""
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def ecb_csv() -> bytes:
    return (DATA / "eurofxref-hist-sample.csv").read_bytes()


def test_the_byte_identical_upload_again_replays(client, session_factory):
    admin = Caller(client, fast_tokens(session_factory)(ADMIN, "alice"), "alice", ADMIN)
    body, content_type = multipart(ecb_csv(), "eurofxref-hist.csv", "boundary-0001")
    headers = {KEY: "upload"}
    first = admin.request(
        "POST", "/fx-rates", data=body, content_type=content_type, headers=headers
    )
    assert first.status_code == 201, first.get_json()
    written = footprint(session_factory)
    again = admin.request(
        "POST", "/fx-rates", data=body, content_type=content_type, headers=headers
    )
    assert_replay(again, first)
    assert footprint(session_factory) == written


def test_the_same_upload_again_replays(app, client, session_factory):
    f = build_fund(client, fast_tokens(session_factory))
    uploads = [("/fx-rates", ecb_csv(), "eurofxref-hist.csv")]
    prepare = posts_served(app).get("/api/v1/awards/import")
    if prepare is not None:
        call = prepare(f, ADMIN)
        uploads.append((call.path, *call.upload))
    for path, content, filename in uploads:
        headers = {KEY: unique("upload")}
        first_body, first_type = multipart(content, filename, "a1b2c3")
        first = f.alice.request(
            "POST", path, data=first_body, content_type=first_type, headers=headers
        )
        assert 200 <= first.status_code < 300, first.get_json()
        written = footprint(session_factory)
        body, content_type = multipart(content, filename, "d4e5f6")
        again = f.alice.request("POST", path, data=body, content_type=content_type, headers=headers)
        assert_replay(again, first)
        assert footprint(session_factory) == written


def test_an_upload_and_a_json_body_under_one_key_are_different_requests(client, session_factory):
    admin = Caller(client, fast_tokens(session_factory)(ADMIN, "alice"), "alice", ADMIN)
    headers = {KEY: "csv-then-json"}
    csv = {"file": (io.BytesIO(ecb_csv()), "eurofxref-hist.csv")}
    assert admin.request("POST", "/fx-rates", data=csv, headers=headers).status_code == 201
    before = footprint(session_factory)
    body = {"rates": ecb_rates(("USD",))[:1]}
    refused_as_reused(admin.request("POST", "/fx-rates", json=body, headers=headers))
    assert footprint(session_factory) == before
