"""Prometheus metrics in a registry of the app's own, and the ASGI middleware that feeds them.

The middleware is also where every response gets the security headers and where an unhandled
exception becomes a JSON 500 (so that response carries the headers and is counted too).
"""

from __future__ import annotations

import json
import logging
import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("notebook")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'"),
)
_OWN_HEADERS = frozenset(name for name, _ in SECURITY_HEADERS)

UNMATCHED = "unmatched"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "notebook_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "notebook_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.notes_created = Counter(
            "notebook_notes_created",
            "Notes created.",
            registry=self.registry,
        )


def _route_of(scope: Scope) -> str:
    """The matched route's template (never the raw path: fuzzers would explode the labels)."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    # Routes FastAPI adds itself (the OpenAPI document) do not record themselves in the scope.
    for route in getattr(scope.get("app"), "routes", ()):
        template = getattr(route, "path", None)
        regex = getattr(route, "path_regex", None)
        if isinstance(template, str) and regex is not None and regex.match(scope["path"]):
            return template
    return UNMATCHED


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = int(message["status"])
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in _OWN_HEADERS
                ]
                message = {**message, "headers": [*headers, *SECURITY_HEADERS]}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if response_started:
                raise
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            await _send_500(send_wrapper)
        finally:
            method = str(scope.get("method", ""))
            route = _route_of(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(time.perf_counter() - started)


async def _send_500(send: Send) -> None:
    body = json.dumps({"detail": "Internal Server Error"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
