"""Requests sent as a named identity, every one kept (request and answer) as the evidence a
verdict names by its number in `exchanges.json`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from signoff.leaks.registry import Secrets
from signoff.stack.interface import PROBE_LIMITS

BODY_KEPT = 4000  # characters of an answer kept as evidence


@dataclass(frozen=True)
class Exchange:
    """One request and its answer; `status` None when no answer came (`error` says why)."""

    number: int
    identity: str
    method: str
    url: str
    request_body: Any
    status: int | None
    body: str
    error: str = ""
    carrier: str = ""  # where the credential rode when not in the identity's headers

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def json(self) -> Any:
        """The answer's JSON, or None."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Exchanges:
    """An HTTP client that sends as any of the identities it knows and keeps every exchange."""

    def __init__(
        self,
        identities: dict[str, dict[str, str]],
        timeout: float,
        tokens: dict[str, str] | None = None,
        secrets: Secrets | None = None,
    ) -> None:
        self.identities = identities
        self.tokens = tokens or {}  # an identity's bare credential, for a cookie that holds it
        self.secrets = secrets  # told the secrets the service answers, to redact them
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, limits=PROBE_LIMITS)
        self.kept: list[Exchange] = []

    def send(
        self,
        identity: str,
        method: str,
        url: str,
        body: tuple[str, Any] | None = None,
        carrier: str = "",
    ) -> Exchange:
        """`carrier` "cookie:NAME" sends the identity's credential as that cookie, where a
        recorded request (a browser's) carried it, instead of in the identity's headers."""
        headers = self._credential(identity, carrier)
        content: bytes | None = None
        if body is not None:
            kind, given = body
            headers["Content-Type"] = kind
            text = given if isinstance(given, str) else json.dumps(given)
            content = text.encode("utf-8")
        number = len(self.kept) + 1
        sent = body[1] if body is not None else None
        self.client.cookies.clear()  # a cookie one identity was given must not ride for another
        try:
            answer = self.client.request(method, url, headers=headers, content=content)
        except httpx.HTTPError as exc:
            failed = Exchange(
                number, identity, method, url, sent, None, "", type(exc).__name__, carrier
            )
            self.kept.append(failed)
            return failed
        found = Exchange(
            number, identity, method, url, sent, answer.status_code, answer.text, "", carrier
        )
        if self.secrets is not None:
            self.secrets.add_made(found.json())
        self.kept.append(found)
        return found

    def _credential(self, identity: str, carrier: str) -> dict[str, str]:
        kind, _, name = carrier.partition(":")
        token = self.tokens.get(identity, "")
        if kind == "cookie" and name and token:
            return {"Cookie": f"{name}={token}"}
        return dict(self.identities[identity])

    def save(self, path: Path) -> None:
        """Every exchange, the answers cut to BODY_KEPT characters."""
        rows = [{**asdict(e), "body": e.body[:BODY_KEPT]} for e in self.kept]
        path.write_text(json.dumps(rows, indent=2, default=str) + "\n", encoding="utf-8")

    def close(self) -> None:
        self.client.close()
