"""Webhook pages (list, add, delete), the status page, and the pages' own CSS and JS files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from ledger.api.deps import CacheDep, DbDep, IdPath, PageParams
from ledger.api.routes import health as health_api
from ledger.api.routes import webhooks as webhooks_api
from ledger.api.schemas import WebhookCreate
from ledger.core.db import Database
from ledger.core.security import Principal
from ledger.web.auth import WebTenant, same_origin
from ledger.web.render import HERE, PageRoute, page

__all__ = ["router"]

router = APIRouter(
    route_class=PageRoute, include_in_schema=False, dependencies=[Depends(same_origin)]
)

# The only files served from static/: a fixed list, never a path taken from the request.
STATIC = {"web.css": "text/css; charset=utf-8", "web.js": "text/javascript; charset=utf-8"}


def _webhooks_page(
    request: Request, tenant: Principal, db: Database, status_code: int = 200, **extra: Any
) -> Response:
    hooks = webhooks_api.list_webhooks(tenant, db, PageParams(100, 0))["items"]
    extra.setdefault("errors", [])
    extra.setdefault("created", None)
    extra.setdefault("url", "")
    return page(request, "webhooks.html", status_code, hooks=hooks, **extra)


@router.get("/webhooks")
def webhooks_list(request: Request, tenant: WebTenant, db: DbDep) -> Response:
    return _webhooks_page(request, tenant, db)


@router.post("/webhooks")
def webhooks_add(
    request: Request, tenant: WebTenant, db: DbDep, url: Annotated[str, Form()] = ""
) -> Response:
    try:
        body = WebhookCreate.model_validate({"url": url.strip(), "events": ["run.completed"]})
    except ValidationError:
        errors = ["Webhook URL: give an absolute http:// or https:// address."]
        return _webhooks_page(request, tenant, db, 422, errors=errors, url=url)
    created = webhooks_api.create_webhook(body, tenant, db)
    # Rendered, not redirected: the signing secret is shown this once and never again.
    return _webhooks_page(request, tenant, db, 201, created=created)


@router.post("/webhooks/{webhook_id}/delete")
def webhooks_delete(webhook_id: IdPath, tenant: WebTenant, db: DbDep) -> Response:
    webhooks_api.delete_webhook(webhook_id, tenant, db)
    return RedirectResponse("/webhooks", status_code=303)


@router.get("/status")
def status_page(request: Request, db: DbDep, cache: CacheDep) -> Response:
    answer = Response()
    readiness = health_api.ready(db, cache, answer)
    return page(request, "status.html", answer.status_code or 200, readiness=readiness)


@router.get("/favicon.ico")
def favicon() -> Response:
    # Browsers ask for it on every page; an empty answer keeps their consoles free of 404s.
    return Response(status_code=204)


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    media = STATIC.get(name)
    if media is None:
        return Response("Not found.", status_code=404, media_type="text/plain")
    body = (HERE / "static" / name).read_bytes()
    return Response(body, media_type=media, headers={"Cache-Control": "no-cache"})
