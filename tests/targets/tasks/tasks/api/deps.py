"""Request dependencies: settings, a database connection, the caller and their privileges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer

from .. import crud
from ..core.config import API_V1_STR, Settings
from ..core.db import Connection, Row, connect
from ..core.security import subject_of
from ..models import ErrorOut

reusable_oauth2 = OAuth2PasswordBearer(tokenUrl=f"{API_V1_STR}/login/access-token")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_db(settings: SettingsDep) -> Iterator[Connection]:
    with connect(settings) as conn:
        yield conn


SessionDep = Annotated[Connection, Depends(get_db)]
TokenDep = Annotated[str, Depends(reusable_oauth2)]


def get_current_user(conn: SessionDep, settings: SettingsDep, token: TokenDep) -> Row:
    subject = subject_of(token, settings.secret_key)
    user = crud.get_user(conn, subject) if subject is not None else None
    if user is None:
        raise HTTPException(
            status_code=401,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not user["is_active"]:
        raise HTTPException(status_code=403, detail="Inactive user")
    return user


CurrentUser = Annotated[Row, Depends(get_current_user)]


def get_current_active_superuser(current_user: CurrentUser) -> Row:
    if not current_user["is_superuser"]:
        raise HTTPException(status_code=403, detail="The user doesn't have enough privileges")
    return current_user


SuperUser = Annotated[Row, Depends(get_current_active_superuser)]

AUTH: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body could not be parsed."},
    401: {"model": ErrorOut, "description": "Missing, invalid or expired token."},
}
# documented where the route itself may refuse an active caller, as the template has it; a
# caller that lost its privileges meanwhile gets 403 elsewhere too
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Not enough privileges for this object."}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "Not found."}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "A user with this email already exists."}
}
