"""A small real service with bearer logins, a paged list (offset/limit) one can add to, and a
read-only list paged by cursor. Defects are planted through CATALOG_BUGS:

- `leak`: the login handler logs the issued token at INFO;
- `paging`: every page of the items list drops its last item.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from pydantic import BaseModel, Field

log = logging.getLogger("catalog")
PASSWORD_ENV = "CATALOG_ADMIN_PASSWORD"


class Login(BaseModel):
    username: str
    password: str


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)


class Item(BaseModel):
    id: int
    name: str


class ItemPage(BaseModel):
    items: list[Item]
    total: int
    limit: int
    offset: int


class EventPage(BaseModel):
    events: list[dict[str, Any]]
    next_cursor: str | None


def create_app() -> FastAPI:
    bugs = set(filter(None, os.environ.get("CATALOG_BUGS", "").split(",")))
    password = os.environ[PASSWORD_ENV]
    tokens: set[str] = set()
    items: list[Item] = [Item(id=n, name=f"seed {n}") for n in range(1, 4)]
    events = [{"id": f"ev{n:02d}", "kind": "seeded"} for n in range(1, 8)]
    app = FastAPI(title="catalog")

    def caller(authorization: Annotated[str, Header()] = "") -> str:
        token = authorization.removeprefix("Bearer ")
        if token not in tokens:
            raise HTTPException(401, "a valid bearer token is needed")
        return token

    auth = Depends(caller)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/login")
    def login(body: Login) -> dict[str, str]:
        if body.password != password:
            raise HTTPException(401, "wrong password")
        token = secrets.token_urlsafe(24)
        tokens.add(token)
        if "leak" in bugs:
            log.info("user %s signed in with token %s", body.username, token)
        else:
            log.info("user %s signed in", body.username)
        return {"access_token": token}

    @app.get("/api/items", dependencies=[auth])
    def list_items(
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> ItemPage:
        page = items[offset : offset + limit]
        if "paging" in bugs:
            page = page[:-1]
        return ItemPage(items=page, total=len(items), limit=limit, offset=offset)

    @app.post("/api/items", dependencies=[auth], status_code=201)
    def add_item(body: ItemIn) -> Item:
        item = Item(id=len(items) + 1, name=body.name)
        items.append(item)
        return item

    @app.get("/api/events", dependencies=[auth])
    def list_events(limit: Annotated[int, Query(ge=1, le=20)] = 5, cursor: str = "") -> EventPage:
        start = next((i + 1 for i, e in enumerate(events) if e["id"] == cursor), 0)
        page = events[start : start + limit]
        more = start + limit < len(events)
        return EventPage(events=page, next_cursor=page[-1]["id"] if more and page else None)

    return app
