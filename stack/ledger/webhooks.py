"""Webhook signing (pure) and delivery of one outbox row over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import httpx

__all__ = [
    "EVENTS",
    "SIGNATURE_PREFIX",
    "Attempt",
    "backoff_delay",
    "new_delivery_id",
    "new_secret",
    "post",
    "sign",
    "verify",
]

EVENTS = ("run.completed",)
SIGNATURE_PREFIX = "sha256="
USER_AGENT = "ledger-webhooks/1"


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def new_delivery_id() -> str:
    return "dlv_" + secrets.token_hex(12)


def sign(secret: str, body: bytes) -> str:
    """The X-Ledger-Signature value: HMAC-SHA256 of the raw body, hex, with a scheme prefix."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does; constant-time so the comparison leaks nothing."""
    return hmac.compare_digest(sign(secret, body), signature)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): base * 2^(n-1), capped."""
    return float(min(cap, base * (2 ** max(attempt - 1, 0))))


@dataclass(frozen=True, slots=True)
class Attempt:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(
    client: httpx.Client, url: str, secret: str, event: str, delivery_id: str, body: bytes
) -> Attempt:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Ledger-Event": event,
        "X-Ledger-Delivery": delivery_id,
        "X-Ledger-Signature": sign(secret, body),
    }
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:500])
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Attempt(response.status_code, error)
