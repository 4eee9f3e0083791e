"""Live HTTP checks against a running service, derived from its OpenAPI document.

- every operation not declared public refuses a request without a key, and one with a bad key;
- error responses carry no stack trace, no source path and no driver names;
- security headers are present on API responses and on pages;
- the service answers on no address of this machine but the one it was configured for.
Each probe is a `Probe`; a failed one is a finding with an id a waiver can name.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from signoff import openapi
from signoff.config import AuditSettings
from signoff.openapi import Operation
from signoff.security.interfaces import answers, is_local, other_addresses
from signoff.stack import auth as auth_mod
from signoff.stack.interface import PROBE_LIMITS, StackHandle
from signoff.target import Target

METHODS = ("get", "post", "put", "patch", "delete")
LEAKS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"]+", line \d+'),
    re.compile(r"site-packages|dist-packages"),
    re.compile(r"/(usr|opt|home|root|tmp|srv|work)/[\w./-]+\.py"),
    re.compile(r"\b(psycopg|sqlalchemy|asyncpg|redis\.exceptions)\b", re.IGNORECASE),
]
BAD_KEY = "signoff-invalid-credential-for-audit"


@dataclass(frozen=True)
class Probe:
    """One HTTP check: what was tried, whether it held, and what was seen."""

    kind: str  # auth | leak | header | interface
    target: str
    ok: bool
    detail: str
    status: int | None = None

    @property
    def id(self) -> str:
        return f"HTTP-{self.kind}:{self.target}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "id": self.id}


def is_public(op: Operation, public: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(op.name, pattern) for pattern in public)


def leak_in(text: str) -> str | None:
    for pattern in LEAKS:
        match = pattern.search(text)
        if match:
            return match.group(0)[:120]
    return None


class Checker:
    """Runs every probe against the handle's service; its credential is used only for error
    provocations, and writes go only where the handle allows them."""

    def __init__(
        self,
        handle: StackHandle,
        target: Target,
        api_headers: list[str],
        page_headers: list[str],
        pages: list[str],
        timeout: float = 10.0,
    ) -> None:
        self.handle = handle
        self.target = target
        self.base = handle.base_url.rstrip("/")
        self.public = list(target.public_operations)
        self.api_headers = api_headers
        self.page_headers = page_headers
        self.pages = pages
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, limits=PROBE_LIMITS)
        self.probes: list[Probe] = []
        self.unreached: list[str] = []
        self._errors: list[tuple[str, httpx.Response]] = []
        self._api: list[tuple[str, httpx.Response]] = []

    def _send(self, method: str, url: str, label: str, **kwargs: Any) -> httpx.Response | None:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.unreached.append(f"{label}: {type(exc).__name__}")
            return None
        if response.status_code >= 400:
            self._errors.append((label, response))
        if urlsplit(url).path.startswith(self.target.api_prefix or "/"):
            self._api.append((label, response))
        return response

    def run(self, root: Path) -> list[Probe]:
        ops = [
            op
            for op in openapi.operations(openapi.fetch(self.handle, root))
            if op.method in METHODS
        ]
        if self.target.auth.kind != "none":
            for op in ops:
                if not is_public(op, self.public) and self.handle.may_send(op.name):
                    self._auth(op)
        self._provoke(ops)
        pages = [op.path for op in ops if op.html and op.method == "get" and not op.params]
        self._headers(list(dict.fromkeys([*self.pages, *pages])))
        self._interfaces()
        return self.probes

    def _auth(self, op: Operation) -> None:
        body: dict[str, Any] = {"json": {}} if op.has_body else {}
        bad = auth_mod.headers(self.target.auth, BAD_KEY)
        for label, headers in (("no credential", {}), ("bad credential", bad)):
            response = self._send(op.method, op.url(self.base), op.name, headers=headers, **body)
            if response is None:
                continue
            refused = response.status_code in (401, 403)
            self.probes.append(
                Probe(
                    "auth",
                    f"{op.name} ({label})",
                    refused,
                    "refused" if refused else f"answered {response.status_code} with {label}",
                    response.status_code,
                )
            )

    def _provoke(self, ops: list[Operation]) -> None:
        """Draw error responses: unknown paths, wrong parameter types, malformed bodies."""
        auth = self.handle.headers
        prefix = self.target.api_prefix.rstrip("/")
        self._send("GET", f"{self.base}/signoff-audit-missing-page", "GET unknown path")
        self._send("GET", f"{self.base}{prefix}/signoff-audit-missing", "GET unknown API path")
        for op in ops:
            if not self.handle.may_send(op.name):
                continue
            if op.params and op.method == "get":
                self._send(
                    "GET", op.url(self.base, bad_types=True), f"{op.name} (bad types)", headers=auth
                )
            if op.has_body:
                self._send(
                    op.method,
                    op.url(self.base),
                    f"{op.name} (malformed body)",
                    headers={**auth, "Content-Type": "application/json"},
                    content=b'{"signoff": [unterminated',
                )
        seen = set()
        for label, response in self._errors:
            leak = leak_in(response.text + "\n" + "\n".join(response.headers.values()))
            key = (label, response.status_code)
            if key in seen:
                continue
            seen.add(key)
            self.probes.append(
                Probe(
                    "leak",
                    f"{label} -> {response.status_code}",
                    leak is None,
                    "no trace or path" if leak is None else f"the response shows {leak!r}",
                    response.status_code,
                )
            )

    def _headers(self, pages: list[str]) -> None:
        samples: dict[str, list[tuple[str, httpx.Response]]] = {"api": self._api[:], "page": []}
        for page in pages:
            response = self._send("GET", f"{self.base}{page}", f"GET {page}")
            if response is not None:
                samples["page"].append((f"GET {page}", response))
        for kind, wanted in (("api", self.api_headers), ("page", self.page_headers)):
            if not samples[kind] or not wanted:
                continue
            for header in wanted:
                lacking = [label for label, r in samples[kind] if header.lower() not in r.headers]
                total = len(samples[kind])
                self.probes.append(
                    Probe(
                        "header",
                        f"{header} on {kind} responses",
                        not lacking,
                        f"present on all {total}"
                        if not lacking
                        else f"missing on {len(lacking)} of {total}, e.g. {lacking[0]}",
                    )
                )

    def _interfaces(self) -> None:
        parts = urlsplit(self.base)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        if not is_local(host):
            return  # another machine's interfaces cannot be listed from here
        for address in other_addresses(host):
            answered = answers(address, port)
            # the id leaves the port out: it changes every run, and waivers must keep matching
            self.probes.append(
                Probe(
                    "interface",
                    address,
                    not answered,
                    f"answered on {address} port {port} though configured for {host}"
                    if answered
                    else f"port {port} refused",
                )
            )

    def close(self) -> None:
        self.client.close()


def run_checks(
    handle: StackHandle, target: Target, settings: AuditSettings, root: Path | None = None
) -> Checker:
    """Run every probe; the returned checker holds `probes` and `unreached` requests."""
    checker = Checker(
        handle,
        target,
        list(settings.api_headers),
        list(settings.page_headers),
        list(settings.pages),
    )
    try:
        checker.run(root or Path.cwd())
    finally:
        checker.close()
    return checker
