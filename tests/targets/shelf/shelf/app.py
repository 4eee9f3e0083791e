"""The shelf API: accounts hold items; a bearer token names the account.

Bugs on purpose (SHELF_BUGS, comma-separated): `bola` reads an item by id without the owner
filter; `list` lists every account's items; `db500` answers 500 instead of the documented 503
while the database is down; `nplus1` reads every listed item again, one query per item;
`pagebola` shows any item's card page (a route outside the document, signed in by the
`shelf_session` cookie) without the owner filter.
`quietdelete` is no authorization bug: a DELETE of what the caller
does not own answers 204 and deletes nothing (idempotent deletion). `readerwrites` lets a
`reader` account create items (the role check of `POST /api/items` is missing).

An account's role is `member` (the default) or `reader`, who may only read: its writes to
`/api/items` answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg.rows import dict_row
from pydantic import BaseModel, Field

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id serial PRIMARY KEY, name text, token text UNIQUE, role text NOT NULL DEFAULT 'member'
);
CREATE TABLE IF NOT EXISTS items (
    id serial PRIMARY KEY, account_id int NOT NULL REFERENCES accounts, title text NOT NULL
);
"""
DOWN: dict[int | str, dict[str, Any]] = {503: {"description": "The database is unavailable."}}
DENIED: dict[int | str, dict[str, Any]] = {401: {"description": "No valid token."}, **DOWN}
MISSING: dict[int | str, dict[str, Any]] = {404: {"description": "No such item."}, **DENIED}
READER = "reader"  # a role that may only read
READONLY: dict[int | str, dict[str, Any]] = {403: {"description": "The account may only read."}}


def connect(dsn: str) -> psycopg.Connection[dict[str, Any]]:
    return psycopg.connect(dsn, autocommit=True, row_factory=dict_row, connect_timeout=2)


def create_schema(dsn: str) -> None:
    with connect(dsn) as conn:
        conn.execute(SCHEMA)


class ItemIn(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=100)]


class ItemOut(BaseModel):
    id: int
    title: str


@dataclass(frozen=True)
class Shelf:
    dsn: str
    bugs: frozenset[str]


def shelf(request: Request) -> Shelf:
    found = request.app.state.shelf
    assert isinstance(found, Shelf)
    return found


ShelfDep = Annotated[Shelf, Depends(shelf)]
bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Caller:
    id: int
    role: str


def caller(
    app: ShelfDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    token = credentials.credentials if credentials else ""
    with connect(app.dsn) as conn:
        row = conn.execute("SELECT id, role FROM accounts WHERE token = %s", (token,)).fetchone()
    if row is None:
        raise HTTPException(401, "No valid token.")
    return Caller(int(row["id"]), str(row["role"]))


CallerDep = Annotated[Caller, Depends(caller)]


def account(who: CallerDep) -> int:
    return who.id


def writer(who: CallerDep) -> int:
    if who.role == READER:
        raise HTTPException(403, "The account may only read.")
    return who.id


Account = Annotated[int, Depends(account)]
Writer = Annotated[int, Depends(writer)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
router = APIRouter()


@router.get("/healthz", responses=DOWN)
def healthz(app: ShelfDep) -> JSONResponse:
    try:
        with connect(app.dsn) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return JSONResponse({"ok": False}, status_code=503)
    return JSONResponse({"ok": True})


@router.post(
    "/api/items", status_code=201, response_model=ItemOut, responses={**DENIED, **READONLY}
)
def create_item(app: ShelfDep, item: ItemIn, who: CallerDep) -> dict[str, Any]:
    owner = who.id if "readerwrites" in app.bugs else writer(who)
    with connect(app.dsn) as conn:
        row = conn.execute(
            "INSERT INTO items (account_id, title) VALUES (%s, %s) RETURNING id, title",
            (owner, item.title),
        ).fetchone()
    assert row is not None
    return dict(row)


@router.get("/api/items", response_model=list[ItemOut], responses=DENIED)
def list_items(app: ShelfDep, owner: Account) -> list[dict[str, Any]]:
    everyone = "list" in app.bugs
    with connect(app.dsn) as conn:
        rows = conn.execute(
            "SELECT id, title FROM items WHERE %s OR account_id = %s ORDER BY id",
            (everyone, owner),
        ).fetchall()
        if "nplus1" in app.bugs:
            rows = [
                conn.execute("SELECT id, title FROM items WHERE id = %s", (row["id"],)).fetchone()
                or row
                for row in rows
            ]
        return rows


@router.get("/api/items/{item_id}", response_model=ItemOut, responses=MISSING)
def get_item(app: ShelfDep, item_id: ItemId, owner: Account) -> dict[str, Any]:
    anyone = "bola" in app.bugs
    with connect(app.dsn) as conn:
        row = conn.execute(
            "SELECT id, title FROM items WHERE id = %s AND (%s OR account_id = %s)",
            (item_id, anyone, owner),
        ).fetchone()
    if row is None:
        raise HTTPException(404, "No such item.")
    return dict(row)


@router.delete("/api/items/{item_id}", status_code=204, responses={**MISSING, **READONLY})
def delete_item(app: ShelfDep, item_id: ItemId, owner: Writer) -> None:
    with connect(app.dsn) as conn:
        done = conn.execute("DELETE FROM items WHERE id = %s AND account_id = %s", (item_id, owner))
    if done.rowcount != 1 and "quietdelete" not in app.bugs:
        raise HTTPException(404, "No such item.")


@router.get("/items/{item_id}/card", include_in_schema=False)
def item_card(request: Request, app: ShelfDep, item_id: ItemId) -> JSONResponse:
    """What a page polls: signed in by the cookie, which holds the account's token."""
    token = request.cookies.get("shelf_session", "")
    anyone = "pagebola" in app.bugs
    with connect(app.dsn) as conn:
        owner = conn.execute("SELECT id FROM accounts WHERE token = %s", (token,)).fetchone()
        if owner is None:
            raise HTTPException(401, "Not signed in.")
        row = conn.execute(
            "SELECT id, title FROM items WHERE id = %s AND (%s OR account_id = %s)",
            (item_id, anyone, owner["id"]),
        ).fetchone()
    if row is None:
        raise HTTPException(404, "No such item.")
    return JSONResponse({"title": row["title"]}, headers={"Cache-Control": "no-store"})


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "The database is unavailable."}, status_code=503)


def create_app(dsn: str, bugs: frozenset[str]) -> FastAPI:
    app = FastAPI(title="shelf")
    app.state.shelf = Shelf(dsn, bugs)
    app.include_router(router)
    from .prices import install  # prices import this module: their routes come in here

    install(app, dsn, bugs)
    if "db500" not in bugs:
        app.add_exception_handler(psycopg.OperationalError, _unavailable)
    return app
