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
from typing import Any
from urllib.parse import urlsplit

import httpx

from signoff.errors import EvidenceError
from signoff.security.interfaces import answers, is_local, other_addresses

METHODS = ("get", "post", "put", "patch", "delete")
LEAKS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"]+", line \d+'),
    re.compile(r"site-packages|dist-packages"),
    re.compile(r"/(usr|opt|home|root|tmp|srv|work)/[\w./-]+\.py"),
    re.compile(r"\b(psycopg|sqlalchemy|asyncpg|redis\.exceptions)\b", re.IGNORECASE),
]
BAD_KEY = "lk_signoff-invalid-key-for-audit"


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


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    has_body: bool
    params: dict[str, dict[str, Any]]  # path parameter -> its schema
    html: bool = False  # a page: one of its responses is text/html

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def url(self, base: str, bad_types: bool = False) -> str:
        path = self.path
        for param, schema in self.params.items():
            path = path.replace("{" + param + "}", _sample(schema, bad_types))
        return base + path


def _sample(schema: dict[str, Any], bad_types: bool) -> str:
    """A path value: valid in type but naming nothing that exists, or of the wrong type.

    A far-off id means a route that wrongly answers without a key reports 404 instead of
    deleting or changing a real object on a shared deployment.
    """
    if bad_types:
        return "not-a-number"
    if schema.get("type") in ("integer", "number"):
        return "987654321"
    choices = schema.get("enum")
    if isinstance(choices, list) and choices:
        return str(choices[0])
    return "signoff-audit-absent"


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI 3 document."""
    found = []
    for path, item in (document.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            params = {
                str(p["name"]): _schema(document, p.get("schema") or {})
                for p in [*(item.get("parameters") or []), *(op.get("parameters") or [])]
                if p.get("in") == "path"
            }
            html = any(
                "text/html" in (r.get("content") or {})
                for r in (op.get("responses") or {}).values()
                if isinstance(r, dict)
            )
            found.append(Operation(method, str(path), "requestBody" in op, params, html))
    return found


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema with one local `$ref` (FastAPI puts enums in components) resolved."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target if isinstance(target, dict) else {}
    return schema


def is_public(op: Operation, public: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(op.name, pattern) for pattern in public)


def leak_in(text: str) -> str | None:
    for pattern in LEAKS:
        match = pattern.search(text)
        if match:
            return match.group(0)[:120]
    return None


class Checker:
    """Runs every probe against `base_url`; the API key is used only for error provocations."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        public: list[str],
        api_headers: list[str],
        page_headers: list[str],
        pages: list[str],
        timeout: float = 10.0,
    ) -> None:
        self.base = base_url.rstrip("/")
        self.key = api_key
        self.public = public
        self.api_headers = api_headers
        self.page_headers = page_headers
        self.pages = pages
        self.client = httpx.Client(timeout=timeout, follow_redirects=False)
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
        if urlsplit(url).path.startswith("/api"):
            self._api.append((label, response))
        return response

    def document(self) -> dict[str, Any]:
        try:
            response = self.client.get(f"{self.base}/openapi.json")
            response.raise_for_status()
            data: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise EvidenceError(
                f"{self.base}/openapi.json could not be read: {exc}.",
                hint="the HTTP checks derive their routes from it.",
            ) from exc
        if not data.get("paths"):
            raise EvidenceError(f"{self.base}/openapi.json lists no paths.")
        return data

    def run(self) -> list[Probe]:
        ops = operations(self.document())
        for op in ops:
            if not is_public(op, self.public):
                self._auth(op)
        self._provoke(ops)
        pages = [op.path for op in ops if op.html and op.method == "get" and not op.params]
        self._headers(list(dict.fromkeys([*self.pages, *pages])))
        self._interfaces()
        return self.probes

    def _auth(self, op: Operation) -> None:
        body: dict[str, Any] = {"json": {}} if op.has_body else {}
        for label, headers in (("no key", {}), ("bad key", {"Authorization": f"Bearer {BAD_KEY}"})):
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
        auth = {"Authorization": f"Bearer {self.key}"}
        self._send("GET", f"{self.base}/signoff-audit-missing-page", "GET unknown path")
        self._send("GET", f"{self.base}/api/v1/signoff-audit-missing", "GET unknown API path")
        for op in ops:
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


def run_checks(base_url: str, api_key: str, settings: dict[str, Any]) -> Checker:
    """Run every probe; the returned checker holds `probes` and `unreached` requests."""
    checker = Checker(
        base_url,
        api_key,
        list(settings["public_routes"]),
        list(settings["api_headers"]),
        list(settings["page_headers"]),
        list(settings["pages"]),
    )
    try:
        checker.run()
    finally:
        checker.close()
    return checker
