"""A loopback OSV query endpoint over a local advisory directory, for air-gapped audits.

It answers the two OSV API calls pip-audit and other clients make: POST /v1/query with
`{"package": {"name", "ecosystem"}, "version"}` and POST /v1/querybatch with `{"queries": [...]}`.
Only the PyPI ecosystem is served; any other query is refused with 400, so a client that asks
about something the snapshot cannot answer fails loudly instead of hearing "no vulnerabilities".
An answer the endpoint cannot build is a 500 with the reason, kept in `OsvServer.errors`, never a
dropped connection.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from packaging.utils import canonicalize_name

from signoff.interrupts import quiet
from signoff.security.advisories import Advisory, AdvisoryDB

MAX_BODY = 1 << 20


class QueryError(ValueError):
    """A query the endpoint cannot answer."""


def answer(db: AdvisoryDB, query: Mapping[str, Any]) -> list[Advisory]:
    """The advisories for one OSV query, with package names normalized.

    Names come back PEP 503-normalized because clients (pip-audit among them) compare them with
    the canonical name to find the fix versions.
    """
    package = query.get("package")
    version = query.get("version")
    if not isinstance(package, dict) or not isinstance(version, str) or not version:
        raise QueryError("a query needs package.name, package.ecosystem and version")
    if package.get("ecosystem") != "PyPI" or not isinstance(package.get("name"), str):
        raise QueryError("only PyPI packages are served")
    found = []
    for advisory in db.query(package["name"], version):
        served = copy.deepcopy(advisory)
        for entry in served.get("affected") or []:
            pkg = entry.get("package") or {}
            if pkg.get("ecosystem") == "PyPI" and "name" in pkg:
                pkg["name"] = canonicalize_name(str(pkg["name"]))
        found.append(served)
    return found


class _Handler(BaseHTTPRequestHandler):
    server: OsvServer

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log.append(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}")

    def _reply(self, code: int, payload: Mapping[str, Any]) -> None:
        body = json.dumps(payload, allow_nan=False).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self._guarded(self._post)

    def do_GET(self) -> None:
        self._guarded(self._get)

    def _guarded(self, handle: Callable[[], None]) -> None:
        try:
            handle()
        except Exception as exc:  # a client must hear why, not see the connection drop
            reason = f"{self.command} {self.path} failed: {type(exc).__name__}: {exc}"
            self.server.errors.append(reason)
            self._reply(500, {"message": reason})

    def _post(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            self._reply(400, {"message": "a JSON body is required"})
            return
        try:
            code, payload = self._route(json.loads(self.rfile.read(length)))
        except (QueryError, ValueError, AttributeError) as exc:
            code, payload = 400, {"message": str(exc)}
        # outside the `except`: an answer that cannot be encoded is the endpoint's fault (500)
        self._reply(code, payload)

    def _route(self, data: Any) -> tuple[int, dict[str, Any]]:
        if self.path == "/v1/query":
            vulns = answer(self.server.db, data)
            self.server.count(1)
            return 200, {"vulns": vulns} if vulns else {}
        if self.path == "/v1/querybatch":
            queries = data.get("queries")
            if not isinstance(queries, list):
                raise QueryError("querybatch needs a list of queries")
            results = [answer(self.server.db, q) for q in queries]
            self.server.count(len(queries))
            brief = [
                [{"id": v["id"], "modified": v.get("modified", "")} for v in r] for r in results
            ]
            return 200, {"results": [{"vulns": r} if r else {} for r in brief]}
        return 404, {"message": f"no route {self.path}"}

    def _get(self) -> None:
        if self.path.startswith("/v1/vulns/"):
            advisory = self.server.db.by_id.get(self.path.removeprefix("/v1/vulns/"))
            if advisory is not None:
                self._reply(200, advisory)
                return
        self._reply(404, {"message": f"no route {self.path}"})


class OsvServer(ThreadingHTTPServer):
    """The endpoint on 127.0.0.1 in a background thread; a context manager that always stops."""

    daemon_threads = True

    def __init__(self, db: AdvisoryDB, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.db = db
        self.log: list[str] = []
        self.errors: list[str] = []  # answers that could not be built, one sentence each
        self.queries = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def count(self, queries: int) -> None:
        with self._lock:
            self.queries += queries

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/v1/query"

    def __enter__(self) -> OsvServer:
        self._thread = threading.Thread(target=self.serve_forever, name="osv", daemon=True)
        quiet(self._thread.start)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
