"""Live HTTP checks: against the reference stack (all hold) and against a careless server.

The careless server is a real HTTP server on this machine: it listens on every interface, serves
one route without asking for a key, shows a traceback on errors and sends no security headers.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from signoff import config
from signoff.security.http_checks import Probe, run_checks
from signoff.stack.interface import StackHandle
from signoff.target import Auth, Target

OPENAPI = {
    "openapi": "3.1.0",
    "paths": {
        "/api/v1/open": {"get": {"responses": {"200": {}}}},
        "/api/v1/items/{item_id}": {
            "get": {
                "parameters": [{"name": "item_id", "in": "path", "schema": {"type": "integer"}}],
                "responses": {"200": {}},
            }
        },
        "/page": {"get": {"responses": {"200": {"content": {"text/html": {}}}}}},
        "/health/live": {"get": {"responses": {"200": {}}}},
    },
}
TRACE = 'Traceback (most recent call last):\n  File "/srv/app/views.py", line 12, in item\n'


class _Careless(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, code: int, body: str, kind: str = "application/json") -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/openapi.json":
            self._send(200, json.dumps(OPENAPI))
        elif self.path in ("/api/v1/open", "/health/live"):
            self._send(200, "[]")
        elif self.path == "/page":
            self._send(200, "<html></html>", "text/html")
        elif self.path.startswith("/api/v1/items/"):
            if not self.headers.get("Authorization", "").endswith("good"):
                self._send(401, '{"detail": "no key"}')
            else:
                self._send(500, TRACE, "text/plain")
        else:
            self._send(404, '{"detail": "not found"}')


@pytest.fixture(scope="module")
def careless() -> Iterator[str]:
    server = ThreadingHTTPServer(("0.0.0.0", 0), _Careless)  # every interface, on purpose
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def settings(**changes: Any) -> config.AuditSettings:
    return dataclasses.replace(config.load().audit, **changes)


def failed(probes: list[Probe]) -> dict[str, Probe]:
    return {p.id: p for p in probes if not p.ok}


def test_a_careless_server_fails_every_kind_of_check(careless: str) -> None:
    handle = StackHandle(
        "url", careless, "good", {"Authorization": "Bearer good"}, openapi="/openapi.json"
    )
    target = Target(auth=Auth(kind="token"), public_operations=["GET /health/*"], api_prefix="/api")
    checker = run_checks(handle, target, settings())
    bad = failed(checker.probes)
    assert "HTTP-auth:GET /api/v1/open (no credential)" in bad
    assert "HTTP-auth:GET /api/v1/items/{item_id} (no credential)" not in bad  # it does refuse
    leaks = [p for p in bad.values() if p.kind == "leak"]
    assert leaks
    assert "Traceback" in leaks[0].detail
    assert "HTTP-header:X-Content-Type-Options on api responses" in bad
    assert "HTTP-header:Content-Security-Policy on page responses" in bad
    assert "HTTP-interface:127.0.0.2" in bad  # bound to 0.0.0.0, so it answers there too
    assert not checker.unreached


@pytest.mark.stack
def test_the_reference_stack_holds_every_check(stack: StackHandle) -> None:
    checker = run_checks(stack, config.load().target, settings())
    assert not failed(checker.probes), [
        f"{p.id}: {p.detail}" for p in failed(checker.probes).values()
    ]
    kinds = {p.kind for p in checker.probes}
    assert kinds == {"auth", "leak", "header", "interface"}
    auth = [p for p in checker.probes if p.kind == "auth"]
    assert len(auth) >= 20  # every non-public operation, with no key and with a bad one
    assert not checker.unreached
