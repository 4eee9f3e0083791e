from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from ledger.webhooks import backoff_delay, new_delivery_id, new_secret, post, sign, verify

# RFC-style vector: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog").
KNOWN_KEY = "key"
KNOWN_BODY = b"The quick brown fox jumps over the lazy dog"
KNOWN_HEX = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"


def test_known_vector() -> None:
    assert sign(KNOWN_KEY, KNOWN_BODY) == "sha256=" + KNOWN_HEX


def test_verify_accepts_the_signature() -> None:
    secret = new_secret()
    body = b'{"event":"run.completed","run_id":1}'
    assert verify(secret, body, sign(secret, body))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s, b, sig: (s, b + b" ", sig),
        lambda s, b, sig: (s, b.replace(b"1", b"2"), sig),
        lambda s, b, sig: (s + "x", b, sig),
        lambda s, b, sig: (s, b, sig[:-1] + ("0" if sig[-1] != "0" else "1")),
        lambda s, b, sig: (s, b, sig.removeprefix("sha256=")),
    ],
)
def test_tampering_fails_verification(tamper: object) -> None:
    secret, body = new_secret(), b'{"event":"run.completed","run_id":1}'
    args = tamper(secret, body, sign(secret, body))  # type: ignore[operator]
    assert not verify(*args)


def test_secrets_and_ids_are_unique() -> None:
    assert len({new_secret() for _ in range(100)}) == 100
    assert len({new_delivery_id() for _ in range(100)}) == 100


@pytest.mark.parametrize(
    ("attempt", "expected"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 5.0), (9, 5.0)]
)
def test_backoff_doubles_and_caps(attempt: int, expected: float) -> None:
    assert backoff_delay(attempt, 0.5, 5.0) == expected


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP endpoint on loopback: answers 500 once, then 204; records what arrives."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"headers": dict(self.headers), "body": body})
            self.send_response(500 if len(seen) == 1 else 204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen
    server.shutdown()
    server.server_close()


def test_post_signs_and_reports_status(receiver: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = receiver
    secret, body = new_secret(), b'{"run_id": 7}'
    with httpx.Client(trust_env=False, timeout=5) as client:
        first = post(client, url, secret, "run.completed", "dlv_1", body)
        second = post(client, url, secret, "run.completed", "dlv_1", body)
    assert (first.ok, first.status_code, first.error) == (False, 500, "HTTP 500")
    assert (second.ok, second.status_code, second.error) == (True, 204, None)
    headers = seen[0]["headers"]
    assert headers["X-Ledger-Event"] == "run.completed"
    assert headers["X-Ledger-Delivery"] == "dlv_1"
    assert verify(secret, seen[0]["body"], headers["X-Ledger-Signature"])


def test_post_reports_connection_errors() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with httpx.Client(trust_env=False, timeout=2) as client:
        attempt = post(client, f"http://127.0.0.1:{port}/", "s", "run.completed", "d", b"{}")
    assert attempt.status_code is None
    assert not attempt.ok
    assert attempt.error
    assert "ConnectError" in attempt.error
