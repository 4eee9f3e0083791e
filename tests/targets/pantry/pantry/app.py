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
    user: dict[str, Any] = {"id": 1, "email": EMAIL, "role": "admin", "is_active": True}
    sessions: set[str] = set()
    items = {7: Item(id=7, name="flour"), 9: Item(id=9, name="eggs")}
    recipes = {"pancakes": Recipe(slug="pancakes", title="Pancakes")}

    def caller(header: Annotated[str | None, Depends(token_header)]) -> dict[str, Any]:
        scheme, _, token = (header or "").partition(" ")
        if scheme != "Token" or token not in sessions or not user["is_active"]:
            raise HTTPException(status_code=401, detail="Not authenticated")
        return user

    Caller = Annotated[dict[str, Any], Depends(caller)]

    @app.post("/api/users/login", response_model=LoginOut, responses={401: {}})
    def login(body: LoginIn) -> LoginOut:
        if (body.user.email, body.user.password) != (EMAIL, PASSWORD) or not user["is_active"]:
            raise HTTPException(status_code=401, detail="Wrong email or password")
        token = secrets.token_urlsafe(16)
        sessions.add(token)
        return LoginOut(user=UserOut(**user, token=token))

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
        user.update(body.model_dump(exclude_none=True))
        return UserOut(**user)

    @app.delete("/api/user/sessions", status_code=204, responses={401: {}})
    def drop_sessions(_: Caller) -> None:
        sessions.clear()

    @app.post("/api/users/logout", status_code=204, responses={401: {}})
    def logout(_: Caller) -> None:
        sessions.clear()

    return app
