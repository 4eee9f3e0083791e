"""The pantry API: items and recipes, an account that logs in with a nested JSON body and sends
`Authorization: Token <token>`, reads with optional credentials, and operations that revoke or
demote the caller's own credential (logout, deleting its sessions, PATCH of its user)."""

import os
import secrets
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

EMAIL = "cook@example.com"
PASSWORD = os.environ.get("PANTRY_PASSWORD", "sugar and salt")
OPTIONAL: dict[str, Any] = {"security": [{}, {"TokenHeader": []}]}

token_header = APIKeyHeader(
    name="Authorization",
    scheme_name="TokenHeader",
    description="`Authorization: Token <token>`, the token from POST /api/users/login.",
    auto_error=False,
)


class Credentials(BaseModel):
    email: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=100)


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
    email: str | None = Field(default=None, max_length=100)
    role: str | None = Field(default=None, max_length=20)
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


def create_app() -> FastAPI:
    app = FastAPI(title="pantry", version="1.0.0")
    bugs = set(os.environ.get("PANTRY_BUGS", "").split(","))
    users: dict[int, dict[str, Any]] = {}
    passwords: dict[int, str] = {}
    sessions: dict[str, int] = {}  # token -> user id
    items = {7: Item(id=7, name="flour"), 9: Item(id=9, name="eggs")}
    recipes = {"pancakes": Recipe(slug="pancakes", title="Pancakes")}

    def add_user(email: str, password: str, role: str) -> dict[str, Any]:
        uid = len(users) + 1
        user: dict[str, Any] = {"id": uid, "email": email, "role": role, "is_active": True}
        users[uid] = user
        passwords[uid] = password
        return user

    def session(user: dict[str, Any]) -> LoginOut:
        token = secrets.token_urlsafe(16)
        sessions[token] = user["id"]
        return LoginOut(user=UserOut(**user, token=token))

    def caller(header: Annotated[str | None, Depends(token_header)]) -> dict[str, Any]:
        scheme, _, token = (header or "").partition(" ")
        user = users.get(sessions.get(token, 0)) if scheme == "Token" else None
        if user is None or not user["is_active"]:
            raise HTTPException(status_code=401, detail="Not authenticated")
        return user

    def revoke(user: dict[str, Any], bug: str) -> None:
        for token in [t for t, uid in sessions.items() if uid == user["id"]]:
            del sessions[token]
        if bug in bugs:
            raise HTTPException(status_code=500, detail=f"deliberate bug {bug!r}")

    add_user(EMAIL, PASSWORD, "admin")
    Caller = Annotated[dict[str, Any], Depends(caller)]

    @app.post("/api/users/login", response_model=LoginOut, responses={401: {}})
    def login(body: LoginIn) -> LoginOut:
        found = [u for u in users.values() if u["email"] == body.user.email]
        if not found or passwords[found[0]["id"]] != body.user.password:
            raise HTTPException(status_code=401, detail="Wrong email or password")
        if not found[0]["is_active"]:
            raise HTTPException(status_code=401, detail="Wrong email or password")
        return session(found[0])

    @app.post("/api/users", status_code=201, response_model=LoginOut, responses={409: {}})
    def register(body: LoginIn) -> LoginOut:
        if any(u["email"] == body.user.email for u in users.values()):
            raise HTTPException(status_code=409, detail="That email is taken")
        return session(add_user(body.user.email, body.user.password, "cook"))

    @app.get("/api/health-check/", response_model=Health)
    def health() -> Health:
        return Health(ok=True)

    @app.get("/api/items", response_model=ItemPage, responses={401: {}})
    def list_items(_: Caller) -> ItemPage:
        return ItemPage(items=list(items.values()))

    @app.get("/api/items/{item_id}", response_model=Item, responses={401: {}, 404: {}})
    def get_item(_: Caller, item_id: int) -> Item:
        if item_id not in items:
            raise HTTPException(status_code=404, detail="No such item")
        return items[item_id]

    @app.get("/api/recipes", response_model=list[Recipe], openapi_extra=OPTIONAL)
    def list_recipes() -> list[Recipe]:
        return list(recipes.values())

    @app.get(
        "/api/recipes/{slug}", response_model=Recipe, openapi_extra=OPTIONAL, responses={404: {}}
    )
    def get_recipe(slug: str) -> Recipe:
        if slug not in recipes:
            raise HTTPException(status_code=404, detail="No such recipe")
        return recipes[slug]

    @app.get("/api/shelves/{shelf_code}", response_model=Item, responses={401: {}, 404: {}})
    def get_shelf(_: Caller, shelf_code: str) -> Item:
        raise HTTPException(status_code=404, detail="No shelves yet")

    @app.get("/api/user", response_model=UserOut, responses={401: {}})
    def me(current: Caller) -> UserOut:
        return UserOut(**current)

    @app.patch("/api/users/{user_id}", response_model=UserOut, responses={401: {}, 404: {}})
    def update_user(current: Caller, user_id: int, body: UserPatch) -> UserOut:
        if user_id != current["id"]:
            raise HTTPException(status_code=404, detail="No such user")
        current.update(body.model_dump(exclude_none=True))
        return UserOut(**current)

    @app.delete("/api/user/sessions", status_code=204, responses={401: {}})
    def drop_sessions(current: Caller) -> None:
        revoke(current, "sessions")

    @app.post("/api/users/logout", status_code=204, responses={401: {}})
    def logout(current: Caller) -> None:
        revoke(current, "logout")

    return app
