"""Accounts made through the API: only the admin account may make them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from . import auth
from .app import AUTH_RESPONSES, MALFORMED, NO_NUL, CallerDep, ErrorOut, ServicesDep

router = APIRouter()


class UserIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"username": "ada", "password": "a long passphrase"}]},
    )

    username: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)]
    password: Annotated[str, Field(min_length=1, max_length=256, pattern=NO_NUL)]


class UserOut(BaseModel):
    id: int
    username: str


@router.post(
    "/api/users",
    operation_id="create_user",
    tags=["auth"],
    status_code=201,
    response_model=UserOut,
    responses={
        **MALFORMED,
        **AUTH_RESPONSES,
        403: {"model": ErrorOut, "description": "Only the admin account makes accounts."},
        409: {"model": ErrorOut, "description": "The username is taken."},
    },
)
def create_user(svc: ServicesDep, caller: CallerDep, user: UserIn) -> UserOut:
    # the `noadmin` bug: any signed-in account makes accounts
    if caller.username != svc.settings.admin_user and "noadmin" not in svc.settings.bugs:
        raise HTTPException(status_code=403, detail="Only the admin account makes accounts.")
    salt = auth.new_salt()
    made = svc.db.create_account(user.username, auth.hash_password(user.password, salt), salt)
    if made is None:
        raise HTTPException(status_code=409, detail="The username is taken.")
    return UserOut(id=made, username=user.username)
