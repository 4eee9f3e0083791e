"""OAuth2 password login: a form with username (the email) and password, a bearer token back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException

from ... import crud
from ...core.security import create_access_token
from ...models import NO_NUL, ErrorOut, Token
from ..deps import SessionDep, SettingsDep

router = APIRouter(tags=["login"])


@router.post(
    "/login/access-token",
    responses={
        400: {"model": ErrorOut, "description": "The form could not be parsed."},
        401: {"model": ErrorOut, "description": "Incorrect email or password."},
        403: {"model": ErrorOut, "description": "Inactive user."},
    },
)
def login_access_token(
    conn: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(min_length=1, max_length=255, pattern=NO_NUL)],
    password: Annotated[str, Form(min_length=1, max_length=255, pattern=NO_NUL)],
) -> Token:
    """OAuth2 compatible token login: an access token for future requests."""
    user = crud.authenticate(conn, username, password)
    if user is None:
        raise HTTPException(status_code=401, detail="Incorrect email or password")
    if not user["is_active"]:
        raise HTTPException(status_code=403, detail="Inactive user")
    token = create_access_token(
        user["id"], settings.secret_key, settings.access_token_expire_minutes
    )
    return Token(access_token=token)
