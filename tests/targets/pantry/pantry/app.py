"""The pantry API: items and recipes, an account that logs in with a nested JSON body and sends
`Authorization: Token <token>`, reads with optional credentials, and operations that revoke or
demote the caller's own credential (logout, deleting its sessions, PATCH of its user), on the
PostgreSQL store of `store.py`."""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.security import APIKeyHeader
from psycopg.errors import UniqueViolation
from pydantic import BaseModel, Field

from . import store

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# a body that is not JSON at all is answered 400, before validation
NOT_JSON: dict[int | str, dict[str, Any]] = {400: {"description": "The body is not JSON."}}
# PostgreSQL refuses NUL in text: refused as invalid input rather than failing in the query
NO_NUL = r"^[^\x00]*$"
OPTIONAL: dict[str, Any] = {"security": [{}, {"TokenHeader": []}]}

token_header = APIKeyHeader(
    name="Authorization",
    scheme_name="TokenHeader",
    description="`Authorization: Token <token>`, the token from POST /api/users/login.",
    auto_error=False,
)


class Credentials(BaseModel):
    email: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=100, pattern=NO_NUL)


class LoginIn(BaseModel):
    user: Credentials


class UserOut(BaseModel):
    id: int
    email: str
    token: str = ""
    role: str
    is_active: bool


class LoginOut(BaseModel):
    user: UserOut


class UserPatch(BaseModel):
    email: str | None = Field(default=None, max_length=100, pattern=NO_NUL)
    role: str | None = Field(default=None, max_length=20, pattern=NO_NUL)
    is_active: bool | None = None


class Item(BaseModel):
    id: int
    name: str


class Recipe(BaseModel):
    slug: str
    title: str


class ItemPage(BaseModel):
    items: list[Item]


class Health(BaseModel):
    ok: bool


def database(request: Request) -> Iterator[store.Connection]:
    with store.connect(request.app.state.dsn) as conn:
        yield conn


# committed before the answer is sent: a client that uses its new token at once finds it
Conn = Annotated[store.Connection, Depends(database, scope="function")]


def caller(conn: Conn, header: Annotated[str | None, Depends(token_header)]) -> dict[str, Any]:
    scheme, _, token = (header or "").partition(" ")
    user = store.caller(conn, token) if scheme == "Token" else None
    if user is None:
        raise HTTPException(status_code=401, detail="Not authenticated")
    return user


Caller = Annotated[dict[str, Any], Depends(caller)]


def create_app(dsn: str | None = None) -> FastAPI:
    """The app on the database `dsn` (by default the one the environment names), whose tables
    and seed data are made when it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.dsn = dsn or store.conninfo(os.environ)
        with store.connect(app.state.dsn) as conn:
            store.prepare(conn, store.PASSWORD)
        yield

    app = FastAPI(title="pantry", version="1.0.0", lifespan=lifespan)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        answer: Response = await call_next(request)
        answer.headers.update(SECURITY_HEADERS)
        return answer

    bugs = set(os.environ.get("PANTRY_BUGS", "").split(","))

    def session(conn: store.Connection, user: dict[str, Any]) -> LoginOut:
        token = store.new_session(conn, user["id"])
        return LoginOut(user=UserOut(**user, token=token))

    def revoke(conn: store.Connection, user: dict[str, Any], bug: str) -> None:
        store.drop_sessions(conn, user["id"])
        if bug in bugs:
            conn.commit()  # the revocation stands, as it did before the answer failed
            raise HTTPException(status_code=500, detail=f"deliberate bug {bug!r}")

    @app.post("/api/users/login", response_model=LoginOut, responses={**NOT_JSON, 401: {}})
    def login(conn: Conn, body: LoginIn) -> LoginOut:
        found = store.authenticate(conn, body.user.email, body.user.password)
        if found is None:
            raise HTTPException(status_code=401, detail="Wrong email or password")
        return session(conn, found)

    @app.post(
        "/api/users", status_code=201, response_model=LoginOut, responses={**NOT_JSON, 409: {}}
    )
    def register(conn: Conn, body: LoginIn) -> LoginOut:
        added = store.add_user(conn, body.user.email, body.user.password)
        if added is None:
            raise HTTPException(status_code=409, detail="That email is taken")
        return session(conn, added)

    @app.get("/api/health-check/", response_model=Health)
    def health() -> Health:
        return Health(ok=True)

    @app.get("/api/items", response_model=ItemPage, responses={401: {}})
    def list_items(conn: Conn, _: Caller) -> ItemPage:
        return ItemPage(items=[Item(**row) for row in store.items(conn)])

    @app.get("/api/items/{item_id}", response_model=Item, responses={401: {}, 404: {}})
    def get_item(conn: Conn, _: Caller, item_id: int) -> Item:
        row = store.item(conn, item_id) if 0 < item_id <= store.MAX_ID else None
        if row is None:
            raise HTTPException(status_code=404, detail="No such item")
        return Item(**row)

    @app.get("/api/recipes", response_model=list[Recipe], openapi_extra=OPTIONAL)
    def list_recipes(conn: Conn) -> list[Recipe]:
        return [Recipe(**row) for row in store.recipes(conn)]

    @app.get(
        "/api/recipes/{slug}", response_model=Recipe, openapi_extra=OPTIONAL, responses={404: {}}
    )
    def get_recipe(conn: Conn, slug: str) -> Recipe:
        row = store.recipe(conn, slug) if "\x00" not in slug else None
        if row is None:
            raise HTTPException(status_code=404, detail="No such recipe")
        return Recipe(**row)

    @app.get("/api/shelves/{shelf_code}", response_model=Item, responses={401: {}, 404: {}})
    def get_shelf(_: Caller, shelf_code: str) -> Item:
        raise HTTPException(status_code=404, detail="No shelves yet")

    @app.get("/api/user", response_model=UserOut, responses={401: {}})
    def me(current: Caller) -> UserOut:
        return UserOut(**current)

    # digits only: "login" and "logout" are other routes, whose other methods answer 405
    @app.patch(
        "/api/users/{user_id:int}",
        response_model=UserOut,
        responses={**NOT_JSON, 401: {}, 404: {}, 409: {}},
    )
    def update_user(conn: Conn, current: Caller, user_id: int, body: UserPatch) -> UserOut:
        if user_id != current["id"]:
            raise HTTPException(status_code=404, detail="No such user")
        try:
            changed = store.update_user(conn, user_id, body.model_dump(exclude_none=True))
        except UniqueViolation:
            raise HTTPException(status_code=409, detail="That email is taken") from None
        return UserOut(**(changed or current))

    @app.delete("/api/user/sessions", status_code=204, responses={401: {}})
    def drop_sessions(conn: Conn, current: Caller) -> None:
        revoke(conn, current, "sessions")

    @app.post("/api/users/logout", status_code=204, responses={401: {}})
    def logout(conn: Conn, current: Caller) -> None:
        revoke(conn, current, "logout")

    return app
