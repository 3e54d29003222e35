"""The API's skeleton: health, authentication, problem+json."""

from tests.conftest import auth


def test_health_needs_no_credentials(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_verify_without_token_is_401_problem(client):
    response = client.get("/api/v1/audit/verify")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 401 and body["title"] and "detail" in body
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_verify_with_bad_token_is_401(client):
    response = client.get("/api/v1/audit/verify", headers=auth("flt_not-a-real-token"))
    assert response.status_code == 401


def test_roles(client, token_for):
    assert client.get("/api/v1/audit/verify", headers=auth(token_for("auditor"))).status_code == 200
    assert (
        client.get("/api/v1/audit/verify", headers=auth(token_for("administrator"))).get_json()[
            "ok"
        ]
        is True
    )
    assert client.get("/api/v1/audit/verify", headers=auth(token_for("court"))).status_code == 403


def test_unknown_path_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/health" in response.get_json()["paths"]
