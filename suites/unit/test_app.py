"""The HTTP layer without a database: what must hold even when PostgreSQL is unreachable."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp

from ledger.api.app import DB_DOWN_MESSAGE, create_app
from ledger.core.config import Settings

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'self'",
    "referrer-policy": "no-referrer",
}
WELL_FORMED_KEY = "Bearer lk_" + "a" * 43


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _settings(faults: frozenset[str] = frozenset()) -> Settings:
    return Settings(
        database_url=f"postgresql://postgres@127.0.0.1:{_closed_port()}/ledger",
        redis_url=f"redis://127.0.0.1:{_closed_port()}/0",
        faults=faults,
    )


@contextmanager
def serve(app: ASGIApp) -> Iterator[httpx.Client]:
    """The app under a real uvicorn server in a thread, and a client pointed at it."""
    port = _closed_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port} within 10 s.")
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with serve(create_app(_settings())) as c:
        yield c


def test_live_and_security_headers(client: httpx.Client) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "cache-control" not in response.headers  # no-store is for /api only


def test_cdn_docs_are_disabled(client: httpx.Client) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_adapters_are_public(client: httpx.Client) -> None:
    response = client.get("/api/v1/adapters")
    assert response.status_code == 200
    assert {a["media_type"] for a in response.json()} == {"text/csv", "application/json"}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer nope", "lk_abc"])
def test_missing_or_malformed_key_is_401(client: httpx.Client, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/jobs", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"


def test_database_down_is_503_without_internals(client: httpx.Client) -> None:
    response = client.get("/api/v1/jobs", headers={"Authorization": WELL_FORMED_KEY})
    assert response.status_code == 503
    assert response.json() == {"detail": DB_DOWN_MESSAGE}
    assert "Traceback" not in response.text
    assert "/ledger/" not in response.text


def test_readiness_is_unhealthy_without_postgres(client: httpx.Client) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["components"]["postgres"]["status"] == "down"
    assert body["components"]["redis"]["status"] == "down"


def test_unknown_route_is_json_404(client: httpx.Client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_requests_are_counted_by_route_template(client: httpx.Client) -> None:
    client.get("/api/v1/jobs/12345", headers={"Authorization": "Bearer x"})
    text = client.get("/metrics").text
    assert (
        'ledger_http_requests_total{method="GET",route="/api/v1/jobs/{job_id}",status="401"}'
        in text
    )


def test_out_of_range_id_is_422_not_a_database_error(client: httpx.Client) -> None:
    response = client.get("/api/v1/jobs/99999999999999999999", headers={"Authorization": "x"})
    assert response.status_code in (401, 422)  # auth may answer first; never 500
    assert response.status_code != 500


def test_openapi_declares_errors_and_models(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    public = {"/api/v1/adapters"}
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            ok = [c for c in codes if c.startswith("2")]
            assert ok, f"{method} {path} declares no success response"
            if path.startswith("/api/v1") and path not in public:
                assert "401" in codes, f"{method} {path} does not declare 401"
            if "{" in path and path.startswith("/api/v1"):
                assert "404" in codes, f"{method} {path} does not declare 404"
            if op.get("parameters") or op.get("requestBody"):
                assert "422" in codes, f"{method} {path} does not declare 422"


def test_stall_endpoint_exists_only_with_the_fault(client: httpx.Client) -> None:
    assert client.post("/_faults/stall?seconds=0.1").status_code == 404
    with serve(create_app(_settings(frozenset({"stall"})))) as faulty:
        assert faulty.post("/_faults/stall?seconds=0.4").status_code == 200
        started = time.perf_counter()
        assert faulty.get("/health/live").status_code == 200
        assert time.perf_counter() - started >= 0.3
