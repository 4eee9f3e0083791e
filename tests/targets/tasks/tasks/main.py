"""The application: routes, security headers on every answer, JSON errors."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api.main import api_router
from .core.config import API_V1_STR, Settings

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'"),
)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, sending if scope["type"] == "http" else send)


def _printable(value: Any) -> Any:
    """`value` with every string made valid UTF-8 (an echoed input may hold lone surrogates)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list | tuple):
        return [_printable(item) for item in value]
    if isinstance(value, dict):
        return {_printable(key): _printable(item) for key, item in value.items()}
    return value


async def _validation_error(request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse({"detail": _printable(jsonable_encoder(errors))}, status_code=422)


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the document lists for `path`: its own entry when it has one ("/users/me"),
    else every templated entry it matches ("/users/{user_id}")."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    if path in paths:
        return sorted(method.upper() for method in paths[path])
    return sorted(
        {
            method.upper()
            for template, item in paths.items()
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
            for method in item
        }
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """JSON errors, with a 405's `Allow` naming every method the path accepts (Starlette names
    only those of the first route that matched the path)."""
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request.app, request.url.path))
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="tasks",
        version="1.0.0",
        openapi_url=f"{API_V1_STR}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.include_router(api_router, prefix=API_V1_STR)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(SecurityHeaders)
    return app
