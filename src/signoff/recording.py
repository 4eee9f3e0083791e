"""The requests a layer's own clients made to the stack, kept in `<layer>/requests.json` for
the authz layer to replay as another identity: a route only a page or a suite calls is tried too.

Each row is the method, the URL, and where the stack's credential rode (`carrier`): a header
(`header:authorization`), a cookie (`cookie:session`), or nowhere (""). A suite's HTTP clients
(httpx) and its browser contexts (Playwright) are recorded while `RequestLog.install` holds;
only requests to the stack's own origin are kept, and no header or body, so the log holds no
secret. The smoke layer writes its own rows in the same file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

__all__ = ["FILE", "Recorded", "RequestLog", "carrier_of", "read"]

FILE = "requests.json"
KEPT = 5000  # rows a layer keeps: a long polling journey repeats itself


@dataclass(frozen=True)
class Recorded:
    """One request a layer made: what authz needs to send it again as someone else."""

    method: str
    url: str
    carrier: str = ""


def carrier_of(headers: Mapping[str, str], credentials: Iterable[str]) -> str:
    """Where one of `credentials` rode in a request's headers: `cookie:NAME`, `header:name`,
    or "" (a request without the stack's credential, or with one it does not know)."""
    known = [c for c in credentials if c]
    for name, value in headers.items():
        if name.lower() == "cookie":
            for cookie, morsel in _cookies(value).items():
                if any(c in morsel for c in known):
                    return f"cookie:{cookie}"
        elif any(c in value for c in known):
            return f"header:{name.lower()}"  # header names are not case-sensitive
    return ""


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def read(path: Path) -> list[Recorded]:
    """The rows of one layer's log (none when it is missing or unreadable)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get("url"):
            method = str(row.get("method", "GET")).upper()
            found.append(Recorded(method, str(row["url"]), str(row.get("carrier", ""))))
    return found


class RequestLog:
    """The requests to `base_url`'s origin that this process's clients make while installed."""

    def __init__(self, base_url: str, credentials: Callable[[], list[str]]) -> None:
        parts = urlsplit(base_url)
        self.origin = (parts.scheme, parts.netloc)
        self.credentials = credentials  # read at each request: identities are made mid-run
        self.rows: dict[Recorded, None] = {}  # ordered and without repeats
        self._lock = threading.Lock()

    def add(self, method: str, url: str, headers: Mapping[str, str]) -> None:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != self.origin:
            return
        row = Recorded(method.upper(), url, carrier_of(headers, self.credentials()))
        with self._lock:
            if len(self.rows) < KEPT:
                self.rows.setdefault(row, None)

    def save(self, path: Path) -> None:
        """Written next to what the layer's other clients kept (rows are added once)."""
        with self._lock:
            rows = dict.fromkeys([*read(path), *self.rows])
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps([asdict(r) for r in rows], indent=2)
        path.write_text(text + "\n", encoding="utf-8")

    @contextmanager
    def install(self) -> Iterator[RequestLog]:
        """Record httpx's and Playwright's requests in this process until the block ends."""
        with ExitStack() as stack:
            stack.enter_context(_patched(httpx.HTTPTransport, "handle_request", self._httpx))
            browser = _playwright_browser()
            if browser is not None:
                stack.enter_context(_patched(browser, "new_context", self._context))
                stack.enter_context(_patched(browser, "new_page", self._page))
            yield self

    def _httpx(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def handle_request(transport: Any, request: httpx.Request) -> Any:
            self.add(request.method, str(request.url), dict(request.headers))
            return original(transport, request)

        return handle_request

    def _watch(self, context: Any) -> None:
        def on_request(request: Any) -> None:
            if urlsplit(request.url)[:2] == self.origin:  # all_headers asks the browser
                self.add(request.method, request.url, request.all_headers())

        context.on("request", on_request)

    def _context(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def new_context(browser: Any, *args: Any, **kwargs: Any) -> Any:
            context = original(browser, *args, **kwargs)
            self._watch(context)
            return context

        return new_context

    def _page(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def new_page(browser: Any, *args: Any, **kwargs: Any) -> Any:
            page = original(browser, *args, **kwargs)
            self._watch(page.context)  # a page of its own context, made inside the browser
            return page

        return new_page


def _playwright_browser() -> type | None:
    try:
        from playwright.sync_api import Browser
    except ImportError:  # a suite without a browser
        return None
    return Browser


@contextmanager
def _patched(
    owner: type, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, wrap(original))
    try:
        yield
    finally:
        setattr(owner, name, original)
