"""The notebook HTTP API: private notes per account, bearer sessions, PostgreSQL storage."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import auth
from .db import Database, NoteRow
from .metrics import Metrics, ObserveMiddleware

log = logging.getLogger("notebook")

KNOWN_BUGS = frozenset({"crash", "open", "shared", "noadmin"})
MAX_NOTE_ID = 2**62
# PostgreSQL refuses NUL in text, so the schema (and the validation) exclude it up front.
NO_NUL = r"^[^\x00]*$"


class ConfigError(Exception):
    """The environment does not describe a runnable service."""


@dataclass(frozen=True)
class Settings:
    dsn: str
    admin_user: str
    admin_password: str
    bugs: frozenset[str]
    startup_timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        dsn = env.get("NOTEBOOK_DSN", "").strip()
        if not dsn:
            raise ConfigError("NOTEBOOK_DSN (a PostgreSQL DSN) is required.")
        user = env.get("NOTEBOOK_ADMIN_USER", "admin").strip() or "admin"
        password = env.get("NOTEBOOK_ADMIN_PASSWORD", "")
        if not password:
            raise ConfigError("NOTEBOOK_ADMIN_PASSWORD is required.")
        if len(user) > 64 or len(password) > 256 or "\x00" in user + password:
            raise ConfigError("The admin user (<= 64) or password (<= 256) is too long or has NUL.")
        bugs = frozenset(b.strip() for b in env.get("NOTEBOOK_BUGS", "").split(",") if b.strip())
        unknown = sorted(bugs - KNOWN_BUGS)
        if unknown:
            raise ConfigError(
                f"NOTEBOOK_BUGS: unknown bug(s) {', '.join(unknown)}; known: "
                f"{', '.join(sorted(KNOWN_BUGS))}."
            )
        return cls(dsn=dsn, admin_user=user, admin_password=password, bugs=bugs)


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    metrics: Metrics


@dataclass(frozen=True)
class Caller:
    id: int
    username: str


# ------------------------------------------------------------------------------------ models


Title = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Body = Annotated[str, Field(max_length=10_000, pattern=NO_NUL)]
Tag = Annotated[str, Field(min_length=1, max_length=30, pattern=NO_NUL)]


class ErrorOut(BaseModel):
    detail: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    id: int
    username: str


class NoteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"title": "Groceries", "body": "eggs, milk", "tags": ["home"]}]
        },
    )

    title: Title
    body: Body = ""
    tags: Annotated[list[Tag], Field(max_length=10)] = Field(default_factory=list)


class NoteOut(BaseModel):
    id: int
    title: str
    body: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class NotePage(BaseModel):
    items: list[NoteOut]
    total: int
    limit: int
    offset: int


class StatsOut(BaseModel):
    notes: int
    tags: dict[str, int]


class HealthOut(BaseModel):
    ok: bool


def _note_out(row: NoteRow) -> NoteOut:
    return NoteOut(**row)


# ---------------------------------------------------------------------------- dependencies

bearer = HTTPBearer(
    auto_error=False,
    description="`Authorization: Bearer <access_token>` from `POST /api/auth/login`.",
)


def services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


ServicesDep = Annotated[Services, Depends(services)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _unauthorized(detail: str, error: str | None = None) -> HTTPException:
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": challenge})


def _authenticate(svc: Services, credentials: HTTPAuthorizationCredentials | None) -> Caller:
    if credentials is None:
        raise _unauthorized("Not authenticated")
    token = credentials.credentials
    found = svc.db.session_account(auth.token_digest(token)) if auth.well_formed(token) else None
    if found is None:
        raise _unauthorized("Invalid or expired token", "invalid_token")
    return Caller(id=found[0], username=found[1])


def current_caller(svc: ServicesDep, credentials: Credentials) -> Caller:
    return _authenticate(svc, credentials)


def list_caller(svc: ServicesDep, credentials: Credentials) -> Caller | None:
    """The caller of `GET /api/notes`; None (every account's notes) under the `open` bug."""
    if "open" in svc.settings.bugs:
        return None
    return _authenticate(svc, credentials)


CallerDep = Annotated[Caller, Depends(current_caller)]
NoteId = Annotated[int, Path(ge=1, le=MAX_NOTE_ID, description="A note's id.", examples=[1])]

_AUTH_HEADER_DOC: dict[str, Any] = {
    "WWW-Authenticate": {"description": "The Bearer challenge.", "schema": {"type": "string"}}
}
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "The database is unavailable."}
}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorOut,
        "description": "Missing, invalid or expired bearer token.",
        "headers": _AUTH_HEADER_DOC,
    },
    **_UNAVAILABLE,
}
MALFORMED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body could not be parsed (e.g. not UTF-8)."}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such note for this account."}
}
_NOTE_LINKS: dict[str, Any] = {
    name: {"operationId": op, "parameters": {"note_id": "$response.body#/id"}}
    for name, op in (
        ("GetNote", "get_note"),
        ("UpdateNote", "update_note"),
        ("DeleteNote", "delete_note"),
    )
}

# ----------------------------------------------------------------------------------- routes

router = APIRouter()


@router.post(
    "/api/auth/login",
    operation_id="login",
    tags=["auth"],
    response_model=TokenOut,
    responses={
        **MALFORMED,
        401: {"model": ErrorOut, "description": "Wrong username or password."},
        **_UNAVAILABLE,
    },
)
def login(
    svc: ServicesDep,
    username: Annotated[str, Form(min_length=1, max_length=64, pattern=NO_NUL)],
    password: Annotated[str, Form(min_length=1, max_length=256, pattern=NO_NUL)],
) -> TokenOut:
    account = svc.db.find_account(username)
    salt = account["salt"] if account else None
    expected = account["pw_hash"] if account else None
    if account is None or not auth.verify_password(password, salt, expected):
        raise HTTPException(status_code=401, detail="Wrong username or password.")
    token = auth.new_token()
    svc.db.create_session(auth.token_digest(token), account["id"], auth.TOKEN_TTL_SECONDS)
    return TokenOut(access_token=token, expires_in=auth.TOKEN_TTL_SECONDS)


@router.get(
    "/api/me", operation_id="me", tags=["auth"], response_model=MeOut, responses=AUTH_RESPONSES
)
def me(caller: CallerDep) -> MeOut:
    return MeOut(id=caller.id, username=caller.username)


@router.get(
    "/api/notes",
    operation_id="list_notes",
    tags=["notes"],
    response_model=NotePage,
    responses=AUTH_RESPONSES,
)
def list_notes(
    svc: ServicesDep,
    caller: Annotated[Caller | None, Depends(list_caller)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_NOTE_ID)] = 0,
    tag: Annotated[str | None, Query(min_length=1, max_length=30, pattern=NO_NUL)] = None,
) -> NotePage:
    rows, total = svc.db.list_notes(caller.id if caller else None, limit, offset, tag)
    return NotePage(items=[_note_out(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post(
    "/api/notes",
    operation_id="create_note",
    tags=["notes"],
    status_code=201,
    response_model=NoteOut,
    responses={
        201: {
            "description": "The note, created.",
            "headers": {
                "Location": {"description": "The note's URL.", "schema": {"type": "string"}}
            },
            "links": _NOTE_LINKS,
        },
        **MALFORMED,
        **AUTH_RESPONSES,
    },
)
def create_note(svc: ServicesDep, caller: CallerDep, note: NoteIn, response: Response) -> NoteOut:
    row = svc.db.create_note(caller.id, note.title, note.body, note.tags)
    svc.metrics.notes_created.inc()
    response.headers["Location"] = f"/api/notes/{row['id']}"
    return _note_out(row)


@router.get(
    "/api/notes/{note_id}",
    operation_id="get_note",
    tags=["notes"],
    response_model=NoteOut,
    responses={**AUTH_RESPONSES, **NOT_FOUND},
)
def get_note(svc: ServicesDep, caller: CallerDep, note_id: NoteId) -> NoteOut:
    # the `shared` bug: any account reads any note by its id
    row = svc.db.get_note(None if "shared" in svc.settings.bugs else caller.id, note_id)
    if row is None:
        raise HTTPException(status_code=404, detail="Note not found.")
    return _note_out(row)


@router.put(
    "/api/notes/{note_id}",
    operation_id="update_note",
    tags=["notes"],
    response_model=NoteOut,
    responses={**MALFORMED, **AUTH_RESPONSES, **NOT_FOUND},
)
def update_note(svc: ServicesDep, caller: CallerDep, note_id: NoteId, note: NoteIn) -> NoteOut:
    row = svc.db.update_note(caller.id, note_id, note.title, note.body, note.tags)
    if row is None:
        raise HTTPException(status_code=404, detail="Note not found.")
    return _note_out(row)


@router.delete(
    "/api/notes/{note_id}",
    operation_id="delete_note",
    tags=["notes"],
    status_code=204,
    response_class=Response,
    responses={**AUTH_RESPONSES, **NOT_FOUND},
)
def delete_note(svc: ServicesDep, caller: CallerDep, note_id: NoteId) -> Response:
    if not svc.db.delete_note(caller.id, note_id):
        raise HTTPException(status_code=404, detail="Note not found.")
    return Response(status_code=204)


@router.get(
    "/api/stats",
    operation_id="stats",
    tags=["notes"],
    response_model=StatsOut,
    responses=AUTH_RESPONSES,
)
def stats(svc: ServicesDep, caller: CallerDep) -> StatsOut:
    if "crash" in svc.settings.bugs:
        raise RuntimeError("deliberate bug 'crash': GET /api/stats always fails")
    count, tags = svc.db.stats(caller.id)
    return StatsOut(notes=count, tags=tags)


@router.get(
    "/healthz",
    operation_id="healthz",
    tags=["ops"],
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database does not answer."}},
)
def healthz(svc: ServicesDep) -> JSONResponse:
    try:
        ok = svc.db.ping()
    except psycopg.Error as exc:
        log.warning("readiness: database unavailable: %s", exc)
        ok = False
    return JSONResponse({"ok": ok}, status_code=200 if ok else 503)


@router.get("/internal/metrics", include_in_schema=False)
def internal_metrics(svc: ServicesDep) -> Response:
    return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)


# -------------------------------------------------------------------------- error handlers


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": "Database unavailable."}, status_code=503)


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
    assert isinstance(exc, RequestValidationError)
    detail = _printable(jsonable_encoder(exc.errors()))
    return JSONResponse({"detail": detail}, status_code=422)


def _allowed_methods(path: str) -> list[str]:
    methods: set[str] = set()
    for route in router.routes:
        if isinstance(route, APIRoute) and route.path_regex.match(path):
            methods.update(route.methods or ())
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's JSON errors, with a 405's `Allow` naming every method the path accepts."""
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allowed = _allowed_methods(request.url.path)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


# ------------------------------------------------------------------------------------- app


def _start(svc: Services) -> None:
    settings = svc.settings
    svc.db.wait_until_up(settings.startup_timeout)
    encoding = svc.db.server_encoding()
    if encoding.upper() not in ("UTF8", "UTF-8"):
        raise ConfigError(f"notebook needs a UTF8 database; this one is {encoding}.")
    svc.db.create_schema()
    salt = auth.new_salt()
    svc.db.upsert_account(
        settings.admin_user, auth.hash_password(settings.admin_password, salt), salt
    )
    if settings.bugs:
        log.warning("deliberate bugs enabled: %s", ", ".join(sorted(settings.bugs)))


def create_app(settings: Settings) -> FastAPI:
    metrics = Metrics()
    svc = Services(settings=settings, db=Database(settings.dsn), metrics=metrics)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _start(svc)
        try:
            yield
        finally:
            svc.db.close()

    app = FastAPI(
        title="notebook",
        version="1.0.0",
        description="Private notes per account: a second test target for signoff.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = svc
    app.include_router(router)
    from .users import router as users  # it builds on this module's dependencies

    app.include_router(users)
    app.add_exception_handler(psycopg.OperationalError, _database_unavailable)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(ObserveMiddleware, metrics=metrics)
    return app


__all__ = ["ConfigError", "Settings", "create_app"]
