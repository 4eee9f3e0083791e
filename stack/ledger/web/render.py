"""Templates, the page route class (errors become HTML pages) and the UI faults.

Every value reaches HTML through Jinja2 with autoescaping on; pages load only the service's own
CSS and JS files, so they work under `Content-Security-Policy: default-src 'self'`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ledger.core.config import Settings
from ledger.core.db import DB_UNAVAILABLE_ERRORS

__all__ = ["UI_FAULTS", "PageRoute", "SignInRequired", "has_ui_fault", "page"]

HERE = Path(__file__).resolve().parent
# Deliberate UI breakage, honoured only by these pages, to prove the journeys catch it.
UI_FAULTS = frozenset({"ui_missing_label", "ui_report_off_by_one"})

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class SignInRequired(Exception):
    """The request has no valid sign-in cookie; the page route answers with a redirect."""


def has_ui_fault(request: Request, name: str) -> bool:
    settings: Settings = request.app.state.settings
    return name in UI_FAULTS and settings.has_fault(name)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template into a full HTML response."""
    context.setdefault("signed_in", bool(request.cookies.get("ledger_key")))
    context.setdefault("missing_label", has_ui_fault(request, "ui_missing_label"))
    body = _env.get_template(template).render(request_path=request.url.path, **context)
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    titles = {404: "Not found", 403: "Forbidden", 422: "Not valid", 503: "Unavailable"}
    title = titles.get(status_code, "Error")
    return page(request, "error.html", status_code, title=title, message=message)


class PageRoute(APIRoute):
    """A route whose HTTP errors become HTML pages, and a missing sign-in a redirect."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return RedirectResponse("/signin", status_code=303)
            except HTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail))
            except RequestValidationError:
                return error_page(request, 404, "There is no such page.")
            except DB_UNAVAILABLE_ERRORS:
                return error_page(request, 503, "The database is unavailable; retry shortly.")

        return handle
