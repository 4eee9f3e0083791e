"""Smoke: a read-only check of a just-deployed service, black-box, in seconds.

It needs only a base URL and a key (`--stack url --base-url URL` with SIGNOFF_API_KEY), writes
nothing, and uses no fault control, so it is safe against production.
"""

from __future__ import annotations

import httpx
import pytest

from suites.conftest import Api, scrape

READS = [
    "/api/v1/jobs",
    "/api/v1/keys",
    "/api/v1/webhooks",
    "/api/v1/reports/summary",
]


def test_live(anon: httpx.Client) -> None:
    response = anon.get("/health/live")
    assert response.status_code == 200, f"/health/live answered {response.status_code}"
    assert response.json()["status"] == "alive"


def test_ready(anon: httpx.Client) -> None:
    response = anon.get("/health/ready")
    body = response.json()
    assert response.status_code == 200, f"/health/ready answered {response.status_code}: {body}"
    assert body["status"] == "healthy", f"the service is {body['status']}: {body['components']}"


def test_metrics_answer(anon: httpx.Client) -> None:
    names = {name for name, _, _ in scrape(anon)}
    assert "ledger_http_requests_total" in names, "the request counter is missing from /metrics"


def test_openapi_answers(anon: httpx.Client) -> None:
    response = anon.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"], "the OpenAPI document lists no path"


def test_adapters_answer_without_a_key(anon: httpx.Client) -> None:
    response = anon.get("/api/v1/adapters")
    assert response.status_code == 200
    assert response.json(), "no input adapter is listed"


@pytest.mark.parametrize("path", READS)
def test_key_reads_answer(api: Api, path: str) -> None:
    response = api.client.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    assert response.headers.get("content-type", "").startswith("application/json")


def test_reads_refuse_a_missing_key(anon: httpx.Client) -> None:
    assert anon.get("/api/v1/jobs").status_code == 401
