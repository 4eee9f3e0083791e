"""Pure-ASGI middleware: security headers, request metrics, the `stall` and `slow_job_list`
faults."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.core.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS

__all__ = ["ObservedApp"]

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'self'"),
    (b"referrer-policy", b"no-referrer"),
]
_NO_STORE = (b"cache-control", b"no-store")
UNMATCHED_ROUTE = "<unmatched>"
_ERROR_BODY = b'{"detail":"Internal server error."}'

log = logging.getLogger("ledger.api")
# the slow_job_list fault: one endpoint answers this much later, every other as before
SLOW_PATH, SLOW_S = "/api/v1/jobs", 0.001


class ObservedApp:
    """Wraps the whole app, so even error responses carry the headers and get counted."""

    def __init__(self, app: ASGIApp, state: Any):
        self.app = app
        self.state = state  # the FastAPI app.state: holds `stall_until` when the fault is on

    def _slow_job_list(self) -> bool:
        settings = getattr(self.state, "settings", None)
        return settings is not None and bool(settings.has_fault("slow_job_list"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        stall_until: float = getattr(self.state, "stall_until", 0.0)
        wait = stall_until - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        is_api = scope["path"].startswith("/api")
        if scope["path"] == SLOW_PATH and scope["method"] == "GET" and self._slow_job_list():
            await asyncio.sleep(SLOW_S)
        status_code = 500
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status_code, started
            if message["type"] == "http.response.start":
                started = True
                status_code = message["status"]
                headers = list(message.get("headers", []))
                headers.extend(_SECURITY_HEADERS)
                if is_api:
                    headers.append(_NO_STORE)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # Starlette re-raises after its 500 handler answered; swallowing it here keeps
            # uvicorn from dropping the keep-alive connection under the client's next request.
            if not started:
                log.exception("unhandled error before any response")
                await send_wrapper(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send_wrapper({"type": "http.response.body", "body": _ERROR_BODY})
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED_ROUTE
            method = scope["method"]
            HTTP_REQUESTS.labels(method, template, str(status_code)).inc()
            HTTP_REQUEST_DURATION.labels(method, template).observe(time.perf_counter() - start)
