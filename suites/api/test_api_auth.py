"""Authentication: missing, malformed, unknown and revoked keys; public endpoints stay public."""

from __future__ import annotations

import httpx
import pytest

from suites.conftest import Api

PROTECTED = [
    ("GET", "/api/v1/jobs"),
    ("POST", "/api/v1/jobs"),
    ("GET", "/api/v1/jobs/1"),
    ("PATCH", "/api/v1/jobs/1"),
    ("DELETE", "/api/v1/jobs/1"),
    ("PUT", "/api/v1/jobs/1/records/left"),
    ("GET", "/api/v1/jobs/1/records/left"),
    ("POST", "/api/v1/jobs/1/runs"),
    ("GET", "/api/v1/jobs/1/runs"),
    ("GET", "/api/v1/runs/1"),
    ("GET", "/api/v1/runs/1/matches"),
    ("GET", "/api/v1/runs/1/unmatched?side=left"),
    ("GET", "/api/v1/jobs/1/summary"),
    ("GET", "/api/v1/reports/summary"),
    ("GET", "/api/v1/webhooks"),
    ("POST", "/api/v1/webhooks"),
    ("DELETE", "/api/v1/webhooks/1"),
    ("GET", "/api/v1/webhooks/1/deliveries"),
    ("GET", "/api/v1/keys"),
    ("POST", "/api/v1/keys"),
    ("DELETE", "/api/v1/keys/1"),
]
MALFORMED = ["Bearer", "Basic dXNlcjpwYXNz", "Token abc", "bearer", "Bearer a b"]


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_missing_key_is_401_with_a_challenge(anon: httpx.Client, method: str, path: str) -> None:
    response = anon.request(method, path)
    assert response.status_code == 401, f"{method} {path} without a key: {response.status_code}"
    assert response.headers.get("www-authenticate", "").lower().startswith("bearer")
    assert "detail" in response.json()


@pytest.mark.parametrize("header", MALFORMED)
def test_malformed_authorization_is_401(anon: httpx.Client, header: str) -> None:
    response = anon.get("/api/v1/jobs", headers={"Authorization": header})
    assert response.status_code == 401, f"Authorization: {header!r} gave {response.status_code}"


def test_unknown_key_is_401(anon: httpx.Client, api: Api) -> None:
    forged = api.key[:-4] + ("AAAA" if not api.key.endswith("AAAA") else "BBBB")
    response = anon.get("/api/v1/jobs", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert "unknown or revoked" in response.json()["detail"]


def test_revoked_key_is_refused_and_revoking_again_is_idempotent(
    api: Api, anon: httpx.Client
) -> None:
    created = api.ok(api.client.post("/api/v1/keys"), 201)
    auth = {"Authorization": f"Bearer {created['key']}"}
    assert anon.get("/api/v1/jobs", headers=auth).status_code == 200
    assert api.client.delete(f"/api/v1/keys/{created['id']}").status_code == 204
    refused = anon.get("/api/v1/jobs", headers=auth)
    assert refused.status_code == 401, f"a revoked key still answers {refused.status_code}"
    assert api.client.delete(f"/api/v1/keys/{created['id']}").status_code == 204
    listed = api.ok(api.client.get("/api/v1/keys", params={"limit": 100}), 200)
    entry = next(k for k in listed["items"] if k["id"] == created["id"])
    assert entry["revoked_at"] is not None
    assert "key" not in entry, "key listings must never show the secret"
    assert created["key"].startswith(created["prefix"])


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/api/v1/adapters", "/metrics"])
def test_public_endpoints_need_no_key(anon: httpx.Client, path: str) -> None:
    assert anon.get(path).status_code == 200


def test_openapi_document_is_served_without_external_assets(anon: httpx.Client) -> None:
    response = anon.get("/openapi.json")
    assert response.status_code == 200
    text = response.text
    assert '"$ref": "http' not in text
    assert '"$ref":"http' not in text
    for ui in ("/docs", "/redoc"):
        page = anon.get(ui)
        assert page.status_code == 404 or "cdn." not in page.text, f"{ui} loads a CDN asset"
